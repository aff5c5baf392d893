"""Render: RENDER=true at build and run time (native builds). Public sources: the row's `sources`."""

from __future__ import annotations

from django_platform.platforms.base import Marker, Platform

RENDER = Platform(
    name="render",
    one_off="the service's Shell tab in the dashboard: `{command}`",
    release_variables=("RENDER_GIT_COMMIT",),
    label="Render",
    markers=(Marker(all_of=("RENDER=true",)),),
    router_tls=True,
    host_templates=("{RENDER_EXTERNAL_HOSTNAME}",),
    worker_hint=(
        "create a Background Worker service (type: worker in render.yaml) from the same repository "
        "with the start command `{command}`"
    ),
    release_hint="set the service's Pre-Deploy Command (preDeployCommand) to `python manage.py platform_migrate`",
    # maxShutdownDelaySeconds, default 30.
    stop_grace=30,
    health_check="set the service's Health Check Path (healthCheckPath in render.yaml) to {path}",
    collectstatic_at_build="add `python manage.py collectstatic --noinput` to the service's build command",
    credentials_from="`DATABASE_URL` (wired by you: the internal URL needs no TLS)",
    recipe=(
        "`DATABASE_URL` (internal URL), `DJANGO_SECRET_KEY`; build command `pip install -r requirements.txt && "
        "python manage.py collectstatic --noinput`; pre-deploy command `python manage.py platform_migrate`; Health "
        "Check Path `/readyz`. Hosts come from `RENDER_EXTERNAL_HOSTNAME`."
    ),
    dockerfile_build="chosen",
    python_variable="PYTHON_VERSION",
    sources=(
        "https://render.com/docs/python-version",
        "https://render.com/docs/docker",
        "https://render.com/docs/environment-variables",
        "https://render.com/docs/health-checks",
        "https://render.com/docs/blueprint-spec",
    ),
)

PLATFORMS = (RENDER,)
