"""Heroku, and the platforms that set its DYNO variable too: Heroku CI and Dokku.

Public sources: the row's `sources`.
"""

from __future__ import annotations

import re

from django_platform.parsers.dburl import parse_database_url
from django_platform.platforms.base import MYSQL, PG, Context, Found, Marker, Platform

_COLOR = re.compile(r"^HEROKU_POSTGRESQL_(?P<color>[A-Z0-9]+)_URL$")
COLLECTSTATIC = "{label}'s Python buildpack runs it at build unless DISABLE_COLLECTSTATIC is set"


def attached_databases(ctx: Context) -> list[Found]:
    """Extra databases attached as HEROKU_POSTGRESQL_<COLOR>_URL, as aliases named by colour."""

    found: list[Found] = []
    for variable in sorted(ctx.env):
        match = _COLOR.match(variable)
        if match and ctx.value(variable):
            alias = match.group("color").lower()
            found.append((alias, parse_database_url(ctx.env[variable], variable=variable), variable))
    return found


class Heroku(Platform):
    def databases(self, ctx: Context) -> list[Found]:
        return attached_databases(ctx)


# Heroku CI sets DYNO as well: its in-dyno databases have no TLS and no router is in front.
HEROKU_CI = Heroku(
    name="heroku-ci",
    label="Heroku CI",
    markers=(Marker(all_of=("DYNO", "CI")),),
    multi_node=False,
    credentials_from="as Heroku; in-dyno databases have no TLS",
    recipe="Nothing: Heroku CI sets `DYNO` and `CI`, and its in-dyno databases are used without TLS.",
    sources=("https://devcenter.heroku.com/articles/heroku-ci",),
)

# Dokku sets DYNO too; GIT_REV and DOKKU_* variables tell it apart from Heroku.
DOKKU = Platform(
    name="dokku",
    one_off="`dokku run APP {command}`",
    release_variables=("GIT_REV",),
    label="Dokku",
    markers=(Marker(all_of=("DYNO",), any_of=("GIT_REV", "DOKKU_APP_TYPE", "DOKKU_PROXY_PORT")),),
    db_tls={PG: False, MYSQL: False},
    router_tls=True,
    release_process="release",
    worker_hint="start it with `dokku ps:scale APP {process}=1`",
    collectstatic_at_build="Dokku's herokuish build runs it unless DISABLE_COLLECTSTATIC is set",
    # herokuish runs Heroku's Python buildpack, whose profile.d script exports the memory.
    size_variable="DYNO_RAM",
    size_unit=1024 * 1024,
    credentials_from="`DATABASE_URL` from `dokku postgres:link` (internal network, no TLS)",
    recipe=(
        "`dokku postgres:link` gives `DATABASE_URL` (TLS off, set); set `DJANGO_PLATFORM=dokku` if detection says "
        "Heroku (Dokku sets `DYNO` too), and `DJANGO_ALLOWED_HOSTS`."
    ),
    # A Dockerfile at the root selects its Dockerfile builder, unless a .buildpacks file or
    # BUILDPACK_URL selects herokuish first (dokku.com/docs/deployment/builders/herokuish-buildpacks).
    dockerfile_build="found",
    buildpack_files=(".buildpacks",),
    buildpack_variable="BUILDPACK_URL",
    sources=(
        "https://dokku.com/docs/deployment/builders/dockerfiles/",
        "https://dokku.com/docs/deployment/builders/herokuish-buildpacks/",
        "https://github.com/dokku/dokku/issues/733",
        "https://dokku.com/docs/configuration/environment-variables/",
        "https://github.com/dokku/dokku-postgres",
    ),
)

HEROKU = Heroku(
    name="heroku",
    one_off="`heroku run {command}`",
    # HEROKU_BUILD_COMMIT (HEROKU_SLUG_COMMIT before it) with dyno metadata on; SOURCE_VERSION at build.
    release_variables=("HEROKU_BUILD_COMMIT", "HEROKU_SLUG_COMMIT", "SOURCE_VERSION"),
    label="Heroku",
    markers=(Marker(all_of=("DYNO",), note="Dokku sets DYNO too: set DJANGO_PLATFORM=dokku there"),),
    db_tls={PG: True},
    router_tls=True,
    router_checks_host=True,
    # Heroku Redis serves a self-signed certificate; a second Heroku Redis sets HEROKU_REDIS_<COLOR>_URL.
    redis_tls_verify=False,
    redis_variables=r"(HEROKU_REDIS_[A-Z]+_|REDIS_)(TLS_)?URL",
    # HEROKU_APP_* come with the opt-in dyno metadata (labs) only.
    host_templates=("{HEROKU_APP_DEFAULT_DOMAIN_NAME}", "{HEROKU_APP_NAME}.herokuapp.com"),
    release_process="release",
    # Process types other than web start at 0 dynos.
    worker_hint="start it with `heroku ps:scale {process}=1`",
    router_idle_timeout=90,
    # "a websocket (or any response) with no data for 55 s is closed" (help.heroku.com/BZGH6WMY).
    websocket_idle=55,
    # Heroku's buildpack runs collectstatic with the config vars, STACK and SOURCE_VERSION.
    build_markers=(Marker(all_of=("STACK", "SOURCE_VERSION"), note="Heroku-lineage buildpack"),),
    collectstatic_at_build=COLLECTSTATIC.format(label="Heroku"),
    # The Python buildpack exports the dyno's memory in MB at boot (vendor/WEB_CONCURRENCY.sh);
    # read where the container shows no cgroup memory limit.
    size_variable="DYNO_RAM",
    size_unit=1024 * 1024,
    credentials_from="`DATABASE_URL`; `HEROKU_POSTGRESQL_<COLOR>_URL` as extra aliases named by colour (`olive`)",
    recipe=(
        "Attach Heroku Postgres (`DATABASE_URL`, TLS required and set); `DYNO` detects it. The buildpack runs "
        "`collectstatic`; the Procfile's `release:` line migrates. Set `DJANGO_SECRET_KEY`. Nothing else: without "
        "dyno metadata (opt-in) Heroku publishes no host name, and since its router only forwards the app's own "
        "domains, `ALLOWED_HOSTS` is `'*'` there (as in Heroku's own sample); `DJANGO_ALLOWED_HOSTS` narrows it."
    ),
    # Without a version asked for, "subsequent builds of that app will be pinned to that [first] version
    # unless the build cache is cleared" (its README, python-support); 3.11 was its default before 3.12,
    # and Heroku drops a Python only at its end of life (3.10's: October 2026).
    sticky_python="3.11",
    sources=(
        "https://devcenter.heroku.com/articles/buildpack-api",
        "https://devcenter.heroku.com/articles/python-support",
        "https://github.com/heroku/heroku-buildpack-python#python-version",
        "https://github.com/heroku/heroku-buildpack-python/issues/280",
        "https://devcenter.heroku.com/articles/dyno-metadata",
        "https://devcenter.heroku.com/changelog-items/1002",
        "https://devcenter.heroku.com/articles/heroku-labs-disabling-keepalives-to-dyno-for-router-2-0",
        "https://github.com/heroku/python-getting-started/pull/261",
        "https://devcenter.heroku.com/articles/postgres-connection-pooling",
        "https://devcenter.heroku.com/articles/heroku-postgres-enhanced-certificates",
        "https://devcenter.heroku.com/articles/heroku-redis",
    ),
)

PLATFORMS = (HEROKU_CI, DOKKU, HEROKU)
