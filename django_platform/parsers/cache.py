"""Cache servers as URLs and add-on variables describe them (redis://, valkey://, memcache://, MemCachier's
variables), parsed into CACHES entries. Pure: no settings, no platform."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.urlparts import split_url

REDIS = "django.core.cache.backends.redis.RedisCache"
DJANGO_REDIS = "django_redis.cache.RedisCache"
PYMEMCACHE = "django.core.cache.backends.memcached.PyMemcacheCache"
# MemCachier needs SASL authentication, which only pylibmc speaks.
PYLIBMC = "django.core.cache.backends.memcached.PyLibMCCache"
SIMPLE = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "dummy": "django.core.cache.backends.dummy.DummyCache",
}


# Valkey speaks Redis's protocol: redis-py (Django's Redis backend, django-redis, kombu's Redis
# transport) is its client once the URL says redis:// (kombu 5.7 has no valkey transport).
VALKEY_SCHEMES = {"valkey": "redis", "valkeys": "rediss"}


def as_redis_url(url: str) -> str:
    """A valkey:// or valkeys:// URL as redis-py reads it (redis://, rediss://); others unchanged."""
    scheme, sep, rest = url.strip().partition("://")
    return f"{VALKEY_SCHEMES[scheme.lower()]}://{rest}" if sep and scheme.lower() in VALKEY_SCHEMES else url.strip()


def parse_cache_url(url: str, *, variable: str, tls_verify: bool = True) -> dict[str, Any]:
    """A CACHES entry from a cache URL; `tls_verify` False for a Redis that serves a self-signed
    certificate (the platform says so)."""
    parts = split_url(url, variable=variable)
    scheme = parts.scheme.lower()
    if scheme in VALKEY_SCHEMES:
        url, scheme = as_redis_url(url), VALKEY_SCHEMES[scheme]
    if scheme in ("redis", "rediss", "unix"):
        if not parts.hostname and scheme != "unix":
            raise ImproperlyConfigured(f"{variable} names no host.")
        config: dict[str, Any] = {"BACKEND": REDIS, "LOCATION": url.strip()}
        if scheme == "rediss" and not tls_verify:
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
        f"{variable} must start with redis://, rediss://, valkey://, valkeys://, unix://, memcache://, locmem:// "
        "or dummy://."
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
