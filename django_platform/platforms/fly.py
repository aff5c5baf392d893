"""Fly.io: FLY_* at run time only (a Docker build has nothing). Public sources: the row's `sources`."""

from __future__ import annotations

from django_platform.parsers.buckets import BucketVars
from django_platform.platforms.base import Marker, Platform

FLY = Platform(
    name="fly",
    one_off="`fly ssh console -C '{command}'`",
    release_variables=("FLY_IMAGE_REF",),
    label="Fly.io",
    markers=(Marker(all_of=("FLY_APP_NAME",)),),
    router_tls=True,
    host_templates=("{FLY_APP_NAME}.fly.dev",),
    worker_hint=(
        'list it under [processes] in fly.toml (`{process} = "{command}"`, beside the web command as `app`), '
        "then `fly scale count {process}=1`"
    ),
    release_hint='set `release_command = "python manage.py platform_migrate"` under [deploy] in fly.toml',
    # kill_signal and kill_timeout defaults.
    health_check=(
        'add to fly.toml: [[http_service.checks]] path = "{path}", method = "GET", interval = "15s", '
        'timeout = "5s", grace_period = "10s"'
    ),
    stop_signal="SIGINT",
    stop_grace=5,
    # Checks run over the private network against the Machine (unverified: its address).
    health_check_hosts=("[{FLY_PRIVATE_IP}]",),
    size_variable="FLY_VM_MEMORY_MB",
    size_unit=1024 * 1024,
    collectstatic_at_build="add `RUN python manage.py collectstatic --noinput` to the Dockerfile",
    # Tigris, as `fly storage create` sets its secrets: private buckets, region "auto".
    buckets=(
        BucketVars(
            "Tigris (fly storage create)",
            "BUCKET_NAME",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
            "AWS_ENDPOINT_URL_S3",
            default_region="auto",
            endpoint_required=True,
        ),
    ),
    # Its docs: idle TCP connections closed after 60 s; a 2023 community post says that was removed.
    websocket_idle=60,
    unverified=("health-check Host", "websocket idle timeout"),
    credentials_from="`DATABASE_URL` (set by `fly mpg attach` or `fly postgres attach`)",
    recipe=(
        "`DATABASE_URL` and `DJANGO_SECRET_KEY` as secrets; the Dockerfile runs `python manage.py collectstatic "
        '--noinput` (settings import there with no variables at all); `[deploy] release_command = "python '
        'manage.py platform_migrate"`; `[[http_service.checks]]` with `path = "/readyz"`. Hosts: '
        "`FLY_APP_NAME.fly.dev`, and the Machine's private address (`FLY_PRIVATE_IP`) for health checks "
        "(unverified). Fly stops Machines with SIGINT and kills them 5 s later: the generated gunicorn config "
        "drains on SIGINT as on SIGTERM; raise `kill_timeout` if requests can take longer."
    ),
    dockerfile_build="found",
    sources=(
        "https://fly.io/docs/reference/builders/",
        "https://fly.io/docs/machines/runtime-environment/",
        "https://fly.io/docs/apps/build-secrets/",
        "https://fly.io/docs/reference/configuration/",
        "https://fly.io/docs/mpg/client-configuration/",
        "https://fly.io/docs/deep-dive/django/",
        "https://fly.io/docs/tigris/",
    ),
)

PLATFORMS = (FLY,)
