"""DigitalOcean App Platform: no variable marks it (DJANGO_PLATFORM=digitalocean selects it); the
user binds ${APP_DOMAIN} and ${db.DATABASE_URL} into the environment (database bindings exist at run
time only). Its Python builds use Heroku's buildpack. Source: platforms-living.md (DigitalOcean)."""

from __future__ import annotations

from django_platform.platforms.base import Platform

DIGITALOCEAN = Platform(
    name="digitalocean",
    label="DigitalOcean App Platform",
    router_tls=True,
    host_templates=("{APP_DOMAIN}",),
    worker_hint="add a worker component (workers: in the app spec) with run_command `{command}`",
    release_hint="add a job with `kind: PRE_DEPLOY` running `python manage.py migrate --noinput` to the app spec",
    # termination.grace_period_seconds (after drain_seconds, default 15).
    stop_grace=120,
    health_check=(
        "in the app spec's service: health_check: http_path: {path}, timeout_seconds: 5 (and liveness_health_check: "
        "http_path: /healthz, or your live path)"
    ),
    collectstatic_at_build="its Heroku buildpack runs it at build unless DISABLE_COLLECTSTATIC is set",
    unverified=("database TLS and CA", "health-check Host", "Procfile as the default run command"),
)

PLATFORMS = (DIGITALOCEAN,)
