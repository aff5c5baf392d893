"""DigitalOcean App Platform: no variable marks it (DJANGO_PLATFORM=digitalocean selects it); the
user binds ${APP_DOMAIN} and ${db.DATABASE_URL} into the environment (database bindings exist at run
time only). Its Python builds use Heroku's buildpack. Public sources: the row's `sources`."""

from __future__ import annotations

from django_platform.platforms.base import Platform

DIGITALOCEAN = Platform(
    name="digitalocean",
    one_off="`doctl apps console APP_ID web`, then `{command}`",
    label="DigitalOcean App Platform",
    router_tls=True,
    host_templates=("{APP_DOMAIN}",),
    worker_hint="add a worker component (workers: in the app spec) with run_command `{command}`",
    release_hint="add a job with `kind: PRE_DEPLOY` running `python manage.py platform_migrate` to the app spec",
    # termination.grace_period_seconds (after drain_seconds, default 15).
    stop_grace=120,
    health_check=(
        "in the app spec's service: health_check: http_path: {path}, timeout_seconds: 5 (and liveness_health_check: "
        "http_path: /healthz, or your live path)"
    ),
    collectstatic_at_build="its Heroku buildpack runs it at build unless DISABLE_COLLECTSTATIC is set",
    unverified=("database TLS and CA", "health-check Host", "Procfile as the default run command"),
    credentials_from="`DATABASE_URL` bound to `${db.DATABASE_URL}` (run time only)",
    recipe=(
        "Set `DJANGO_PLATFORM=digitalocean`, `DJANGO_SECRET_KEY`, `APP_DOMAIN=${APP_DOMAIN}` and "
        "`DATABASE_URL=${db.DATABASE_URL}` (the database binding exists at run time only: the build imports "
        "settings without it); add a `PRE_DEPLOY` job running `python manage.py platform_migrate`; in the "
        "service's spec `health_check: {http_path: /readyz}`. Its Heroku buildpack runs `collectstatic`."
    ),
    dockerfile_build="found",
    sources=(
        "https://docs.digitalocean.com/products/app-platform/reference/dockerfile/",
        "https://docs.digitalocean.com/products/app-platform/how-to/use-environment-variables",
        "https://docs.digitalocean.com/products/app-platform/reference/app-spec/",
        "https://docs.digitalocean.com/support/why-are-my-database-bind-variables-missing-from-my-app/",
        "https://docs.digitalocean.com/products/app-platform/reference/buildpacks/python/",
        "https://docs.digitalocean.com/products/app-platform/how-to/manage-health-checks",
        "https://docs.digitalocean.com/products/app-platform/how-to/configure-termination",
    ),
)

PLATFORMS = (DIGITALOCEAN,)
