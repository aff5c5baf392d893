"""Channel layers from the platform's Redis (areas/channels.py), the checks on them, and one
layer shared by two nodes on the real Redis."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_platform.areas.channels import CORE, IN_MEMORY, PUBSUB, build_layers
from django_platform.platforms import BY_NAME, Context
from django_platform.report import Report
from tests.services import port_open, unavailable

CHANNELS = {"INSTALLED_APPS": ["daphne", "django.contrib.auth", "channels"]}


def layers(env: dict[str, str], platform: str = "render", report: Report | None = None, **current: Any) -> Any:
    return build_layers(Context(env, BY_NAME[platform]), {**CHANNELS, **current}, report or Report(platform, ""))


def hosts(found: Any) -> Any:
    return found["default"]["CONFIG"]["hosts"]


def test_only_a_channels_project_gets_a_layer() -> None:
    env = {"REDIS_URL": "redis://:pw@redis.internal:6379/0"}
    assert (
        build_layers(Context(env, BY_NAME["render"]), {"INSTALLED_APPS": ["django.contrib.auth"]}, Report("r", ""))
        is None
    )
    current: dict[str, Any]
    for current in (
        {"INSTALLED_APPS": ["channels.apps.ChannelsConfig"]},
        {"INSTALLED_APPS": ("daphne",)},
        {"CHANNEL_LAYERS": {}},
    ):
        found = build_layers(Context(env, BY_NAME["render"]), current, Report("r", ""))
        assert found == {"default": {"BACKEND": CORE, "CONFIG": {"hosts": [{"address": env["REDIS_URL"]}]}}}
    asked = {"CHANNELS_REDIS_URL": "redis://layer.internal:6379/1", **env}
    found = build_layers(Context(asked, BY_NAME["render"]), {}, Report("r", ""))
    assert hosts(found) == [{"address": "redis://layer.internal:6379/1"}]  # and it wins over REDIS_URL


def test_the_platforms_redis_and_its_tls() -> None:
    url = "rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    # Heroku Redis serves a self-signed certificate: verification off there only.
    assert hosts(layers({"REDIS_URL": url}, "heroku")) == [{"address": url, "ssl_cert_reqs": "none"}]
    assert hosts(layers({"REDIS_URL": url}, "render")) == [{"address": url}]
    assert hosts(layers({"REDIS_TLS_URL": url}, "render")) == [{"address": url}]
    assert hosts(layers({"REDIS_URL": "valkeys://:pw@v:6380/2"}, "render")) == [{"address": "rediss://:pw@v:6380/2"}]
    scalingo = layers({"SCALINGO_REDIS_URL": "redis://u:pw@s.scalingo.io:30000"}, "scalingo")
    assert hosts(scalingo) == [{"address": "redis://u:pw@s.scalingo.io:30000"}]
    clever = layers(
        {"REDIS_HOST": "bxyz-redis.services.clever-cloud.com", "REDIS_PORT": "3042", "REDIS_PASSWORD": "p w"},
        "clevercloud",
    )
    assert hosts(clever) == [{"address": "redis://:p%20w@bxyz-redis.services.clever-cloud.com:3042/0"}]
    relationships = {
        "database": [{"scheme": "pgsql", "host": "db.internal", "port": 5432}],
        "valkey": [{"scheme": "valkey", "host": "valkey.internal", "port": 6379}],
    }
    import base64

    encoded = base64.b64encode(json.dumps(relationships).encode()).decode()
    upsun = layers({"PLATFORM_RELATIONSHIPS": encoded}, "upsun")
    assert hosts(upsun) == [{"address": "redis://valkey.internal:6379/"}]


def test_settings_py_layer_options_are_kept() -> None:
    env = {"REDIS_URL": "rediss://:pw@r.internal:6380"}
    theirs: dict[str, Any] = {
        "default": {
            "BACKEND": CORE,
            "CONFIG": {
                "capacity": 1500,
                "expiry": 10,
                "prefix": "app",
                "hosts": [{"address": "redis://localhost", "retry_on_timeout": True}],
            },
        },
        "other": {"BACKEND": IN_MEMORY},
    }
    report = Report("heroku", "")
    found = layers(env, "heroku", report, CHANNEL_LAYERS=theirs)
    assert found["default"] == {
        "BACKEND": CORE,
        "CONFIG": {
            "capacity": 1500,
            "expiry": 10,
            "prefix": "app",
            "hosts": [{"address": env["REDIS_URL"], "ssl_cert_reqs": "none", "retry_on_timeout": True}],
        },
    }
    assert found["other"] == {"BACKEND": IN_MEMORY}
    assert theirs["default"]["CONFIG"]["hosts"] == [
        {"address": "redis://localhost", "retry_on_timeout": True}
    ]  # untouched
    assert report.replaced == {}
    assert "with settings.py's channels_redis.core.RedisChannelLayer" in report.source("CHANNEL_LAYERS.default")
    # Their own TLS choice wins over the platform's relaxed one.
    theirs["default"]["CONFIG"]["hosts"] = [{"address": "x", "ssl_cert_reqs": "required"}]
    assert hosts(layers(env, "heroku", CHANNEL_LAYERS=theirs))[0]["ssl_cert_reqs"] == "required"
    pubsub = layers(env, "render", CHANNEL_LAYERS={"default": {"BACKEND": PUBSUB}})
    assert pubsub == {"default": {"BACKEND": PUBSUB, "CONFIG": {"hosts": [{"address": env["REDIS_URL"]}]}}}


def test_the_in_memory_layer_is_replaced_and_said() -> None:
    report = Report("render", "")
    found = layers(
        {"REDIS_URL": "redis://r:6379"}, "render", report, CHANNEL_LAYERS={"default": {"BACKEND": IN_MEMORY}}
    )
    assert found["default"]["BACKEND"] == CORE
    assert report.replaced == {"CHANNEL_LAYERS.default": IN_MEMORY}


def test_without_channels_redis_the_layer_is_left_or_the_project_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "channels_redis" else real(name, *a)
    )
    report = Report("render", "")
    assert layers({"REDIS_URL": "redis://r:6379"}, "render", report) is None
    assert any("channels-redis is not installed" in note for note in report.notes)
    with pytest.raises(ImproperlyConfigured, match=r"^CHANNELS_REDIS_URL needs the channels-redis package"):
        layers({"CHANNELS_REDIS_URL": "redis://r:6379"})


def test_urls_that_are_no_redis() -> None:
    report = Report("render", "")
    assert layers({"REDIS_URL": "memcache://m:11211"}, "render", report) is None
    assert "REDIS_URL is not a Redis URL: CHANNEL_LAYERS is not set from it." in report.notes
    with pytest.raises(ImproperlyConfigured, match=r"^CHANNELS_REDIS_URL must start with one of redis://"):
        layers({"CHANNELS_REDIS_URL": "amqp://secret@h"})
    with pytest.raises(ImproperlyConfigured, match=r"^CHANNELS_REDIS_URL names no host\.$"):
        layers({"CHANNELS_REDIS_URL": "redis:///0"})
    report = Report("render", "")
    assert layers({}, "render", report) is None
    assert any(note.startswith("Channels without a Redis") for note in report.notes)
    assert layers({}, "local") is None


def test_configure_sets_it_and_skips_it_while_collectstatic_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import django_platform

    ns: dict[str, Any] = {**CHANNELS, "SECRET_KEY": "x" * 60}
    env = {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "a.onrender.com", "DJANGO_SECRET_KEY": "s" * 60}
    django_platform.configure(ns, env={**env, "REDIS_URL": "redis://r:6379/3"})
    assert hosts(ns["CHANNEL_LAYERS"]) == [{"address": "redis://r:6379/3"}]
    monkeypatch.setattr("sys.argv", ["manage.py", "collectstatic", "--noinput"])
    ns = {**CHANNELS, "SECRET_KEY": "x" * 60}
    report = django_platform.configure(ns, env={**env, "CHANNELS_REDIS_URL": "none"})
    assert "CHANNEL_LAYERS" not in ns
    assert any("Ignored while collectstatic runs" in note for note in report.notes)


# --- checks ----------------------------------------------------------------------------------------


def channel_messages(platform: str = "render", **overrides: Any) -> list[str]:
    from django_platform.checks import judging
    from django_platform.checks.channels import check_channel_layer

    with override_settings(**overrides), judging(BY_NAME[platform]):
        return [m.id or "" for m in check_channel_layer()]


def test_a_layer_that_does_not_reach_every_process_is_flagged() -> None:
    apps = ["django.contrib.auth", "django.contrib.contenttypes", "django_platform", "tests.testapp", "channels"]
    assert channel_messages(INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": IN_MEMORY}}) == [
        "django_platform.E032"
    ]
    assert channel_messages(INSTALLED_APPS=apps) == ["django_platform.W033"]
    assert channel_messages(INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": CORE}}) == []
    assert channel_messages("local", INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": IN_MEMORY}}) == []
    assert channel_messages() == []  # no Channels


# --- two nodes, one Redis --------------------------------------------------------------------------


@pytest.mark.services
def test_a_group_message_from_one_node_reaches_a_consumer_on_the_other() -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    from channels.layers import ChannelLayerManager

    found = layers(
        {"REDIS_URL": "redis://127.0.0.1:6379/9"},
        "render",
        CHANNEL_LAYERS={"default": {"BACKEND": CORE, "CONFIG": {"prefix": "dp-test"}}},
    )

    async def exchange() -> dict[str, Any]:
        # Each node builds its own layer from the same settings, as two processes would.
        with override_settings(CHANNEL_LAYERS=found):
            node_a, node_b = ChannelLayerManager()["default"], ChannelLayerManager()["default"]
        assert node_a is not node_b
        channel = await node_a.new_channel()
        await node_a.group_add("room", channel)
        try:
            await node_b.group_send("room", {"type": "chat.message", "text": "from B"})
            return await asyncio.wait_for(node_a.receive(channel), 5)
        finally:
            await node_a.group_discard("room", channel)
            await node_a.flush()
            await node_b.close_pools()
            await node_a.close_pools()

    assert asyncio.run(exchange()) == {"type": "chat.message", "text": "from B"}


def test_heroku_relaxed_tls_reaches_redis_py_as_it_reads_it() -> None:
    import ssl

    from channels_redis.utils import create_pool

    host = hosts(layers({"REDIS_URL": "rediss://:pw@r.example:6380"}, "heroku"))[0]
    pool = create_pool(dict(host))
    assert pool.make_connection().ssl_context.cert_reqs == ssl.CERT_NONE


# --- settings under ASGI ---------------------------------------------------------------------------


def test_persistent_connections_are_off_under_asgi() -> None:
    from django_platform.areas.databases import build_databases
    from django_platform.parsers.serving import asgi_reason

    env = {"DATABASE_URL": "postgres://u:p@db.internal:5432/app"}

    def max_age(current: dict[str, Any], extra: dict[str, str] | None = None, platform: str = "render") -> Any:
        report = Report(platform, "")
        values = {**env, **(extra or {})}
        found = build_databases(Context(values, BY_NAME[platform]), None, report, asgi_reason(current, values))
        assert found is not None
        return found["default"]["CONN_MAX_AGE"], report.source("DATABASES.default.CONN_MAX_AGE")

    assert max_age({}) == (600, "platform default (render)")
    value, why = max_age({"ASGI_APPLICATION": "project.asgi.application"})
    assert value == 0 and why.startswith("served over ASGI (ASGI_APPLICATION is set)")
    assert max_age(CHANNELS)[0] == 0
    assert max_age({}, {"DJANGO_PLATFORM_SERVER": "ASGI"})[1].startswith(
        "served over ASGI (DJANGO_PLATFORM_SERVER=asgi)"
    )
    assert max_age(CHANNELS, {"DJANGO_PLATFORM_SERVER": "wsgi"})[0] == 600  # the web process's word wins
    assert max_age(CHANNELS, {"DATABASE_CONN_MAX_AGE": "60"})[0] == 60  # the user's own choice stands
    assert max_age(CHANNELS, {"DATABASE_POOL": "true"}) == (0, "DATABASE_POOL (pooling needs 0)")
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM_SERVER must be asgi or wsgi\.$"):
        max_age({}, {"DJANGO_PLATFORM_SERVER": "uvicorn"})
