"""Scalingo: Heroku-lineage buildpacks and Procfile; its release phase is `postdeploy:`.

Run time: SCALINGO_APPLICATION_ID, CONTAINER, CONTAINER_SIZE, CONTAINER_MEMORY, APP, REGION_NAME.
Build: the app's variables with APP, SOURCE_VERSION and STACK, no CONTAINER.
Public sources: the row's `sources`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_platform.parsers.cache import parse_cache_url
from django_platform.parsers.dburl import parse_database_url
from django_platform.platforms.base import Context, Found, Marker, Platform

if TYPE_CHECKING:
    from django_platform.report import Source

# Query parameters of Scalingo's MySQL URL meant for JDBC; mysqlclient refuses them as options.
JDBC_SSL = "useSSL"
JDBC_VERIFY = "verifyServerCertificate"


class Scalingo(Platform):
    def databases(self, ctx: Context) -> list[Found]:
        found: list[Found] = []
        for variable in ("SCALINGO_POSTGRESQL_URL", "SCALINGO_MYSQL_URL"):
            if ctx.value(variable):
                entry = self.adjust_database(parse_database_url(ctx.env[variable], variable=variable), variable)
                found.append(("default" if not found else variable.split("_")[1].lower(), entry, variable))
        return found

    def adjust_database(self, entry: dict[str, Any], source: Source | str) -> dict[str, Any]:
        options = dict(entry.get("OPTIONS") or {})
        if JDBC_SSL not in options and JDBC_VERIFY not in options:
            return entry
        use_ssl = str(options.pop(JDBC_SSL, "")).lower() == "true"
        options.pop(JDBC_VERIFY, None)
        if use_ssl and "ssl_mode" not in options:
            # TLS without verifying the certificate, as the URL asks; PREFERRED, not REQUIRED: Force
            # TLS is off by default and some older databases have no certificate until restarted.
            options["ssl_mode"] = "PREFERRED"
        adjusted = {k: v for k, v in entry.items() if k != "OPTIONS"}
        return {**adjusted, "OPTIONS": options} if options else adjusted

    def cache(self, ctx: Context) -> tuple[dict[str, Any], str] | None:
        if not ctx.value("SCALINGO_REDIS_URL"):
            return None
        url = ctx.env["SCALINGO_REDIS_URL"]
        config = parse_cache_url(url, variable="SCALINGO_REDIS_URL", tls_verify=self.redis_tls_verify)
        return config, "SCALINGO_REDIS_URL"


SCALINGO = Scalingo(
    name="scalingo",
    one_off="`scalingo --app APP run {command}`",
    release_variables=("CONTAINER_VERSION", "SOURCE_VERSION"),
    label="Scalingo",
    markers=(Marker(all_of=("SCALINGO_APPLICATION_ID",)), Marker(all_of=("CONTAINER", "CONTAINER_SIZE"))),
    # The URL says sslmode=prefer (Force TLS is an opt-in on shared databases): the URL decides.
    router_tls=True,
    host_templates=("{APP}.{REGION_NAME}.scalingo.io",),
    # Heroku's `release:` is not executed on Scalingo.
    worker_hint="scale it with `scalingo --app APP scale {process}:1`",
    release_process="postdeploy",
    broker_variables=("SCALINGO_REDIS_URL",),
    stop_grace=30,
    size_variable="CONTAINER_MEMORY",
    size_unit=1,
    build_markers=(Marker(all_of=("APP", "SOURCE_VERSION", "STACK"), note="Scalingo's buildpack build"),),
    collectstatic_at_build="Scalingo's Python buildpack runs it at build unless DISABLE_COLLECTSTATIC is set",
    claims=("SCALINGO_POSTGRESQL_URL", "SCALINGO_MYSQL_URL", "SCALINGO_REDIS_URL"),
    unverified=("router idle timeout",),
    credentials_from=(
        "`DATABASE_URL`, else `SCALINGO_POSTGRESQL_URL` / `SCALINGO_MYSQL_URL` (its JDBC-only "
        "`useSSL`/`verifyServerCertificate` become `ssl_mode=PREFERRED`); cache `SCALINGO_REDIS_URL`"
    ),
    recipe=(
        "Attach PostgreSQL or MySQL (`SCALINGO_*_URL` and `DATABASE_URL`), set `DJANGO_SECRET_KEY`. The buildpack "
        "runs `collectstatic`; the generated Procfile's `postdeploy:` line migrates (Scalingo ignores `release:`). "
        "The MySQL URL's JDBC parameters are translated (`ssl_mode=PREFERRED`); the PostgreSQL URL's "
        "`sslmode=prefer` is kept. Host: `APP.REGION_NAME.scalingo.io`."
    ),
    sources=(
        "https://doc.scalingo.com/platform/app/environment",
        "https://doc.scalingo.com/languages/python/start",
        "https://doc.scalingo.com/platform/app/postdeploy-hook",
        "https://doc.scalingo.com/platform/getting-started/heroku-compatibility",
        "https://doc.scalingo.com/platform/internals/container-management",
        "https://doc.scalingo.com/platform/internals/regions",
        "https://doc.scalingo.com/platform/networking/public/routing",
        "https://doc.scalingo.com/databases/mysql/getting-started/connecting",
        "https://doc.scalingo.com/databases/postgresql/shared-resources/getting-started/connecting",
    ),
)

PLATFORMS = (SCALINGO,)
