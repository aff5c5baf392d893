"""CACHES["default"] from CACHE_URL, REDIS_URL or MemCachier, with Django's own backends."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.areas.own import note_replaced, platforms_redis, read_variable, settings_source
from django_platform.attempt import Failed, attempt
from django_platform.parsers.cache import DJANGO_REDIS, PYLIBMC, PYMEMCACHE, REDIS, memcachier, parse_cache_url
from django_platform.platforms import Context
from django_platform.report import Report, Source

URL_VARS = ("CACHE_URL", "REDIS_URL", "REDIS_TLS_URL")
# The client library each backend imports, and how to install it: without it every command that
# runs checks (migrate in a release phase included) would die with ModuleNotFoundError.
DRIVERS = {
    REDIS: ("redis", "pip install 'django-platform[redis]'"),
    PYMEMCACHE: ("pymemcache", "pip install pymemcache"),
    PYLIBMC: ("pylibmc", "pip install pylibmc (it needs libmemcached)"),
}


def find_cache(ctx: Context) -> tuple[dict[str, Any], Source | str, str] | None:
    """The cache the environment offers: (config, source, the variable it came from or "")."""
    env = ctx.env
    name = next((n for n in URL_VARS if env.get(n, "").strip()), None)
    if name:
        return parse_cache_url(env[name], variable=name, tls_verify=ctx.platform.redis_tls_verify), name, name
    servers = [k for k in ("MEMCACHIER_SERVERS", "MEMCACHIER_USERNAME", "MEMCACHIER_PASSWORD") if env.get(k)]
    config = memcachier(env, "environment")
    if config is not None:
        return config, Source("environment", "MEMCACHIER_SERVERS", servers), ""
    found = ctx.platform.cache(ctx)
    return None if found is None else (found[0], found[1], "")


def _read_by_settings(ctx: Context, current: Mapping[str, Any]) -> tuple[dict[str, Any], Source, str] | None:
    """The default cache's LOCATION where settings.py read it from a variable of its choosing
    (`os.environ["REDISCLOUD_URL"]`, a second Redis beside the platform's REDIS_URL): that
    variable's cache, kept over the platform's. CACHE_URL still outranks it; another provider's
    rediss:// keeps its certificate verified."""
    caches = current.get("CACHES")
    mine = caches.get("default") if isinstance(caches, Mapping) else None
    location = mine.get("LOCATION") if isinstance(mine, Mapping) else None
    name = read_variable(ctx, location, ASKED)
    if name is None:
        return None
    verify = ctx.platform.redis_tls_verify or not platforms_redis(ctx, name)
    # settings.py's own URL: the variable's, or one built from it (another database on its server).
    config = attempt(partial(parse_cache_url, str(location), variable=name, tls_verify=verify), ImproperlyConfigured)
    if isinstance(config, Failed):  # not a cache URL (a Memcached host:port): settings.py's as before
        return None
    return config, settings_source(name), name


def missing_driver(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """(package, how to install it) when the backend's client library is not installed."""
    driver = DRIVERS.get(config["BACKEND"])
    return driver if driver and importlib.util.find_spec(driver[0]) is None else None


def unusable_addon(ctx: Context) -> tuple[str, str, str] | None:
    """(source, package, install) for a cache add-on left unused because its client library is
    not installed; CACHE_URL names a cache the project asked for, which is an error instead."""
    found = find_cache(ctx)
    missing = None if found is None or found[2] == ASKED else missing_driver(found[0])
    if found is None or missing is None:
        return None
    shown = found[1].text if isinstance(found[1], Source) else found[1]
    return shown, missing[0], missing[1]


# The variable that says "use this as the cache"; REDIS_URL and the platforms' add-ons may be
# attached for something else (a Celery broker).
ASKED = "CACHE_URL"


def build_cache(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any] | None:
    """The CACHES setting to apply, or None to keep settings.py's."""
    found = _read_by_settings(ctx, current) or find_cache(ctx)
    if found is None:
        return None
    config, source, variable = found
    if variable and ctx.env[variable].strip().lower().startswith(("valkey://", "valkeys://")):
        report.note(
            f"{variable} names a Valkey server: Django's Redis backend reads it (redis-py speaks its protocol)."
        )
    missing = missing_driver(config)
    if missing and variable == ASKED:
        raise ImproperlyConfigured(f"{ASKED} needs the {missing[0]} package, which is not installed: {missing[1]}.")
    if missing:
        shown = source.text if isinstance(source, Source) else source
        # Without the client, every command that runs checks (migrate, collectstatic) would die
        # with ModuleNotFoundError: the add-on is left unused, and platform_check says so (W021).
        report.note(
            f"{shown} is set but the {missing[0]} package is not installed: CACHES is left as settings.py has it "
            f"({missing[1]} to use it as the cache)."
        )
        return None
    caches = {k: dict(v) for k, v in (current.get("CACHES") or {}).items()}
    mine = caches.get("default") if "CACHES" in current else None
    # CACHE_URL and a variable settings.py reads are choices; the platform's add-on replacing
    # settings.py's server is said.
    replaces = variable != ASKED and not (isinstance(source, Source) and source.kind == "settings.py")
    caches["default"] = _merged(config, mine, source, report, replaces)
    return caches


# Backends that read the same LOCATION (a redis:// URL): settings.py's choice between them, and
# its OPTIONS (django-redis's IGNORE_EXCEPTIONS, timeouts), stays; only the location is ours. The
# Memcached clients differ in what they take (SASL is pylibmc's only): kept only when the same.
REDIS_FAMILY = frozenset({REDIS, DJANGO_REDIS})


def _merged(config: dict[str, Any], mine: Any, source: Source | str, report: Report, replaces: bool) -> dict[str, Any]:
    """The default cache: settings.py's backend and options with the environment's location when
    they read the same kind of server; otherwise the environment's, saying what it replaced."""
    theirs = mine.get("BACKEND") if isinstance(mine, dict) else None
    ours = config["BACKEND"]
    if (
        not isinstance(mine, dict)
        or not isinstance(theirs, str)
        or not (theirs == ours or {theirs, ours} <= REDIS_FAMILY)
    ):
        if isinstance(theirs, str):
            report.replace("CACHES.default", theirs, source, "cache")
        report.record("CACHES.default", config, source)
        return config
    origin = source if isinstance(source, Source) else Source.of(source)
    location = mine.get("LOCATION")
    # A list: Django's Redis backend writes to the first server and reads from the others.
    servers = [location] if isinstance(location, str) else location if isinstance(location, (list, tuple)) else []
    if servers and location != config["LOCATION"] and replaces:
        note_replaced(report, "CACHES['default']['LOCATION']", servers, origin.text, ASKED)
    merged = {**mine, "LOCATION": config["LOCATION"]}
    given = mine.get("OPTIONS")
    mine_options: dict[str, Any] = given if isinstance(given, dict) else {}
    ours_options = dict(config.get("OPTIONS") or {})
    tls = ours_options.pop("ssl_cert_reqs", None) if theirs == DJANGO_REDIS else None
    # Ours (MemCachier's credentials, Heroku's relaxed TLS) under theirs: their keys win.
    options = {**ours_options, **mine_options}
    if tls is not None:
        # django-redis hands CONNECTION_POOL_KWARGS to redis-py's pool, where the TLS options go.
        pool = options.get("CONNECTION_POOL_KWARGS")
        options["CONNECTION_POOL_KWARGS"] = {"ssl_cert_reqs": tls, **(pool if isinstance(pool, dict) else {})}
    if options:
        merged["OPTIONS"] = options
    text = f"{origin.text}, with settings.py's {theirs} and its options"
    report.record("CACHES.default", merged, Source(origin.kind, text, origin.keys))
    return merged


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    caches = build_cache(ctx, ns.as_mapping(), report)
    return Changes({} if caches is None else {"CACHES": caches})


SETTINGS = (
    Setting(
        "CACHES: default",
        (*URL_VARS, "MEMCACHIER_SERVERS", "MEMCACHIER_USERNAME", "MEMCACHIER_PASSWORD"),
        "the first URL found (`redis://`, `rediss://`, `valkey://`, `valkeys://`, `unix://`, `memcache://`, "
        "`locmem://`, `dummy://`; Valkey through Django's Redis backend as `redis://`/`rediss://`, redis-py speaking "
        "its protocol), except that a `LOCATION` `settings.py` read from another variable "
        '(`os.environ["REDISCLOUD_URL"]`) is kept over `REDIS_URL` and `REDIS_TLS_URL`, then '
        "MemCachier (pylibmc's binary protocol with SASL), then the platform's add-on (its page); else "
        "`settings.py`'s. Django's own Redis and Memcached backends, unless `settings.py` chose a backend that "
        "reads the same kind of server: its Redis backend (Django's or django-redis's) or the same Memcached "
        "client is kept with all its options, and only `LOCATION` comes from the environment; another backend "
        "is replaced, recorded as `replaced` (`W023`); a `settings.py` `LOCATION` the platform's add-on replaces "
        "is named in a note (host and port). The client library must be installed (`redis`, "
        "`pymemcache`, `pylibmc`): missing for `CACHE_URL` is an error; for an add-on, which may be attached "
        "for a worker, the add-on is left unused and `W021` says so. On Heroku only, `rediss://` gets "
        "`ssl_cert_reqs: none` unless `settings.py`'s options set it: Heroku Redis serves a self-signed "
        "certificate (not for another provider's variable `settings.py` reads)",
    ),
)
