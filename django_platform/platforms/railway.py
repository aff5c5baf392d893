"""Railway: RAILWAY_* at build (Railpack) and run time. Public sources: the row's `sources`."""

from __future__ import annotations

from collections.abc import Mapping

from django_platform.parsers.buckets import BucketVars
from django_platform.parsers.env import get_int
from django_platform.platforms.base import Marker, Platform

DRAIN = "RAILWAY_DEPLOYMENT_DRAINING_SECONDS"


class Railway(Platform):
    def stop_window(self, env: Mapping[str, str]) -> int:
        # SIGKILL follows SIGTERM after the draining time, 0 unless the user sets it.
        drain = get_int(env, DRAIN, minimum=0)
        return self.stop_grace if drain is None else drain


RAILWAY = Railway(
    name="railway",
    one_off="`railway ssh` into the service, then `{command}`",
    release_variables=("RAILWAY_GIT_COMMIT_SHA",),
    label="Railway",
    markers=(Marker(any_of=("RAILWAY_ENVIRONMENT_NAME", "RAILWAY_PROJECT_ID")),),
    router_tls=True,
    host_templates=("{RAILWAY_PUBLIC_DOMAIN}",),
    health_check_hosts=("healthcheck.railway.app",),
    health_check="set the service's Healthcheck Path (deploy.healthcheckPath in railway.json) to {path}",
    worker_hint="add a service from the same repository with the custom start command `{command}`",
    release_hint="set the service's Pre-Deploy Command to `python manage.py platform_migrate`",
    stop_grace=0,
    # The edge closes idle HTTP/1.1 connections after 60 s between requests; its Specs & Limits page
    # now says websockets are exempt from that and may stay open idle (no websocket_idle).
    router_idle_timeout=60,
    # Railpack (the default builder) runs no collectstatic.
    collectstatic_at_build="set the service's build command to `python manage.py collectstatic --noinput`",
    # Railway Buckets, by the names a bucket reference gives the service (its presets may give the AWS
    # SDK's instead, read on every platform): private only, so media URLs are signed.
    buckets=(
        BucketVars(
            "Railway Bucket",
            "BUCKET",
            "ACCESS_KEY_ID",
            "SECRET_ACCESS_KEY",
            "REGION",
            "ENDPOINT",
            default_region="auto",
            endpoint_required=True,
            public_reads=False,
        ),
    ),
    credentials_from="`DATABASE_URL` (the private URL, at run time only)",
    recipe=(
        "`DATABASE_URL` (private URL), `DJANGO_SECRET_KEY`; Railpack runs no `collectstatic`: set the build command "
        "to `python manage.py collectstatic --noinput`; pre-deploy command `python manage.py platform_migrate`; "
        "Healthcheck Path `/readyz`. Health checks come over plain HTTP with the Host `healthcheck.railway.app`: "
        "the health paths answer them before the HTTPS redirect and host validation. Railway kills at once after "
        "SIGTERM unless you set `RAILWAY_DEPLOYMENT_DRAINING_SECONDS` (gunicorn's graceful timeout follows it): set "
        "it (30) and `RAILWAY_DEPLOYMENT_OVERLAP_SECONDS`, or a release fails the requests in flight."
    ),
    dockerfile_build="found",
    python_variable="RAILPACK_PYTHON_VERSION",
    sources=(
        "https://railpack.com/languages/python",
        "https://docs.railway.com/reference/dockerfiles",
        "https://docs.railway.com/variables/reference",
        "https://docs.railway.com/networking/private-networking/how-it-works",
        "https://docs.railway.com/deployments/pre-deploy-command",
        "https://docs.railway.com/deployments/healthchecks",
        "https://docs.railway.com/networking/public-networking/specs-and-limits",
        "https://docs.railway.com/databases/postgresql",
        "https://docs.railway.com/storage-buckets",
    ),
)

PLATFORMS = (RAILWAY,)
