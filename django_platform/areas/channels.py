"""CHANNEL_LAYERS["default"] from the platform's Redis, for Django Channels projects: every
process and node of a multi-node app must share one layer, or a group message reaches only the
consumers of the process that sent it. channels-redis is the layer; settings.py's choice of its
backend and its options (capacity, expiry, prefix, encryption keys) are kept."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.areas.own import note_replaced, platforms_redis, read_variable, settings_source
from django_platform.parsers.cache import VALKEY_SCHEMES, as_redis_url
from django_platform.parsers.serving import ASGI_APPS, app_names
from django_platform.parsers.urlparts import split_url
from django_platform.platforms import Context
from django_platform.report import Report, Source

ASKED = "CHANNELS_REDIS_URL"  # "use this for the channel layer"; REDIS_URL may be attached for a cache
URL_VARS = (ASKED, "REDIS_URL", "REDIS_TLS_URL")
CORE = "channels_redis.core.RedisChannelLayer"
PUBSUB = "channels_redis.pubsub.RedisPubSubChannelLayer"
IN_MEMORY = "channels.layers.InMemoryChannelLayer"
SCHEMES = ("redis", "rediss", "unix", *VALKEY_SCHEMES)
INSTALL = "pip install 'django-platform[channels]'"


def uses_channels(current: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    """Channels (or Daphne) in INSTALLED_APPS, CHANNEL_LAYERS in settings.py, or CHANNELS_REDIS_URL."""
    installed = bool(set(ASGI_APPS) & app_names(current))
    return installed or "CHANNEL_LAYERS" in current or bool(env.get(ASKED, "").strip())


def find_redis(ctx: Context) -> tuple[str, Source, str] | None:
    """(URL, source, the variable or "") of the Redis the environment offers."""
    name = next((n for n in URL_VARS if ctx.value(n)), None)
    if name:
        return ctx.env[name], Source("environment", name, [name]), name
    found = ctx.platform.redis(ctx)
    return None if found is None else (found[0], found[1], "")


def _first_address(current: Mapping[str, Any]) -> object:
    """The address of settings.py's first channels-redis host (a URL, or a dict's "address")."""
    layers = current.get("CHANNEL_LAYERS")
    mine = layers.get("default") if isinstance(layers, Mapping) else None
    config = mine.get("CONFIG") if isinstance(mine, Mapping) else None
    hosts = config.get("hosts") if isinstance(config, Mapping) else None
    first = hosts[0] if isinstance(hosts, (list, tuple)) and hosts else None
    return first.get("address") if isinstance(first, Mapping) else first


def _read_by_settings(ctx: Context, current: Mapping[str, Any]) -> tuple[str, Source, str] | None:
    """settings.py's first host where it read it from a variable of its choosing (a second Redis
    beside the platform's REDIS_URL): that variable's, kept; CHANNELS_REDIS_URL still outranks it."""
    address = _first_address(current)
    name = read_variable(ctx, address, ASKED)
    if name is None or str(address).split("://", 1)[0].lower() not in SCHEMES:
        return None
    return str(address), settings_source(name), name


def checked(url: str, variable: str) -> str:
    parts = split_url(url, variable=variable)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ImproperlyConfigured(f"{variable} must start with one of {', '.join(s + '://' for s in SCHEMES)}.")
    if scheme != "unix" and not parts.hostname:
        raise ImproperlyConfigured(f"{variable} names no host.")
    return as_redis_url(url)


def build_layers(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any] | None:
    """The CHANNEL_LAYERS to apply, or None to keep settings.py's."""
    if not uses_channels(current, ctx.env):
        return None
    found = _read_by_settings(ctx, current) or find_redis(ctx)
    if found is None:
        if not ctx.platform.development:
            report.note(
                "Channels without a Redis: attach a Redis add-on or set CHANNELS_REDIS_URL (one layer for all)."
            )
        return None
    raw, source, variable = found
    if variable and variable != ASKED and split_url(raw, variable=variable).scheme.lower() not in SCHEMES:
        report.note(f"{variable} is not a Redis URL: CHANNEL_LAYERS is not set from it.")
        return None
    url = checked(raw, variable or source.text)
    if importlib.util.find_spec("channels_redis") is None:
        if variable == ASKED:
            raise ImproperlyConfigured(f"{ASKED} needs the channels-redis package, which is not installed: {INSTALL}.")
        report.note(
            f"{source.text} is set but channels-redis is not installed: CHANNEL_LAYERS is left as settings.py has "
            f"it ({INSTALL} to share one layer between processes)."
        )
        return None
    host: dict[str, Any] = {"address": url}
    # The platform's Redis serves a self-signed certificate: verification off for it only, not for
    # another provider's URL settings.py reads.
    own = source.kind != "settings.py" or platforms_redis(ctx, variable)
    if url.lower().startswith("rediss://") and not ctx.platform.redis_tls_verify and own:
        host["ssl_cert_reqs"] = "none"
    address = _first_address(current)
    if isinstance(address, str) and address != url and variable != ASKED and source.kind != "settings.py":
        note_replaced(report, "CHANNEL_LAYERS host", [address], source.text, ASKED)
    layers = {k: dict(v) if isinstance(v, dict) else v for k, v in (current.get("CHANNEL_LAYERS") or {}).items()}
    layers["default"] = _merged(host, layers.get("default"), source, report)
    return layers


def _merged(host: dict[str, Any], mine: Any, source: Source, report: Report) -> dict[str, Any]:
    """channels-redis with settings.py's backend and CONFIG where it chose channels-redis (only
    the hosts are ours, their per-host options kept); otherwise ours, saying what it replaced."""
    theirs = mine.get("BACKEND") if isinstance(mine, dict) else None
    if theirs not in (CORE, PUBSUB) or not isinstance(mine, dict):
        layer = {"BACKEND": CORE, "CONFIG": {"hosts": [host]}}
        if theirs == IN_MEMORY:
            # Channels' tutorial layer for development: never right beside another process (E032).
            report.note(
                "CHANNEL_LAYERS: settings.py's in-memory layer, which reaches its own process only, is replaced."
            )
        elif isinstance(theirs, str):
            report.replace("CHANNEL_LAYERS.default", theirs, source, "channels")
        report.record("CHANNEL_LAYERS.default", layer, source)
        return layer
    given = mine.get("CONFIG")
    config: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
    hosts = config.get("hosts")
    first = hosts[0] if isinstance(hosts, (list, tuple)) and hosts and isinstance(hosts[0], dict) else {}
    config["hosts"] = [{**host, **{k: v for k, v in first.items() if k != "address"}}]
    layer = {**mine, "CONFIG": config}
    report.record(
        "CHANNEL_LAYERS.default", layer, Source(source.kind, f"{source.text}, with settings.py's {theirs}", source.keys)
    )
    return layer


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    layers = build_layers(ctx, ns.as_mapping(), report)
    return Changes({} if layers is None else {"CHANNEL_LAYERS": layers})


SETTINGS = (
    Setting(
        "CHANNEL_LAYERS: default",
        URL_VARS,
        "only for a Channels project (`channels` or `daphne` in `INSTALLED_APPS`, `CHANNEL_LAYERS` in "
        "`settings.py`, or `CHANNELS_REDIS_URL`): the first Redis URL found (`redis://`, `rediss://`, `unix://`, "
        "and `valkey://`, `valkeys://` as `redis://`, `rediss://`; a first host `settings.py` read from another "
        "variable is kept over `REDIS_URL` and `REDIS_TLS_URL`, one the platform's replaces is named in a note), "
        "then the platform's Redis add-on (its page), "
        "through channels-redis's `RedisChannelLayer`. `settings.py`'s channels-redis layer (core or pub/sub) is "
        "kept with its `CONFIG` and per-host options, only the address from the environment; another layer (the "
        "in-memory one) is replaced, recorded as `replaced`. channels-redis must be installed: missing for "
        "`CHANNELS_REDIS_URL` is an error; for another variable the layer is left as it is and the report says so. "
        "On Heroku only, `rediss://` gets `ssl_cert_reqs: none` unless `settings.py`'s host options set it",
    ),
)
