"""The channel layer's Redis connections: measured on the real Redis (what checks/layer_budget.py
counts per process), and W050 against a plan's limit or the server's maxclients."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from django_platform.areas.channels import CORE, PUBSUB
from django_platform.checks.layer_budget import (
    PER_PROCESS,
    check_layer_budget,
    layer_budget_here,
    layer_urls,
    redis_limit,
)
from django_platform.platforms import get_platform
from tests.services import free_port, port_open, unavailable

URL = "redis://127.0.0.1:6379/13"


def layers(backend: str, host: Any = URL) -> dict[str, Any]:
    return {"default": {"BACKEND": backend, "CONFIG": {"hosts": [host]}}}


@pytest.fixture
def redis_up() -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")


def connections_held(backend: str, concurrent: int) -> int:
    """Redis connections one process's layer holds after `concurrent` sends at once and a receive."""
    import redis
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    admin = redis.Redis.from_url(URL)

    def clients() -> int:
        return int(admin.info("clients")["connected_clients"])

    async def measure() -> int:
        before = clients()
        layer = (RedisChannelLayer if backend == CORE else RedisPubSubChannelLayer)(hosts=[URL])
        channel = await layer.new_channel()
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0.1)
        await asyncio.gather(*(layer.send(channel, {"type": "m", "n": n}) for n in range(concurrent)))
        await receiving
        held = clients() - before
        await layer.flush()
        return held

    try:
        return asyncio.run(measure())
    finally:
        admin.close()


@pytest.mark.services
@pytest.mark.usefixtures("redis_up")
def test_what_a_process_holds_as_measured() -> None:
    # Connections are Redis-wide: other tests' clients come and go, so bounds rather than exact counts.
    assert connections_held(PUBSUB, 1) <= PER_PROCESS + 1
    assert connections_held(PUBSUB, 40) <= PER_PROCESS + 1  # the same whatever the concurrency
    assert connections_held(CORE, 1) >= PER_PROCESS - 1
    assert connections_held(CORE, 40) >= 30  # one more per concurrent send, kept


@pytest.mark.services
@pytest.mark.usefixtures("redis_up")
def test_the_servers_maxclients_is_asked() -> None:
    limit = redis_limit(URL)
    assert isinstance(limit, int) and limit > 0
    assert redis_limit(f"redis://127.0.0.1:{free_port()}/0") is None  # nothing listens: not judged
    assert check_layer_budget({}, layers(CORE), workers=4) == []  # 10,000 clients by default
    messages = check_layer_budget({}, layers(CORE), workers=4, ask=lambda url: 5)
    assert [m.id for m in messages] == ["django_platform.W050"]
    assert "(the server's maxclients)" in messages[0].msg


def test_a_plans_limit_against_the_web_processes() -> None:
    env = {"REDIS_MAX_CONNECTIONS": "20", "DJANGO_PLATFORM_WEB_INSTANCES": "3"}
    never = lambda url: pytest.fail("the variable gives the limit")  # noqa: E731
    messages = check_layer_budget(env, layers(CORE), workers=4, ask=never)
    assert [m.id for m in messages] == ["django_platform.W050"]
    assert messages[0].msg == (
        "The channel layer's Redis accepts 20 clients (REDIS_MAX_CONNECTIONS); the web processes hold at least 24: "
        "4 web worker(s) x 3 instance(s) x 2, and one more per send running at the same time."
    )
    assert PUBSUB in str(messages[0].hint)
    pubsub = check_layer_budget(env, layers(PUBSUB, {"address": URL}), workers=4, ask=never)
    assert "one more per send" not in pubsub[0].msg and PUBSUB not in str(pubsub[0].hint)
    assert check_layer_budget({**env, "DJANGO_PLATFORM_WEB_INSTANCES": "2"}, layers(CORE), workers=4, ask=never) == []
    assert check_layer_budget({}, layers(CORE), workers=4, ask=lambda url: None) == []  # no limit known


def test_layers_that_are_not_redis_are_not_counted() -> None:
    assert layer_urls({}) == ("", [])
    assert layer_urls({"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}) == ("", [])
    assert layer_urls(layers(CORE, {"address": URL})) == (CORE, [URL])
    assert check_layer_budget({}, {"default": {"BACKEND": CORE, "CONFIG": {}}}, workers=2) == []


def test_here_reads_the_settings_and_gunicorns_workers(tmp_path: Path) -> None:
    heroku = get_platform("heroku")
    env = {"REDIS_MAX_CONNECTIONS": "3", "WEB_CONCURRENCY": "2"}
    with override_settings(CHANNEL_LAYERS=layers(CORE)):
        assert [m.id for m in layer_budget_here(env, heroku)] == ["django_platform.W050"]
        assert layer_budget_here({**env, "WEB_CONCURRENCY": "many"}, heroku) == []  # named elsewhere
    with override_settings(CHANNEL_LAYERS={}):
        assert layer_budget_here(env, heroku) == []
    assert os.environ.get("REDIS_MAX_CONNECTIONS") is None
