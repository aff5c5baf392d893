"""The channel layer's share of the Redis connection budget, judged by `platform_check --deploy`
only (it asks Redis): every web process holds channels-redis connections of its own, and a Redis
plan's client limit (Heroku Redis Mini: 20) is soon spent ("max number of clients reached").

Measured with channels-redis 4.3 on a real Redis (tests/test_layer_budget.py keeps the measurement):
a process that sends and receives holds 2 connections; RedisChannelLayer then opens one more for
each send running at the same time and keeps it (50 concurrent sends: 50 connections), while
RedisPubSubChannelLayer stays at 2 whatever the concurrency."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.core.exceptions import ImproperlyConfigured

from django_platform import machine
from django_platform.areas.channels import CORE, PUBSUB
from django_platform.checks.budget import INSTANCES_VARIABLE
from django_platform.deploy import gunicorn
from django_platform.parsers.env import get_int

W050 = "The channel layer's Redis accepts {limit} clients ({source}); the web processes hold {demand}: {parts}."
LIMIT_VARIABLE = "REDIS_MAX_CONNECTIONS"
PER_PROCESS = 2  # a receive loop's connection and a send's, for either layer
HINT_CORE = (
    "RedisChannelLayer also opens a connection per send running at the same time, and keeps it: "
    f"{PUBSUB} stays at {PER_PROCESS} per process. Else fewer web workers, or a larger Redis plan."
)
HINT_PUBSUB = "Fewer web workers or instances, or a larger Redis plan."


def layer_urls(layers: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The default layer's backend and the Redis URLs it connects to."""
    layer = layers.get("default") if isinstance(layers, Mapping) else None
    if not isinstance(layer, Mapping) or layer.get("BACKEND") not in (CORE, PUBSUB):
        return "", []
    hosts = (layer.get("CONFIG") or {}).get("hosts") or []
    urls = [h if isinstance(h, str) else str(h.get("address", "")) for h in hosts if isinstance(h, (str, Mapping))]
    return str(layer["BACKEND"]), [u for u in urls if u]


def redis_limit(url: str) -> int | None:
    """The server's maxclients, None where it does not say (managed Redis refuses CONFIG)."""
    # Local: redis is an optional dependency, present wherever channels-redis is.
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            value = client.config_get("maxclients").get("maxclients")
            return int(value) if value is not None else None
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):  # ValueError: a URL or a value redis-py refuses
        return None


def check_layer_budget(
    env: Mapping[str, str],
    layers: Mapping[str, Any],
    *,
    workers: int,
    ask: Callable[[str], int | None] = redis_limit,
) -> list[CheckMessage]:
    backend, urls = layer_urls(layers)
    if not urls:
        return []
    instances = get_int(env, INSTANCES_VARIABLE, minimum=1) or 1
    limit = get_int(env, LIMIT_VARIABLE, minimum=1)
    source = LIMIT_VARIABLE
    if limit is None:
        limit, source = ask(urls[0]), "the server's maxclients"
    if not limit:
        return []
    demand = workers * instances * PER_PROCESS
    parts = f"{workers} web worker(s) x {instances} instance(s) x {PER_PROCESS}"
    if backend == CORE:
        parts += ", and one more per send running at the same time"
    if demand <= limit:
        return []
    return [
        Warning(
            W050.format(limit=limit, source=source, demand=f"at least {demand}", parts=parts),
            hint=HINT_CORE if backend == CORE else HINT_PUBSUB,
            id="django_platform.W050",
        )
    ]


def layer_budget_here(env: Mapping[str, str], platform: Any) -> list[CheckMessage]:
    """check_layer_budget() for this project: its CHANNEL_LAYERS and gunicorn's worker count here."""
    layers = getattr(settings, "CHANNEL_LAYERS", None) or {}
    if not layer_urls(layers)[1]:
        return []
    try:
        workers = gunicorn.worker_count(env, cpus=machine.cpu_limit(), memory=machine.memory_limit(), platform=platform)
    except ImproperlyConfigured:
        return []  # an invalid value: platform_check names it in its gunicorn section
    return check_layer_budget(env, layers, workers=workers)
