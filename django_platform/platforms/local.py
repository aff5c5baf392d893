"""Development on the user's own machine: what applies when no platform is detected."""

from __future__ import annotations

from django_platform.platforms.base import Platform

LOCAL = Platform(
    name="local",
    label="local development",
    development=True,
    ephemeral_disk=False,
    multi_node=False,
    local_smtp=True,
)

PLATFORMS = (LOCAL,)
