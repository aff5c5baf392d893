"""Render: RENDER=true at build and run time (native builds). Sources: platforms.md, platforms-living.md."""

from __future__ import annotations

from django_platform.platforms.base import Marker, Platform

RENDER = Platform(
    name="render",
    label="Render",
    markers=(Marker(all_of=("RENDER=true",)),),
    router_tls=True,
    host_templates=("{RENDER_EXTERNAL_HOSTNAME}",),
    worker_hint=(
        "create a Background Worker service (type: worker in render.yaml) from the same repository "
        "with the start command `{command}`"
    ),
    release_hint="set the service's Pre-Deploy Command (preDeployCommand) to `python manage.py migrate --noinput`",
    # maxShutdownDelaySeconds, default 30.
    stop_grace=30,
    health_check="set the service's Health Check Path (healthCheckPath in render.yaml) to {path}",
    collectstatic_at_build="add `python manage.py collectstatic --noinput` to the service's build command",
)

PLATFORMS = (RENDER,)
