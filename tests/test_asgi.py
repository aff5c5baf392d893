"""Channel layers from the platform's Redis (areas/channels.py), the checks on them, and one
layer shared by two nodes on the real Redis."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from functools import partial
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_platform.areas.channels import CORE, IN_MEMORY, PUBSUB, build_layers
from django_platform.platforms import BY_NAME, Context, Platform
from django_platform.report import Report
from tests.services import port_open, unavailable
from tests.test_platforms import registry  # noqa: F401 - the fixture

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


def test_a_host_settings_py_reads_from_its_own_variable_is_kept() -> None:
    """settings.py's `"hosts": [os.environ["UPSTASH_URL"]]` beside Heroku Redis: kept, another
    provider's certificate verified; CHANNELS_REDIS_URL still outranks it; the platform's Redis
    replacing a local host is said (host and port only)."""
    upstash = "rediss://default:plantedpw@eu1-able.upstash.io:6379"
    env = {"REDIS_URL": "rediss://:pw@ec2:6380", "UPSTASH_URL": upstash}
    mine = {"default": {"BACKEND": CORE, "CONFIG": {"hosts": [upstash], "capacity": 300}}}
    report = Report("heroku", "")
    found = layers(env, "heroku", report, CHANNEL_LAYERS=mine)
    assert found["default"]["CONFIG"] == {"hosts": [{"address": upstash}], "capacity": 300}
    assert report.source("CHANNEL_LAYERS.default").startswith("settings.py (UPSTASH_URL)") and not report.notes
    maroon = {"default": {"BACKEND": CORE, "CONFIG": {"hosts": [{"address": "rediss://:pw@ec3:6380"}]}}}
    own = layers({**env, "HEROKU_REDIS_MAROON_URL": "rediss://:pw@ec3:6380"}, "heroku", CHANNEL_LAYERS=maroon)
    assert hosts(own) == [{"address": "rediss://:pw@ec3:6380", "ssl_cert_reqs": "none"}]
    asked = layers({**env, "CHANNELS_REDIS_URL": "redis://c:1"}, "heroku", CHANNEL_LAYERS=mine)
    assert hosts(asked) == [{"address": "redis://c:1"}]
    report = Report("heroku", "")
    local = {"default": {"BACKEND": CORE, "CONFIG": {"hosts": ["redis://:plantedpw@127.0.0.1:6379/2"]}}}
    assert hosts(layers(env, "heroku", report, CHANNEL_LAYERS=local))[0]["address"] == env["REDIS_URL"]
    assert report.notes == [
        "settings.py's CHANNEL_LAYERS host (at 127.0.0.1:6379) replaced by REDIS_URL, the platform's: set "
        "CHANNELS_REDIS_URL in the environment, or read another variable in settings.py, to keep another."
    ]


def test_another_layer_is_replaced_and_said() -> None:
    report = Report("render", "")
    in_memory = {"default": {"BACKEND": IN_MEMORY}}
    found = layers({"REDIS_URL": "redis://r:6379"}, "render", report, CHANNEL_LAYERS=in_memory)
    assert found["default"]["BACKEND"] == CORE
    assert report.replaced == {}  # the tutorial's development layer: a note, not a warning
    assert any("in-memory layer, which reaches its own process only, is replaced" in n for n in report.notes)
    report = Report("render", "")
    found = layers({"REDIS_URL": "redis://r:6379"}, "render", report, CHANNEL_LAYERS={"default": {"BACKEND": "x.Y"}})
    assert found["default"]["BACKEND"] == CORE
    assert report.replaced == {"CHANNEL_LAYERS.default": "x.Y"}
    from django_platform.checks.replaced import check_replaced

    with override_settings(DJANGO_PLATFORM_REPORT=report):
        (warning,) = check_replaced()
    assert warning.msg == "CHANNEL_LAYERS.default from settings.py (x.Y) was replaced by REDIS_URL."
    assert warning.hint is not None and "exclude={'channels'}" in warning.hint
    # A setting recorded without its area still gets its warning, never a KeyError from the checks.
    report.replaced["STORAGES.default"] = "x.Storage"
    with override_settings(DJANGO_PLATFORM_REPORT=report):
        assert "exclude=...) with its area" in str(check_replaced()[1].hint)


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


def channel_messages(platform: str = "render", python: tuple[int, int] = (3, 12), **overrides: Any) -> list[str]:
    from django_platform.checks import judging
    from django_platform.checks.channels import check_channel_layer
    from django_platform.checks.python import PlatformPython

    pythons = (PlatformPython(python, ".python-version", ".python-version"),)
    with override_settings(**overrides), judging(BY_NAME[platform]):
        return [m.id or "" for m in check_channel_layer(pythons=pythons)]


def test_channels_redis_on_a_python_that_loses_cancellations_is_flagged(tmp_path: Path) -> None:
    """W056 judges the Python the platform runs: the project's .python-version and runtime.txt (as
    the platforms' buildpacks read them), the Dockerfile's base image where the platform builds from
    it, else this interpreter."""
    from django_platform.checks import judging
    from django_platform.checks.channels import check_channel_layer

    apps = ["django.contrib.auth", "django.contrib.contenttypes", "django_platform", "tests.testapp", "channels"]

    def found(platform: str = "heroku") -> list[Any]:
        layers = {"default": {"BACKEND": CORE}}
        settings = override_settings(INSTALLED_APPS=apps, CHANNEL_LAYERS=layers, BASE_DIR=tmp_path)
        with settings, judging(BY_NAME[platform]):
            return check_channel_layer()

    here = found()  # no file: this interpreter's version
    assert [m.id for m in here] == (["django_platform.W056"] if sys.version_info < (3, 12) else [])
    (tmp_path / "runtime.txt").write_text("python-3.10.14\n")
    (old,) = found()
    assert old.msg.startswith("The channel layer is channels-redis's on Python 3.10 (runtime.txt), where asyncio")
    assert old.hint == "Run Python 3.12 or newer (runtime.txt): the stop then ends them at once."
    # Both files, two versions: Heroku's buildpacks read runtime.txt first, uv .python-version: both judged.
    (tmp_path / ".python-version").write_text("# the platform's\n3.13\n")
    assert ["(runtime.txt)" in m.msg for m in found()] == [True]
    (tmp_path / ".python-version").write_text("\ufeff3.11.7\r\n")
    assert [m.msg.split(" (")[0][-11:] for m in found()] == ["Python 3.11", "Python 3.10"]
    (tmp_path / ".python-version").write_text("3.10\n")  # the same version in both: said once
    assert [m.msg.split(" (")[1].split(")")[0] for m in found()] == [".python-version"]
    (tmp_path / ".python-version").write_text("system\n")  # no version said: the other file's
    assert ["(runtime.txt)" in m.msg for m in found()] == [True]
    (tmp_path / ".python-version").unlink()
    (tmp_path / ".python-version").mkdir()  # not a file: the next one's
    assert "(runtime.txt)" in found()[0].msg
    (tmp_path / ".python-version").rmdir()
    os.mkfifo(tmp_path / ".python-version")  # never opened to wait for a writer: the check would hang
    assert ["(runtime.txt)" in m.msg for m in found()] == [True]
    (tmp_path / ".python-version").unlink()
    (tmp_path / ".python-version").write_bytes(b"3.10\xff\n")  # not UTF-8: not read
    assert ["(runtime.txt)" in m.msg for m in found()] == [True]
    # A Dockerfile: Fly.io builds from it (its base image's Python, runtime.txt unread); Render from
    # it or the buildpack, as the service is set (both judged); Heroku's buildpack never reads it.
    (tmp_path / "Dockerfile").write_text("ARG PYTHON_VERSION=3.11-slim\nFROM python:${PYTHON_VERSION}\n")
    (fly,) = found("fly")
    assert "on Python 3.11 (Dockerfile: FROM python:3.11-slim), where" in fly.msg
    assert fly.hint == "Run Python 3.12 or newer (Dockerfile): the stop then ends them at once."
    assert [m.msg.split(" (")[1].split(")")[0] for m in found("render")] == [
        "Dockerfile: FROM python:3.11-slim",
        "runtime.txt",
    ]
    assert ["(runtime.txt)" in m.msg for m in found("heroku")] == [True]
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim\n")
    assert found("fly") == []
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm\n")  # no Python said: the buildpack files'
    assert ["(runtime.txt)" in m.msg for m in found("fly")] == [True]


def test_the_python_a_project_asks_for() -> None:
    from django_platform.parsers.python_version import requested_python

    for text, expected in (
        ("3.12\n", (3, 12)),
        ("3.11.7", (3, 11)),
        ("  # pinned\n\n3.10\n3.13\n", (3, 10)),
        ("cpython-3.12.1-linux-x86_64-gnu\n", (3, 12)),
        ("python-3.11.9\n", (3, 11)),
        ("3.13t\n", (3, 13)),
        ("pypy3.10\n", None),
        ("system\n", None),
        ("3\n", None),
        ("", None),
        ("# only a comment\n", None),
    ):
        assert requested_python(text) == expected, text


def test_a_layer_that_does_not_reach_every_process_is_flagged() -> None:
    apps = ["django.contrib.auth", "django.contrib.contenttypes", "django_platform", "tests.testapp", "channels"]
    assert channel_messages(INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": IN_MEMORY}}) == [
        "django_platform.E032"
    ]
    assert channel_messages(INSTALLED_APPS=apps) == ["django_platform.W033"]
    assert channel_messages(INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": CORE}}) == []
    # Python 3.11 and older lose a cancellation in redis-py's sends: consumers ending together linger.
    for python, expected in (((3, 11), ["django_platform.W056"]), ((3, 10), ["django_platform.W056"]), ((3, 13), [])):
        found = channel_messages(python=python, INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": CORE}})
        assert found == expected, python
    assert channel_messages(python=(3, 11), INSTALLED_APPS=apps, CHANNEL_LAYERS={"default": {"BACKEND": PUBSUB}}) == []
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


@pytest.mark.services
def test_w056_consumers_ending_together_linger_on_the_pythons_it_names() -> None:
    """What W056 says, held to channels-redis and redis-py on this Python: ten consumers of a group
    ending together, as at a stop. On 3.10 and 3.11 one of them waits out channels-redis's 5 s
    blocking pop (measured: 6 of 6 runs on 3.10.13, 4 of 6 on 3.11.7; here within eight tries); on
    3.12 and later none does (three tries). Should either change, this fails, and W056 with it."""
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    import time

    from asgiref import testing
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.layers import get_channel_layer

    communicator: Any = testing.ApplicationCommunicator  # untyped
    # Its groups added on connect and discarded on disconnect by Channels itself, as a chat room's.
    room: Any = type("Room", (AsyncWebsocketConsumer,), {"groups": ["w056"]})

    found = layers(
        {"REDIS_URL": "redis://127.0.0.1:6379/9"},
        "render",
        CHANNEL_LAYERS={"default": {"BACKEND": CORE, "CONFIG": {"prefix": "dp-w056"}}},
    )

    async def ending_together() -> tuple[float, list[str]]:
        scope = {"type": "websocket", "path": "/ws/room/", "headers": [], "subprotocols": []}
        clients = [communicator(room.as_asgi(), dict(scope)) for _ in range(10)]
        try:
            for client in clients:
                await client.send_input({"type": "websocket.connect"})
                assert (await client.receive_output(5))["type"] == "websocket.accept"
            await asyncio.sleep(0.3)  # the receive lock's holder is in its blocking pop
            started = time.monotonic()
            for client in clients:
                await client.send_input({"type": "websocket.disconnect", "code": 1012})
            ended = await asyncio.gather(*(client.wait(10) for client in clients), return_exceptions=True)
            return time.monotonic() - started, [type(outcome).__name__ for outcome in ended if outcome is not None]
        finally:
            layer = get_channel_layer()
            await layer.flush()
            await layer.close_pools()

    with override_settings(CHANNEL_LAYERS=found):
        if sys.version_info < (3, 12):
            for _ in range(8):
                elapsed, raised = asyncio.run(ending_together())
                if elapsed > 4:
                    break
            assert elapsed > 4, (elapsed, raised)  # the cancellation lost: the 5 s pop waited out
            assert raised == ["TimeoutError"], raised  # redis's, from the consumer that waited
        else:
            for _ in range(3):
                elapsed, raised = asyncio.run(ending_together())
                assert elapsed < 2 and raised == [], (elapsed, raised)


def test_heroku_relaxed_tls_reaches_redis_py_as_it_reads_it() -> None:
    import ssl

    from channels_redis.utils import create_pool

    host = hosts(layers({"REDIS_URL": "rediss://:pw@r.example:6380"}, "heroku"))[0]
    pool = create_pool(dict(host))
    assert pool.make_connection().ssl_context.cert_reqs == ssl.CERT_NONE


# --- settings under ASGI ---------------------------------------------------------------------------


def test_under_asgi_postgresql_is_pooled_and_other_databases_close_their_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django_platform.areas.databases import build_databases
    from django_platform.parsers.serving import asgi_reason

    postgres = {"DATABASE_URL": "postgres://u:p@db.internal:5432/app"}
    mysql = {"DATABASE_URL": "mysql://u:p@db.internal:3306/app"}

    def policy(current: dict[str, Any], env: dict[str, str], existing: Any = None) -> tuple[Any, Any, str, str]:
        report = Report("render", "")
        found = build_databases(Context(env, BY_NAME["render"]), existing, report, asgi_reason(current, env))
        assert found is not None
        entry = found["default"]
        pool = (entry.get("OPTIONS") or {}).get("pool")
        pooled = "DATABASES.default.OPTIONS.pool"
        why_pool = report.source(pooled) if any(e.setting == pooled for e in report.entries) else ""
        return entry["CONN_MAX_AGE"], pool, report.source("DATABASES.default.CONN_MAX_AGE"), why_pool

    asgi = {"ASGI_APPLICATION": "project.asgi.application"}
    assert policy({}, postgres)[:3] == (600, None, "platform default (render)")
    age, pool, _, why = policy(asgi, postgres)
    assert (age, pool) == (0, True) and why.startswith("served over ASGI (ASGI_APPLICATION is set): psycopg's pool")
    assert policy(CHANNELS, postgres)[:2] == (0, True)
    assert policy({}, {**postgres, "DJANGO_PLATFORM_SERVER": "ASGI"})[3].startswith(
        "served over ASGI (DJANGO_PLATFORM_SERVER=asgi)"
    )
    # MariaDB and MySQL have no pool in Django: django-db-connection-pool's backend pools them.
    report = Report("render", "")
    found = build_databases(Context(mysql, BY_NAME["render"]), None, report, asgi_reason(asgi, mysql))
    assert found is not None
    entry = found["default"]
    assert (entry["ENGINE"], entry["CONN_MAX_AGE"]) == ("dj_db_conn_pool.backends.mysql", 0)
    assert entry["POOL_OPTIONS"] == {"POOL_SIZE": 4, "MAX_OVERFLOW": 0, "TIMEOUT": 30}
    assert report.source("DATABASES.default.POOL_OPTIONS") == (
        "served over ASGI (ASGI_APPLICATION is set): django-db-connection-pool's pool (Django pools only "
        "PostgreSQL), as Django advises"
    )
    assert report.source("DATABASES.default.ENGINE").startswith("served over ASGI")
    assert policy({}, mysql)[:2] == (600, None)  # WSGI: persistent connections, Django's MySQL backend
    # settings.py's pooling backend stays over the URL's engine, with its options.
    own = {"default": {"ENGINE": "dj_db_conn_pool.backends.mysql", "POOL_OPTIONS": {"POOL_SIZE": 2}}}
    found = build_databases(Context(mysql, BY_NAME["render"]), own, Report("render", ""), asgi_reason(asgi, mysql))
    assert found is not None and found["default"]["POOL_OPTIONS"] == {"POOL_SIZE": 2}
    assert (found["default"]["ENGINE"], found["default"]["CONN_MAX_AGE"]) == ("dj_db_conn_pool.backends.mysql", 0)
    assert policy(CHANNELS, {**postgres, "DJANGO_PLATFORM_SERVER": "wsgi"})[:2] == (600, None)  # the process's word
    # The user's own choices stand: persistent connections (W036 says so), their pool's size.
    assert policy(CHANNELS, {**postgres, "DATABASE_CONN_MAX_AGE": "60"})[:2] == (60, None)
    kept = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "CONN_MAX_AGE": 60}}
    assert policy(CHANNELS, postgres, kept)[:2] == (60, None)
    # settings.py's None (never closed, one per request thread under ASGI) gives way to the pool, said.
    forever = {"default": {**kept["default"], "CONN_MAX_AGE": None}}
    report = Report("render", "")
    found = build_databases(Context(postgres, BY_NAME["render"]), forever, report, asgi_reason(asgi, postgres))
    assert found is not None and (found["default"]["CONN_MAX_AGE"], found["default"]["OPTIONS"]["pool"]) == (0, True)
    assert report.notes == [
        "DATABASES['default']['CONN_MAX_AGE'] = None of settings.py (connections never closed) replaced by psycopg's "
        "pool: served over ASGI, where each request's thread would keep one open."
    ]
    assert policy(CHANNELS, {**postgres, "DATABASE_POOL": "true", "DATABASE_POOL_MAX_SIZE": "8"})[:2] == (
        0,
        {"max_size": 8},
    )
    assert policy(CHANNELS, {**postgres, "DATABASE_POOL": "false"})[:2] == (0, None)
    # Without psycopg's pool installed: connections closed after each request.
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "psycopg_pool" else real(name, *a)
    )
    assert policy(asgi, postgres)[:2] == (0, None)
    # Nor django-db-connection-pool: a connection per request, closed after it.
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "dj_db_conn_pool" else real(name, *a)
    )
    age, pool, why, _ = policy(asgi, mysql)
    assert (age, pool) == (0, None) and why.startswith("served over ASGI (ASGI_APPLICATION is set): persistent")
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM_SERVER must be asgi or wsgi\.$"):
        policy({}, {**postgres, "DJANGO_PLATFORM_SERVER": "uvicorn"})


# --- the web line -----------------------------------------------------------------------------------


def procfile(tmp_path: Path, *args: str, stderr: StringIO | None = None, **overrides: Any) -> tuple[str, str]:
    from django.core.management import call_command

    out = StringIO()
    with override_settings(**{"WSGI_APPLICATION": "tests.wsgi_app.application", **overrides}):
        call_command(
            "platform_procfile",
            "--platform",
            "render",
            "--path",
            str(tmp_path),
            *args,
            stdout=out,
            stderr=stderr or StringIO(),
        )
    return (tmp_path / "Procfile").read_text(), out.getvalue()


def test_a_project_that_declares_asgi_gets_an_asgi_web_line(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    text, _ = procfile(tmp_path)
    assert "web: gunicorn tests.wsgi_app\n" in text
    # A web line that serves WSGI stands until a flag changes it: said, not switched.
    err = StringIO()
    procfile(tmp_path, ASGI_APPLICATION="tests.asgi_app.application", stderr=err)
    assert "serves WSGI, kept; the project declares ASGI (ASGI_APPLICATION is set): --asgi switches." in err.getvalue()
    (tmp_path / "Procfile").unlink()
    text, out = procfile(tmp_path, ASGI_APPLICATION="tests.asgi_app.application")
    assert "web: gunicorn tests.asgi_app\n" in text
    assert "Serving tests.asgi_app.application over ASGI (ASGI_APPLICATION is set)." in out
    # Then ASGI stands, whatever is declared.
    assert "web: gunicorn tests.asgi_app\n" in procfile(tmp_path, ASGI_APPLICATION="tests.asgi_app.application")[0]
    assert "web: gunicorn tests.wsgi_app\n" in procfile(tmp_path, "--wsgi")[0]
    # The asgi.py beside wsgi.py, on request or when the requirements name an ASGI server.
    assert "web: gunicorn tests.asgi\n" in procfile(tmp_path, "--asgi")[0]
    assert "web: gunicorn tests.asgi\n" in procfile(tmp_path)[0]  # kept
    (tmp_path / "Procfile").unlink()
    (tmp_path / "requirements.txt").write_text("Django>=5.2\nuvicorn-worker==0.4.0\n")
    text, out = procfile(tmp_path)
    assert "web: gunicorn tests.asgi\n" in text
    assert "(requirements.txt declares uvicorn-worker)" in out
    (tmp_path / "Procfile").write_text("web: gunicorn tests.asgi -k uvicorn_worker.UvicornWorker\n")  # their own
    text, out = procfile(tmp_path, "--force")
    assert "web: gunicorn tests.asgi\n" in text
    assert "(the Procfile's web line serves ASGI)" in out
    with pytest.raises(CommandError, match=r"^No ASGI application: proj/asgi.py does not exist"):
        procfile(tmp_path, "--asgi", WSGI_APPLICATION="proj.wsgi.application")
    with pytest.raises(CommandError, match=r"^ASGI_APPLICATION must be a dotted path like 'project.asgi.application'"):
        procfile(tmp_path, "--asgi", ASGI_APPLICATION="application")
    with pytest.raises(CommandError, match="not allowed with argument"):
        procfile(tmp_path, "--asgi", "--wsgi")


# --- the server the web line starts, against the application ---------------------------------------


def serving_messages(tmp_path: Path, web: str, platform: str = "render", **overrides: Any) -> list[str]:
    from django_platform.checks import judging
    from django_platform.checks.serving import CHECKS

    (tmp_path / "Procfile").write_text(f"web: {web}\n")
    values = {"BASE_DIR": tmp_path, "WSGI_APPLICATION": "tests.wsgi_app.application", **overrides}
    with override_settings(**values), judging(BY_NAME[platform]):
        return [m.id or "" for check in CHECKS for m in check()]


def test_an_application_under_the_other_kind_of_worker_is_an_error(tmp_path: Path) -> None:
    assert serving_messages(tmp_path, "gunicorn tests.asgi -k gthread") == ["django_platform.E033"]
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app -k uvicorn_worker.UvicornWorker") == [
        "django_platform.E033"
    ]
    assert serving_messages(tmp_path, "gunicorn tests.asgi -k uvicorn_worker.UvicornWorker") == []
    assert serving_messages(tmp_path, "gunicorn tests.asgi") == []  # the generated config follows the module
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app") == []
    assert serving_messages(tmp_path, "gunicorn tests.asgi", "local") == []
    assert serving_messages(tmp_path, "python worker.py") == []


def test_a_project_that_declares_asgi_served_over_wsgi_is_said(tmp_path: Path) -> None:
    found = serving_messages(tmp_path, "gunicorn tests.wsgi_app", ASGI_APPLICATION="tests.asgi.application")
    assert found == ["django_platform.W034"]


def test_async_views_under_wsgi_are_said(tmp_path: Path) -> None:
    from django_platform.checks import judging
    from django_platform.checks.serving import W035, _async_views

    with override_settings(ROOT_URLCONF="tests.urls_async"):
        assert sorted(_async_views()) == ["tests.urls_async.Stream", "tests.urls_async.wait"]
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app", ROOT_URLCONF="tests.urls_async") == [
        "django_platform.W035"
    ]
    assert serving_messages(tmp_path, "gunicorn tests.asgi", ROOT_URLCONF="tests.urls_async") == []
    assert W035.format(views="a", verb="is").startswith("a is async under a WSGI worker")
    del judging


def test_persistent_connections_under_asgi_are_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.conf import settings

    # The settings' own entry (overriding DATABASES warns): monkeypatch puts it back.
    default = settings.DATABASES["default"]
    monkeypatch.setitem(default, "CONN_MAX_AGE", 600)
    assert serving_messages(tmp_path, "gunicorn tests.asgi") == ["django_platform.W036"]
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app") == []
    monkeypatch.setitem(default, "OPTIONS", {"pool": True})
    assert serving_messages(tmp_path, "gunicorn tests.asgi") == []  # E009 says it
    monkeypatch.setitem(default, "OPTIONS", {})
    engine = default["ENGINE"]
    monkeypatch.setitem(default, "ENGINE", "dj_db_conn_pool.backends.mysql")
    assert serving_messages(tmp_path, "gunicorn tests.asgi") == []  # W058 says it, in its own words
    monkeypatch.setitem(default, "ENGINE", engine)
    # Told WSGI, the generated config starts a WSGI worker on the ASGI module.
    monkeypatch.setenv("DJANGO_PLATFORM_SERVER", "wsgi")
    assert serving_messages(tmp_path, "gunicorn tests.asgi") == ["django_platform.E033"]
    monkeypatch.setenv("DJANGO_PLATFORM_SERVER", "asgi")
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app") == ["django_platform.E033"]


def test_a_websocket_ping_slower_than_the_router_is_said(tmp_path: Path) -> None:
    daphne = "daphne -b 0.0.0.0 -p $PORT {} tests.asgi:application"
    stop = "django_platform.W055"  # Daphne's stop (below)
    assert serving_messages(tmp_path, daphne.format("--ping-interval 60"), "heroku") == ["django_platform.W037", stop]
    assert serving_messages(tmp_path, daphne.format("--ping-interval=0"), "heroku") == ["django_platform.W037", stop]
    assert serving_messages(tmp_path, daphne.format("--ping-interval 20"), "heroku") == [stop]
    assert serving_messages(tmp_path, daphne.format("--ping-interval 60"), "render") == [stop]  # no published limit
    assert serving_messages(tmp_path, daphne.format("--ping-interval x"), "heroku") == [stop]
    # Railway exempts websockets from its 60 s idle limit: no ping needed there.
    assert serving_messages(tmp_path, "uvicorn tests.asgi:application --ws-ping-interval 90", "railway") == []
    assert serving_messages(tmp_path, "uvicorn tests.asgi:application --ws-ping-interval 60", "fly") == [
        "django_platform.W037"
    ]


def test_websockets_on_a_router_that_carries_them_on_some_host_names_only(tmp_path: Path) -> None:
    """cloudControl carries websockets through its cloudcontrolapp.com subdomain only (W053); its
    routing closes one idle for 55 s (W037)."""
    web = "gunicorn tests.asgi_channels -k uvicorn_worker.UvicornWorker"
    channels = {"ASGI_APPLICATION": "tests.asgi_channels.application"}
    assert serving_messages(tmp_path, web, "cloudcontrol", **channels) == ["django_platform.W053"]
    assert serving_messages(tmp_path, web, "heroku", **channels) == []  # every host name carries them
    assert serving_messages(tmp_path, web, "local", **channels) == []
    # No websocket route: Django's own handler, a router for HTTP only, or one that does not import.
    plain = "gunicorn tests.asgi -k uvicorn_worker.UvicornWorker"
    for name in ("tests.asgi.application", "tests.asgi_channels.http_only", "tests.nowhere.application", ""):
        assert serving_messages(tmp_path, plain, "cloudcontrol", ASGI_APPLICATION=name) == []
    daphne = "daphne -b 0.0.0.0 -p $PORT --ping-interval 60 tests.asgi_channels:application"
    assert serving_messages(tmp_path, daphne, "cloudcontrol") == ["django_platform.W037", "django_platform.W055"]
    from django_platform.checks.serving import W053

    text = W053.format(platform="cloudControl", where=BY_NAME["cloudcontrol"].websocket_route)
    assert "only through the app's `cloudcontrolapp.com` subdomain" in text


def test_websockets_under_a_server_that_resets_them_at_a_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """W054: Granian (on a line of the project's own) and gunicorn's own asgi worker end open
    websockets without a close frame when the platform stops them (tests/test_asgi_nodes.py measures
    it); uvicorn-worker and the Granian launcher close each with 1012."""
    import django_platform.checks.serving as serving

    channels = {"ASGI_APPLICATION": "tests.asgi_channels.application"}
    for web in (
        "granian --interface asgi --port $PORT tests.asgi_channels:application",
        "python -m granian --interface asgi tests.asgi_channels:application",
        "gunicorn tests.asgi_channels -k asgi",
        "gunicorn tests.asgi_channels --worker-class=ASGI",
    ):
        assert serving_messages(tmp_path, web, "heroku", **channels) == ["django_platform.W054"], web
    assert (
        serving_messages(tmp_path, "gunicorn tests.asgi_channels -k uvicorn_worker.UvicornWorker", "heroku", **channels)
        == []
    )
    assert serving_messages(tmp_path, "gunicorn tests.asgi_channels", "heroku", **channels) == []  # uvicorn-worker
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "asgi")
    assert serving_messages(tmp_path, "gunicorn tests.asgi_channels", "heroku", **channels) == ["django_platform.W054"]
    monkeypatch.delenv("GUNICORN_WORKER_CLASS")
    # The generated config's pick without uvicorn-worker installed: gunicorn's own worker (27), else none.
    monkeypatch.setattr(serving, "asgi_worker", lambda: "asgi")
    assert serving_messages(tmp_path, "gunicorn tests.asgi_channels", "heroku", **channels) == ["django_platform.W054"]
    monkeypatch.setattr(serving, "asgi_worker", partial(_raise, ImproperlyConfigured("no ASGI worker")))
    assert serving_messages(tmp_path, "gunicorn tests.asgi_channels", "heroku", **channels) == []
    # The launcher closes them (django_platform.asgi_stop): nothing to say.
    launcher = "python -m django_platform.granian tests.asgi_channels:application"
    assert serving_messages(tmp_path, launcher, "heroku", **channels) == []
    # ... where it runs on asyncio's loop, as it does where Channels is installed: the one rule both read.
    monkeypatch.setattr(serving, "closes_websockets", lambda: False)
    assert serving_messages(tmp_path, launcher, "heroku", **channels) == ["django_platform.W054"]
    # No websocket route, a WSGI web line, a development machine: nothing to say.
    granian = "granian --interface asgi tests.asgi:application"
    assert serving_messages(tmp_path, granian, "heroku", ASGI_APPLICATION="tests.asgi.application") == []
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app", "heroku", **channels) == ["django_platform.W034"]
    assert serving_messages(tmp_path, "granian tests.asgi_channels:application", "local", **channels) == []
    text = serving.W054.format(server="Granian", platform="Fly.io")
    assert text.startswith("The ASGI application routes websockets, and the web line's server (Granian) does not")


def test_the_stop_checks_read_the_manifest_where_it_starts_the_web_process(tmp_path: Path) -> None:
    """Fly.io and Render start what fly.toml and render.yaml say: W054 and W055 read the manifest's
    web command, over a Procfile's; a manifest that does not parse, or one that does not start the
    web process (Heroku's app.json), leaves the Procfile's line (check_manifest says what is wrong)."""
    from django_platform.checks import judging
    from django_platform.checks.serving import check_daphne_stop, check_websocket_stop

    def stop_messages(platform: str) -> list[str]:
        values = {"BASE_DIR": tmp_path, "WSGI_APPLICATION": "tests.wsgi_app.application"}
        values["ASGI_APPLICATION"] = "tests.asgi_channels.application"
        with override_settings(**values), judging(BY_NAME[platform]):
            return [m.id or "" for m in [*check_websocket_stop(), *check_daphne_stop()]]

    fly = tmp_path / "fly.toml"
    fly.write_text('app = "chat"\n\n[processes]\napp = "granian --interface asgi chat.asgi:application"\n')
    assert stop_messages("fly") == ["django_platform.W054"]
    fly.write_text('app = "chat"\n\n[processes]\napp = "python -m django_platform.granian chat.asgi:application"\n')
    assert stop_messages("fly") == []  # the launcher closes them
    fly.write_text('[processes]\napp = "daphne --port 8000 chat.asgi:application"\n')
    assert stop_messages("fly") == ["django_platform.W055"]
    fly.write_text('[processes]\napp = "gunicorn tests.asgi_channels -k asgi"\n')
    assert stop_messages("fly") == ["django_platform.W054"]
    fly.write_text('[processes]\napp = "gunicorn tests.asgi_channels"\n')
    assert stop_messages("fly") == []
    fly.write_text("[processes\n")  # does not parse: the Procfile's line, where there is one
    assert stop_messages("fly") == []
    (tmp_path / "Procfile").write_text("web: daphne chat.asgi:application\n")
    assert stop_messages("fly") == ["django_platform.W055"]
    fly.write_text('[processes]\napp = "gunicorn tests.asgi_channels"\n')
    assert stop_messages("fly") == []  # what fly.toml starts, not the Procfile's line
    fly.unlink()
    assert stop_messages("fly") == ["django_platform.W055"]
    (tmp_path / "Procfile").unlink()
    render = (
        "services:\n  - type: web\n    name: chat\n    startCommand: granian --interface asgi chat.asgi:application\n"
    )
    (tmp_path / "render.yaml").write_text(render)
    assert stop_messages("render") == ["django_platform.W054"]
    (tmp_path / "app.json").write_text('{"scripts": {"web": "granian chat.asgi:application"}}')
    assert stop_messages("heroku") == []  # Heroku starts the Procfile's web line
    (tmp_path / "Procfile").write_text("web: gunicorn tests.asgi_channels\n")
    assert stop_messages("render") == ["django_platform.W054"]  # render.yaml's start command wins
    assert stop_messages("heroku") == []


def test_every_serving_check_reads_the_web_command_the_platform_starts(tmp_path: Path) -> None:
    """E033, W034 and W037 judge the command Fly.io starts (fly.toml's app process) over the
    Procfile's, as W054 and W055 do, and name the file it is in."""
    from django_platform.checks import judging
    from django_platform.checks.serving import CHECKS

    def messages(**overrides: Any) -> list[tuple[str, str]]:
        values = {"BASE_DIR": tmp_path, "WSGI_APPLICATION": "tests.wsgi_app.application", **overrides}
        with override_settings(**values), judging(BY_NAME["fly"]):
            return [(m.id or "", m.msg) for check in CHECKS for m in check()]

    (tmp_path / "Procfile").write_text("web: gunicorn tests.asgi\n")
    fly = tmp_path / "fly.toml"
    fly.write_text('app = "chat"\n\n[processes]\napp = "gunicorn tests.asgi -k gthread"\n')
    [(found, text)] = messages()
    assert found == "django_platform.E033" and text.startswith("The web command (fly.toml) serves 'tests.asgi'")
    fly.write_text('[processes]\napp = "gunicorn tests.wsgi_app"\n')
    [(found, text)] = messages(ASGI_APPLICATION="tests.asgi.application")
    assert found == "django_platform.W034" and "but the web command (fly.toml) serves 'tests.wsgi_app'" in text
    fly.write_text('[processes]\napp = "daphne --ping-interval 90 tests.asgi:application"\n')
    assert [m for m, _ in messages()] == ["django_platform.W037", "django_platform.W055"]
    fly.unlink()  # the Procfile's line again
    assert messages() == []
    (tmp_path / "Procfile").write_text("web: gunicorn tests.asgi -k gthread\n")
    [(found, text)] = messages()
    assert found == "django_platform.E033" and text.startswith("The web command (Procfile) serves")


def test_a_projects_own_granian_line_is_kept_as_granian(tmp_path: Path) -> None:
    """A `granian` line of the project's own (not our launcher) is Granian for the writers (the
    server stands, tuned by the launcher) and for W054; one that serves WSGI is not."""
    from django_platform.deploy.procfile import server_of

    for web in (
        "granian --interface asgi --port $PORT chat.asgi:application",
        "granian --interface=asginl chat.asgi:application",
        "python -m granian chat.asgi:application",  # RSGI, Granian's default: not WSGI
        "granian chat.asgi:application --interface",
    ):
        assert server_of(web) == "granian", web
    for web in ("granian --interface wsgi chat.wsgi:application", "granian --interface=WSGI chat.wsgi:app", ""):
        assert server_of(web) == "gunicorn", web
    (tmp_path / "Procfile").write_text("web: granian --interface asgi --workers 3 tests.asgi:application\n")
    text, out = procfile(tmp_path, "--force")
    assert "web: python -m django_platform.granian tests.asgi:application\n" in text
    assert "# replaced by django-platform: web: granian --interface asgi --workers 3" in text
    assert "Serving tests.asgi.application over ASGI (the web line running now starts granian)." in out
    (tmp_path / "Procfile").write_text("web: granian --interface wsgi tests.wsgi_app:application\n")
    text, out = procfile(tmp_path, "--force")
    assert "web: gunicorn tests.wsgi_app\n" in text and "over ASGI" not in out


def test_daphne_cuts_requests_in_flight_at_a_stop(tmp_path: Path) -> None:
    """W055: Daphne exits at once on the platform's stop signal (measured: docs/asgi.md)."""
    from django_platform.checks.serving import W055

    line = "daphne --bind 0.0.0.0 --port $PORT --proxy-headers tests.asgi:application"
    assert serving_messages(tmp_path, line, "heroku") == ["django_platform.W055"]
    assert serving_messages(tmp_path, line, "local") == []
    assert serving_messages(tmp_path, "gunicorn tests.asgi", "heroku") == []
    assert W055.format(platform="Render").endswith("when Render stops it: requests in flight fail.")


def _raise(error: Exception) -> None:
    raise error


# --- the middleware chain under ASGI ---------------------------------------------------------------


def test_under_asgi_the_sync_chain_middleware_comes_last() -> None:
    import django_platform
    from django_platform.areas.asgi import SYNC_CHAIN

    startproject = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
    env = {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "a.onrender.com", "DJANGO_SECRET_KEY": "s" * 60}
    ns: dict[str, Any] = {"MIDDLEWARE": [SYNC_CHAIN, *startproject], "ASGI_APPLICATION": "p.asgi.application"}
    report = django_platform.configure(ns, env=env)
    assert ns["MIDDLEWARE"][-1] == SYNC_CHAIN and ns["MIDDLEWARE"].count(SYNC_CHAIN) == 1
    assert "SyncChainMiddleware last: served over ASGI (ASGI_APPLICATION is set)" in report.source("MIDDLEWARE")
    ns = {"MIDDLEWARE": list(startproject)}
    django_platform.configure(ns, env=env)
    assert SYNC_CHAIN not in ns["MIDDLEWARE"]  # WSGI
    ns = {"MIDDLEWARE": list(startproject)}
    django_platform.configure(ns, env={**env, "DJANGO_PLATFORM_SERVER": "asgi"}, exclude={"asgi"})
    assert SYNC_CHAIN not in ns["MIDDLEWARE"]


def test_the_sync_chain_saves_the_hops_between_the_event_loop_and_a_thread() -> None:
    from django_platform.areas.asgi import SYNC_CHAIN

    startproject = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    from tests.test_hops import real_hops

    # Counted as docs/asgi.md counts them: the trips from the event loop to a thread.
    plain, chained = real_hops(startproject, back=False), real_hops([*startproject, SYNC_CHAIN], back=False)
    assert chained <= 5, chained  # the signals, the chain in and back, the view
    assert plain >= chained + 6, (plain, chained)  # process_request and process_response of each


# --- Granian and Daphne, one flag away -------------------------------------------------------------


def test_granian_is_started_tuned_for_the_platform() -> None:
    from django_platform.deploy.granian import WRAPPER, command_line, explain, trusted_proxies

    def arguments(env: dict[str, str], platform: Platform, **machine: Any) -> list[str]:
        return command_line(explain(env, platform, **machine))

    def flag(args: list[str], name: str) -> str | None:
        """The value after `name`, None for a switch (the last flag or one followed by a flag)."""
        following = args[args.index(name) + 1]
        return None if following.startswith("--") or following == WRAPPER else following

    heroku = {"DYNO": "web.1", "PORT": "5000", "WEB_CONCURRENCY": "3"}
    args = arguments(heroku, BY_NAME["heroku"], cpus=2, memory=None)
    assert args == [
        "--interface", "asgi", "--host", "0.0.0.0", "--port", "5000", "--workers", "3",  # noqa: S104
        "--workers-kill-timeout", "29", "--respawn-failed-workers", "--no-http1-keep-alive", "--loop", "auto",
        WRAPPER,
    ]  # fmt: skip
    # Keep-alive: idle connections outlive the router's (gunicorn's keepalive); Granian keeps them at
    # most 60 s, so where the router keeps them longer (Heroku 90 s, Railway 60 s) a connection per request.
    railway = arguments({"RAILWAY_ENVIRONMENT": "production"}, BY_NAME["railway"], cpus=1, memory=None)
    assert "--no-http1-keep-alive" in railway and "--http1-header-read-timeout" not in railway
    render = arguments({"RENDER": "true"}, BY_NAME["render"], cpus=1, memory=None)  # its router's timeout unknown
    assert flag(render, "--http1-header-read-timeout") == "60000"
    assert "--no-http1-keep-alive" not in render
    for keepalive, name, value in (("5", "--http1-header-read-timeout", "5000"), ("0", "--no-http1-keep-alive", None)):
        told_args = arguments({**heroku, "GUNICORN_KEEPALIVE": keepalive}, BY_NAME["heroku"], cpus=1, memory=None)
        assert flag(told_args, name) == value, keepalive
        assert {"--http1-header-read-timeout", "--no-http1-keep-alive"} - {name} - set(told_args), keepalive
    told_why = {
        name: why for name, _, why in explain({"GUNICORN_KEEPALIVE": "120"}, BY_NAME["render"], cpus=1, memory=None)
    }
    assert told_why["--no-http1-keep-alive"] == (
        "GUNICORN_KEEPALIVE (120 s) is longer than Granian keeps an idle connection (60 s): a connection per request"
    )
    with pytest.raises(ImproperlyConfigured, match=r"^GUNICORN_KEEPALIVE "):
        arguments({**heroku, "GUNICORN_KEEPALIVE": "forever"}, BY_NAME["heroku"], cpus=1, memory=None)
    # Channels installed: asyncio's loop, whose stop signal handlers asgi_stop can stand in front of.
    channels = arguments(heroku, BY_NAME["heroku"], cpus=2, memory=None, websockets=True)
    assert flag(channels, "--loop") == "asyncio"
    fly = arguments({"FLY_APP_NAME": "a"}, BY_NAME["fly"], cpus=1, memory=None, ipv6=(True, False))
    assert flag(fly, "--host") == "::" and flag(fly, "--port") == "8000"  # dual-stack
    # net.ipv6.bindv6only set: "::" would leave IPv4 (the router) out, and Granian takes one address.
    v6only = arguments({"FLY_APP_NAME": "a"}, BY_NAME["fly"], cpus=1, memory=None, ipv6=(True, True))
    assert flag(v6only, "--host") == "0.0.0.0"  # noqa: S104
    assert flag(fly, "--workers-kill-timeout") == "4"  # Fly: SIGINT, killed 5 s later
    # The graceful timeout a manifest's stop window is written above, as gunicorn's.
    told = arguments({**heroku, "GUNICORN_GRACEFUL_TIMEOUT": "12"}, BY_NAME["heroku"], cpus=1, memory=None)
    assert flag(told, "--workers-kill-timeout") == "12"
    assert trusted_proxies(heroku, BY_NAME["heroku"]) == "*"  # every peer is the router
    assert trusted_proxies({}, BY_NAME["local"]) == "127.0.0.1"
    assert trusted_proxies({"GUNICORN_FORWARDED_ALLOW_IPS": "10.0.0.1"}, BY_NAME["heroku"]) == "10.0.0.1"
    with pytest.raises(ImproperlyConfigured, match=r"^PORT "):
        arguments({"PORT": "http"}, BY_NAME["heroku"], cpus=1, memory=None)


@pytest.mark.usefixtures("registry")  # the plugin's platform registered, then forgotten
def test_the_granian_launcher(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import shutil

    from django_platform import granian

    assert granian.main([]) == 2
    assert "usage: python -m django_platform.granian" in capsys.readouterr().err
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert granian.main(["chat.asgi:application"]) == 2
    assert "granian is not installed" in capsys.readouterr().err
    monkeypatch.setattr(shutil, "which", lambda name: "/venv/bin/granian")
    # A dyno's environment only: CI's own variables (CI=true) would make it Heroku CI.
    monkeypatch.setattr(os, "environ", {"DYNO": "web.1", "PORT": "not a port"})
    monkeypatch.setenv("DJANGO_PLATFORM_PLUGINS", "tests.plugin_platform")  # a platform of the user's own
    assert granian.main(["chat.asgi:application"]) == 2
    assert "django_platform.granian: PORT " in capsys.readouterr().err
    monkeypatch.delenv("DJANGO_PLATFORM_PLUGINS")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.setenv("DJANGO_PLATFORM_REUSE_THREADS", "sometimes")  # refused before a worker starts
    assert granian.main(["chat.asgi:application"]) == 2
    assert "django_platform.granian: DJANGO_PLATFORM_REUSE_THREADS " in capsys.readouterr().err
    monkeypatch.delenv("DJANGO_PLATFORM_REUSE_THREADS")
    started: list[Any] = []
    monkeypatch.setattr(os, "execv", lambda program, argv: started.append((program, argv)))
    granian.main(["chat.asgi:application"])
    assert started[0][0] == "/venv/bin/granian" and started[0][1][:3] == ["/venv/bin/granian", "--interface", "asgi"]
    from django_platform.deploy.gunicorn import ipv6_support

    host = started[0][1][started[0][1].index("--host") + 1]
    assert host == ("::" if ipv6_support() == (True, False) else "0.0.0.0")  # noqa: S104 - as gunicorn binds here
    assert os.environ["DJANGO_PLATFORM_ASGI_TARGET"] == "chat.asgi:application"
    assert os.environ["DJANGO_PLATFORM_TRUSTED_PROXIES"] == "*"
    assert os.environ["DJANGO_PLATFORM_SERVER"] == "asgi"
    # Channels is installed here: asyncio's loop, for the close at a stop; without it, Granian's pick.
    assert started[0][1][started[0][1].index("--loop") + 1] == "asyncio"
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "channels" else real_find_spec(name))
    granian.main(["chat.asgi:application"])
    assert started[1][1][started[1][1].index("--loop") + 1] == "auto"


def test_the_wrapper_serves_the_project_application_behind_the_proxy_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.setenv("DJANGO_PLATFORM_ASGI_TARGET", "tests.asgi")
    monkeypatch.setenv("DJANGO_PLATFORM_TRUSTED_PROXIES", "10.0.0.1")
    sys.modules.pop("django_platform.granian_app", None)
    wrapper = importlib.import_module("django_platform.granian_app")
    import tests.asgi

    assert wrapper.load("tests.asgi") is tests.asgi.application
    assert wrapper.load("tests.asgi:application") is tests.asgi.application
    assert callable(wrapper.application) and wrapper.application is not tests.asgi.application
    from django_platform.asgi_threads import ReusedThreads, supported
    from django_platform.asgi_trips import TRIPS

    if supported():  # each request's sync code on a kept thread (asgiref 3.13+)
        assert isinstance(wrapper.served, ReusedThreads) and wrapper.served.app is tests.asgi.application
        assert TRIPS.taken
    else:
        assert wrapper.served is tests.asgi.application and not TRIPS.taken
    sys.modules.pop("django_platform.granian_app", None)


def test_platform_procfile_writes_granian_and_daphne_lines(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    app = "tests.asgi.application"
    granian = "web: python -m django_platform.granian tests.asgi:application\n"
    assert granian in procfile(tmp_path, "--server", "granian", ASGI_APPLICATION=app)[0]
    assert granian in procfile(tmp_path, ASGI_APPLICATION=app)[0]  # kept
    daphne = "web: daphne --bind 0.0.0.0 --port $PORT --proxy-headers tests.asgi:application\n"
    assert daphne in procfile(tmp_path, "--server", "daphne", ASGI_APPLICATION=app)[0]
    assert daphne in procfile(tmp_path, "--asgi", ASGI_APPLICATION=app)[0]  # --asgi keeps the server
    assert "web: gunicorn tests.asgi\n" in procfile(tmp_path, "--server", "gunicorn", ASGI_APPLICATION=app)[0]
    (tmp_path / "Procfile").unlink()
    # Granian serves ASGI only: the asgi.py beside wsgi.py, without any declaration.
    assert granian in procfile(tmp_path, "--server", "granian")[0]
    with pytest.raises(CommandError, match=r"^--server granian serves ASGI: it cannot go with --wsgi\.$"):
        procfile(tmp_path, "--server", "granian", "--wsgi")


def test_platform_procfile_says_what_the_servers_stop_loses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written with a server that loses something at the platform's stop, the command says so (W055,
    W054 where the application routes websockets), as platform_check does; gunicorn says nothing."""
    said = StringIO()
    procfile(tmp_path, "--server", "daphne", stderr=said, ASGI_APPLICATION="tests.asgi.application")
    assert "The web line starts Daphne, which exits at once when Render stops it" in said.getvalue()
    assert "W054" not in said.getvalue() and "websockets, and" not in said.getvalue()
    channels: dict[str, Any] = {"ASGI_APPLICATION": "tests.asgi_channels.application"}
    for server in ("granian", "gunicorn"):  # the launcher and uvicorn-worker close them as a restart
        said = StringIO()
        procfile(tmp_path, "--server", server, stderr=said, **channels)
        assert "stops it" not in said.getvalue()
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "asgi")
    said = StringIO()
    procfile(tmp_path, "--server", "gunicorn", stderr=said, **channels)
    text = "the web line's server (gunicorn's own asgi worker) does not close them as a restart when Render stops it"
    assert text in said.getvalue()
    assert "platform_procfile --server gunicorn" in said.getvalue()
    said = StringIO()
    procfile(tmp_path, "--server", "gunicorn", "--check", stderr=said, **channels)  # no write: nothing said
    assert "stops it" not in said.getvalue()


def test_the_drift_check_keeps_the_server_the_block_serves(tmp_path: Path) -> None:
    from django_platform.checks import judging
    from django_platform.checks.deployfiles import check_procfile

    def drift() -> list[str]:
        values = {"BASE_DIR": tmp_path, "WSGI_APPLICATION": "tests.wsgi_app.application"}
        with override_settings(**values), judging(BY_NAME["render"]):
            return [m.id or "" for m in check_procfile() if m.id == "django_platform.W009"]

    for args in (("--server", "granian"), ("--server", "daphne"), ("--asgi",), ("--wsgi",)):
        procfile(tmp_path, *args, "--force")
        assert drift() == [], args
    # A block whose web line names no application: what the project declares decides.
    text = (tmp_path / "Procfile").read_text().replace("web: gunicorn tests.wsgi_app", "web: bin/start-web")
    (tmp_path / "Procfile").write_text(text)
    assert drift() == ["django_platform.W009"]


def test_upsun_without_a_redis_relationship_has_no_layer() -> None:
    import base64

    relationships = {"database": [{"scheme": "pgsql", "host": "db.internal", "port": 5432}]}
    encoded = base64.b64encode(json.dumps(relationships).encode()).decode()
    report = Report("upsun", "")
    assert layers({"PLATFORM_RELATIONSHIPS": encoded}, "upsun", report) is None
    assert any(note.startswith("Channels without a Redis") for note in report.notes)


def test_the_release_plan_in_process(real_connections: None) -> None:
    from django.db import connection as default

    from django_platform.schema.plan import release_plan

    plan, found = release_plan(default)
    assert found == [] and isinstance(plan, list)


def test_a_urlconf_that_does_not_import_is_left_to_django(tmp_path: Path) -> None:
    assert serving_messages(tmp_path, "gunicorn tests.wsgi_app", ROOT_URLCONF="tests.no_such_urls") == []
