"""Koyeb: KOYEB_* system variables at run time; the user's variables at build and run time.
Source: platforms-living.md (Koyeb; much of it unverified, kept overridable)."""

from __future__ import annotations

from django_platform.platforms.base import Marker, Platform

KOYEB = Platform(
    name="koyeb",
    label="Koyeb",
    markers=(Marker(any_of=("KOYEB_APP_NAME", "KOYEB_SERVICE_ID")),),
    router_tls=True,
    host_templates=("{KOYEB_PUBLIC_DOMAIN}",),
    worker_hint="create a Worker service from the same repository with the run command `{command}`",
    release_hint=(
        "Koyeb documents no release phase: run `python manage.py migrate --noinput` once per deploy "
        "(a one-off command, or the service's run command before gunicorn on a single instance)"
    ),
    size_variable="KOYEB_INSTANCE_MEMORY_MB",
    size_unit=1024 * 1024,
    collectstatic_at_build="add `python manage.py collectstatic --noinput` to the service's build command",
    health_check="add an HTTP health check on the service's port with path {path} (CLI: --checks 8000:http:{path})",
    unverified=("KOYEB_* variables at build", "health-check Host", "stop signal and grace", "database variables"),
)

PLATFORMS = (KOYEB,)
