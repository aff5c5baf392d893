"""Fly.io: FLY_* at run time only (a Docker build has nothing). Sources: platforms.md, platforms-living.md."""

from __future__ import annotations

from django_platform.platforms.base import Marker, Platform

FLY = Platform(
    name="fly",
    label="Fly.io",
    markers=(Marker(all_of=("FLY_APP_NAME",)),),
    router_tls=True,
    host_templates=("{FLY_APP_NAME}.fly.dev",),
    worker_hint=(
        'list it under [processes] in fly.toml (`{process} = "{command}"`, beside the web command as `app`), '
        "then `fly scale count {process}=1`"
    ),
    release_hint='set `release_command = "python manage.py migrate --noinput"` under [deploy] in fly.toml',
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
    unverified=("health-check Host",),
)

PLATFORMS = (FLY,)
