"""Railway: RAILWAY_* at build (Railpack) and run time. Sources: platforms.md, platforms-living.md."""

from __future__ import annotations

from collections.abc import Mapping

from django_platform.platforms.base import Marker, Platform

DRAIN = "RAILWAY_DEPLOYMENT_DRAINING_SECONDS"


class Railway(Platform):
    def stop_window(self, env: Mapping[str, str]) -> int:
        # SIGKILL follows SIGTERM after the draining time, 0 unless the user sets it.
        from django_platform.parsers.env import get_int

        drain = get_int(env, DRAIN, minimum=0)
        return self.stop_grace if drain is None else drain


RAILWAY = Railway(
    name="railway",
    label="Railway",
    markers=(Marker(any_of=("RAILWAY_ENVIRONMENT_NAME", "RAILWAY_PROJECT_ID")),),
    router_tls=True,
    host_templates=("{RAILWAY_PUBLIC_DOMAIN}",),
    health_check_hosts=("healthcheck.railway.app",),
    health_check="set the service's Healthcheck Path (deploy.healthcheckPath in railway.json) to {path}",
    worker_hint="add a service from the same repository with the custom start command `{command}`",
    release_hint="set the service's Pre-Deploy Command to `python manage.py migrate --noinput`",
    stop_grace=0,
    # The edge closes idle HTTP/1.1 connections after 60 s.
    router_idle_timeout=60,
    # Railpack (the default builder) runs no collectstatic.
    collectstatic_at_build="set the service's build command to `python manage.py collectstatic --noinput`",
)

PLATFORMS = (RAILWAY,)
