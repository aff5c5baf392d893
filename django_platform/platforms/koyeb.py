"""Koyeb: KOYEB_* system variables at run time; the user's variables at build and run time.
Public sources: the row's `sources`."""

from __future__ import annotations

from django_platform.platforms.base import Marker, Platform

KOYEB = Platform(
    name="koyeb",
    one_off="the service's Console tab: `{command}` (unverified)",
    release_variables=("KOYEB_GIT_SHA",),
    label="Koyeb",
    markers=(Marker(any_of=("KOYEB_APP_NAME", "KOYEB_SERVICE_ID")),),
    router_tls=True,
    host_templates=("{KOYEB_PUBLIC_DOMAIN}",),
    worker_hint="create a Worker service from the same repository with the run command `{command}`",
    release_hint=(
        "Koyeb documents no release phase: run `python manage.py platform_migrate` once per deploy "
        "(a one-off command, or the service's run command before gunicorn on a single instance)"
    ),
    size_variable="KOYEB_INSTANCE_MEMORY_MB",
    size_unit=1024 * 1024,
    collectstatic_at_build="add `python manage.py collectstatic --noinput` to the service's build command",
    health_check="add an HTTP health check on the service's port with path {path} (CLI: --checks 8000:http:{path})",
    unverified=("KOYEB_* variables at build", "health-check Host", "stop signal and grace", "database variables"),
    credentials_from="`DATABASE_URL` (set by you, as a secret)",
    recipe=(
        "`DATABASE_URL` (a secret, from the database's page) and `DJANGO_SECRET_KEY`; add `python manage.py "
        "collectstatic --noinput` to the build command; Koyeb documents no release phase, so run `python manage.py "
        "platform_migrate` once per deploy; an HTTP health check on `/readyz` (`--checks 8000:http:/readyz`). "
        "Host: `KOYEB_PUBLIC_DOMAIN`."
    ),
    dockerfile_build="chosen",
    sources=(
        "https://www.koyeb.com/docs/build-and-deploy/environment-variables",
        "https://www.koyeb.com/docs/reference/apps",
        "https://www.koyeb.com/docs/apps/build-from-git",
        "https://www.koyeb.com/docs/databases",
        "https://www.koyeb.com/docs/run-and-scale/health-checks",
    ),
)

PLATFORMS = (KOYEB,)
