"""CACHES["default"] from CACHE_URL, REDIS_URL or MemCachier, with Django's own backends."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.urlparts import split_url
from django_platform.platforms import Context, Platform
from django_platform.report import Report, Source

REDIS = "django.core.cache.backends.redis.RedisCache"
PYMEMCACHE = "django.core.cache.backends.memcached.PyMemcacheCache"
# MemCachier needs SASL authentication, which only pylibmc speaks.
PYLIBMC = "django.core.cache.backends.memcached.PyLibMCCache"
SIMPLE = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "dummy": "django.core.cache.backends.dummy.DummyCache",
}
URL_VARS = ("CACHE_URL", "REDIS_URL", "REDIS_TLS_URL")
# The client library each backend imports, and how to install it: without it every command that
# runs checks (migrate in a release phase included) would die with ModuleNotFoundError.
DRIVERS = {
    REDIS: ("redis", "pip install 'django-platform[redis]'"),
    PYMEMCACHE: ("pymemcache", "pip install pymemcache"),
    PYLIBMC: ("pylibmc", "pip install pylibmc (it needs libmemcached)"),
}


def parse_cache_url(url: str, *, variable: str, platform: Platform) -> dict[str, Any]:
    parts = split_url(url, variable=variable)
    scheme = parts.scheme.lower()
    if scheme in ("redis", "rediss", "unix"):
        if not parts.hostname and scheme != "unix":
            raise ImproperlyConfigured(f"{variable} names no host.")
        config: dict[str, Any] = {"BACKEND": REDIS, "LOCATION": url.strip()}
        if scheme == "rediss" and not platform.redis_tls_verify:
            # The platform's Redis serves a self-signed certificate: verification off for it only.
            config["OPTIONS"] = {"ssl_cert_reqs": "none"}
        return config
    if scheme in ("memcache", "pymemcache"):
        if not parts.hostname:
            raise ImproperlyConfigured(f"{variable} names no host.")
        return {"BACKEND": PYMEMCACHE, "LOCATION": f"{parts.hostname}:{parts.port or 11211}"}
    if scheme in SIMPLE:
        # A user name and password mean nothing to these backends: never carried into LOCATION.
        return {"BACKEND": SIMPLE[scheme], "LOCATION": parts.netloc.rpartition("@")[2] or parts.path.strip("/")}
    raise ImproperlyConfigured(
        f"{variable} must start with redis://, rediss://, unix://, memcache://, locmem:// or dummy://."
    )


def memcachier(values: Mapping[str, str], source: str) -> dict[str, Any] | None:
    servers = values.get("MEMCACHIER_SERVERS", "").strip()
    if not servers:
        return None
    return {
        "BACKEND": PYLIBMC,
        "LOCATION": [s.strip() for s in servers.split(",") if s.strip()],
        "OPTIONS": {
            "binary": True,
            "username": values.get("MEMCACHIER_USERNAME", ""),
            "password": values.get("MEMCACHIER_PASSWORD", ""),
            "behaviors": {"ketama": True, "remove_failed": 1, "retry_timeout": 2, "dead_timeout": 30},
        },
    }


def build_cache(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any] | None:
    """The CACHES setting to apply, or None to keep settings.py's."""
    env = ctx.env
    config: dict[str, Any] | None = None
    source: Source | str = ""
    name = next((n for n in URL_VARS if env.get(n, "").strip()), None)
    if name:
        config, source = parse_cache_url(env[name], variable=name, platform=ctx.platform), name
    else:
        servers = [k for k in ("MEMCACHIER_SERVERS", "MEMCACHIER_USERNAME", "MEMCACHIER_PASSWORD") if env.get(k)]
        config, source = memcachier(env, "environment"), Source("environment", "MEMCACHIER_SERVERS", servers)
        if config is None:
            config, source = ctx.platform.cache(ctx) or (None, "")
    if config is None:
        return None
    driver = DRIVERS.get(config["BACKEND"])
    if driver and importlib.util.find_spec(driver[0]) is None:
        shown = source.text if isinstance(source, Source) else source
        raise ImproperlyConfigured(f"{shown} needs the {driver[0]} package, which is not installed: {driver[1]}.")
    caches = {k: dict(v) for k, v in (current.get("CACHES") or {}).items()}
    caches["default"] = config
    report.record("CACHES.default", config, source)
    return caches
