"""Development on the user's own machine: what applies when no platform is detected."""

from __future__ import annotations

from django_platform.platforms.base import Platform

LOCAL = Platform(
    name="local",
    one_off="`{command}`",
    label="local development",
    development=True,
    ephemeral_disk=False,
    multi_node=False,
    local_smtp=True,
    credentials_from="`DATABASE_URL`, else `settings.py`",
    recipe=(
        "Nothing: on your own machine `DEBUG` comes from `settings.py`, hosts are local, mail goes to the console. "
        "A `.env` file can hold what a platform would set (see the settings page)."
    ),
    sources=("https://docs.djangoproject.com/en/stable/howto/deployment/checklist/",),
)

PLATFORMS = (LOCAL,)
