"""Clever Cloud: no Procfile; its Python runtime starts gunicorn itself (CC_PYTHON_BACKEND) and runs
manage.py tasks before it (CC_PYTHON_MANAGE_TASKS). Add-ons come as separate variables, with no
DATABASE_URL. Build instances have INSTANCE_TYPE=build. Public sources: the row's `sources`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django_platform.parsers.cache import parse_cache_url
from django_platform.parsers.dbfields import FieldSpec, from_fields
from django_platform.parsers.env import parse_int
from django_platform.platforms.base import Context, Found, Marker, Platform
from django_platform.report import Source

# Add-on prefix -> (engine family, default port), in the order that picks the default database.
ADDONS = {"POSTGRESQL_ADDON": ("postgresql", 5432), "MYSQL_ADDON": ("mysql", 3306)}


class CleverCloud(Platform):
    def databases(self, ctx: Context) -> list[Found]:
        found: list[Found] = []
        for prefix, (family, port) in ADDONS.items():
            if not (ctx.value(f"{prefix}_HOST") or ctx.value(f"{prefix}_URI")):
                continue
            spec = FieldSpec(
                family,
                f"{prefix}_DB",
                f"{prefix}_HOST",
                (f"{prefix}_USER",),
                f"{prefix}_PASSWORD",
                f"{prefix}_PORT",
                port,
                url=f"{prefix}_URI",
            )
            source = f"{prefix}_*"
            origin = Source("environment", source, [k for k in spec.variables() if ctx.value(k)])
            found.append(("default" if not found else family, from_fields(ctx.env, spec, source=source), origin))
        return found

    def cache(self, ctx: Context) -> tuple[dict[str, Any], Source | str] | None:
        # REDIS_URL, shown in the add-on's panel, is read first by the cache area; the parts
        # are what the add-on injects.
        host = ctx.value("REDIS_HOST")
        if not host:
            return None
        source = "REDIS_HOST/REDIS_PORT/REDIS_PASSWORD"
        text = ctx.value("REDIS_PORT")
        port = parse_int(f"{source} REDIS_PORT", text, minimum=1, maximum=65535) if text else 6379
        password = ctx.env.get("REDIS_PASSWORD", "")
        auth = f":{quote(password, safe='')}@" if password else ""
        keys = [k for k in ("REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD") if ctx.value(k)]
        config = parse_cache_url(f"redis://{auth}{host}:{port}/0", variable=source, tls_verify=self.redis_tls_verify)
        return config, Source("environment", source, keys)

    def broker(self, ctx: Context) -> tuple[str, Source] | None:
        found = super().broker(ctx)
        cache = None if found else self.cache(ctx)
        if cache is not None:
            config, source = cache
            return config["LOCATION"], source if isinstance(source, Source) else Source("environment", source)
        return found


CLEVERCLOUD = CleverCloud(
    name="clevercloud",
    one_off="`clever ssh`, then `{command}`",
    release_variables=("CC_COMMIT_ID", "COMMIT_ID"),
    label="Clever Cloud",
    markers=(Marker(all_of=("CC_DEPLOYMENT_ID", "INSTANCE_TYPE=production")),),
    router_tls=True,
    procfile=False,
    worker_hint="set CC_WORKER_COMMAND to `{command}` (CC_WORKER_COMMAND_1, _2, ... for more)",
    release_hint=(
        "Clever Cloud reads no Procfile: set CC_PYTHON_BACKEND=gunicorn, CC_PYTHON_MODULE={module}:application "
        'and CC_PYTHON_MANAGE_TASKS="platform_migrate"'
    ),
    build_markers=(Marker(all_of=("INSTANCE_TYPE=build",), note="Clever Cloud's build instance"),),
    collectstatic_at_build=(
        'add collectstatic to the tasks: CC_PYTHON_MANAGE_TASKS="platform_migrate, collectstatic --noinput"'
    ),
    claims=("POSTGRESQL_ADDON_HOST", "POSTGRESQL_ADDON_URI", "MYSQL_ADDON_HOST", "MYSQL_ADDON_URI"),
    health_check="set CC_HEALTH_CHECK_PATH={path}",
    health_check_variable="CC_HEALTH_CHECK_PATH",
    unverified=("database TLS", "health-check Host", "stop signal and grace", "default cleverapps.io host name"),
    credentials_from=(
        "`POSTGRESQL_ADDON_URI` or `POSTGRESQL_ADDON_HOST`/`_PORT`/`_DB`/`_USER`/`_PASSWORD`, `MYSQL_ADDON_*` "
        "likewise (no `DATABASE_URL`); cache `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`"
    ),
    recipe=(
        "No Procfile: set `CC_PYTHON_BACKEND=gunicorn`, `CC_PYTHON_MODULE=myproject.wsgi:application` and "
        '`CC_PYTHON_MANAGE_TASKS="platform_migrate, collectstatic --noinput"`, `DJANGO_SECRET_KEY`, '
        "`DJANGO_ALLOWED_HOSTS` (the default `cleverapps.io` name is not derivable) and "
        "`CC_HEALTH_CHECK_PATH=/readyz` (`platform_check` warns when it names another path). The PostgreSQL and "
        "Redis add-ons' own variables are read as they come (`POSTGRESQL_ADDON_*`, `REDIS_HOST`...)."
    ),
    dockerfile_build="chosen",
    python_variable="CC_PYTHON_VERSION",  # the environment variables reference (below)
    sources=(
        "https://www.clever-cloud.com/doc/docker/docker",
        "https://www.clever.cloud/developers/doc/reference/reference-environment-variables/",
        "https://www.clever.cloud/developers/doc/applications/python/",
        "https://www.clever.cloud/developers/guides/python-django-sample/",
        "https://www.clever.cloud/developers/doc/administrate/domain-names/",
        "https://www.clever.cloud/developers/doc/find-help/faq/",
        "https://www.clever.cloud/developers/doc/develop/healthcheck/",
    ),
)

PLATFORMS = (CLEVERCLOUD,)
