"""Health endpoints: HealthMiddleware's Host rules and answers, readiness against real services
(Redis, RabbitMQ, PostgreSQL) with failures and hung peers, the setting's validation, the quiet
access log, and what configure() puts in place."""

from __future__ import annotations

import importlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

import django_platform
from django_platform.areas.health import MIDDLEWARE as HEALTH
from django_platform.health import MARK
from django_platform.health.middleware import host_name, private_address
from django_platform.health.probes import database, planned, run
from tests.conftest import PASSWORD
from tests.services import free_port, port_open, unavailable

SECURE = [HEALTH, "django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
PROJECT = {
    "MIDDLEWARE": SECURE,
    "ALLOWED_HOSTS": ["app.example.com"],
    "SECURE_SSL_REDIRECT": True,
    "DJANGO_PLATFORM_HEALTH": True,
    "DJANGO_PLATFORM_HEALTH_HOSTS": ["healthcheck.railway.app"],
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}


@contextmanager
def hung_server() -> Iterator[int]:
    """Accepts connections and never answers: a dependency that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def get(path: str, host: str, method: str = "get", **extra: Any) -> Any:
    return getattr(Client(), method)(path, HTTP_HOST=host, **extra)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("healthcheck.railway.app", 200),  # the platform's probe Host, not in ALLOWED_HOSTS
        ("HealthCheck.Railway.App.:8080", 200),
        ("10.0.3.7:8000", 200),  # a probe on the instance's private address
        ("[fdaa:0:18:a7b:7d:3f06:2fc:2]:8080", 200),
        ("127.0.0.1", 200),
        ("app.example.com", 200),  # the public host, over plain HTTP: no redirect for probes
        ("evil.example", 400),  # anyone else: the normal host validation
        ("8.8.8.8", 400),  # a public address is no probe
    ],
)
def test_liveness_before_host_validation_and_https_redirect(host: str, status: int, real_connections: None) -> None:
    with override_settings(**PROJECT):
        response = get("/healthz", host)
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"status": "ok"}
        assert response["Cache-Control"] == "no-store"


def test_only_the_health_paths_skip_host_validation(real_connections: None) -> None:
    with override_settings(**PROJECT):
        assert get("/healthz/", "healthcheck.railway.app").status_code == 400
        assert get("/admin/", "10.0.3.7").status_code == 400
        assert get("/anything", "app.example.com").status_code == 301  # HTTPS redirect as before


def test_methods(real_connections: None) -> None:
    with override_settings(**PROJECT):
        head = get("/readyz", "127.0.0.1", "head")
        assert head.status_code == 200 and head.content == b""
        post = get("/healthz", "127.0.0.1", "post")
        assert post.status_code == 405 and post["Allow"] == "GET, HEAD"


def test_paths_and_timeout_overridable(real_connections: None) -> None:
    custom = {"live": "/-/alive", "ready": "/-/ready", "timeout": 0.5}
    with override_settings(**{**PROJECT, "DJANGO_PLATFORM_HEALTH": custom}):
        assert get("/-/alive", "127.0.0.1").status_code == 200
        assert get("/-/ready", "127.0.0.1").json()["status"] == "ok"
        assert get("/healthz", "127.0.0.1").status_code == 400  # not a health path now: validated as usual


def test_inert_until_opted_in(real_connections: None) -> None:
    with override_settings(**{**PROJECT, "DJANGO_PLATFORM_HEALTH": None, "SECURE_SSL_REDIRECT": False}):
        assert get("/healthz", "healthcheck.railway.app").status_code == 400
        assert get("/healthz", "app.example.com").status_code == 404


def test_opt_in_by_the_urls_line(real_connections: None) -> None:
    settings_ = {**PROJECT, "DJANGO_PLATFORM_HEALTH": None, "ROOT_URLCONF": "tests.urls_health"}
    with override_settings(**settings_):
        assert get("/healthz", "healthcheck.railway.app").status_code == 200
        assert get("/readyz", "10.1.1.1").json()["checks"] == {
            "database:default": "ok",
            "cache:default": "ok",
            "storage:default": "ok",
        }
        assert get("/healthz", "evil.example").status_code == 400
    # Without the middleware the included views still answer, behind the usual host validation.
    with override_settings(**{**settings_, "MIDDLEWARE": SECURE[1:], "SECURE_SSL_REDIRECT": False}):
        assert get("/healthz", "app.example.com").status_code == 200
        assert get("/healthz", "healthcheck.railway.app").status_code == 400


@given(st.text(max_size=40))
@settings(deadline=None)
def test_no_other_host_skips_validation(host: str) -> None:
    """Whatever the Host, the middleware answers only for a probe Host, a private address or a
    host Django's own validation allows."""
    from django.http.request import split_domain_port, validate_host

    name = host_name(host or "testserver")  # the test client's SERVER_NAME stands in for no Host
    probe = name == "healthcheck.railway.app" or private_address(name)
    domain, _ = split_domain_port((host or "testserver").lower())
    allowed = bool(domain) and validate_host(domain, ["app.example.com"])
    with override_settings(**PROJECT):
        status = get("/healthz", host).status_code
    assert status == (200 if probe or allowed else 400)


@pytest.fixture
def redis() -> str:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/12"


REDIS = "django.core.cache.backends.redis.RedisCache"


def test_readiness_with_a_real_redis_and_a_failing_one(redis: str, real_connections: None, caplog: Any) -> None:
    importlib.import_module("django.core.cache.backends.redis")  # the import is not what the deadline is for
    importlib.import_module("redis")
    closed = free_port()
    caches = {
        "default": {"BACKEND": REDIS, "LOCATION": redis},
        "sessions": {"BACKEND": REDIS, "LOCATION": f"redis://:{PASSWORD}@127.0.0.1:{closed}/0"},
        "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},  # stores nothing: not checked
    }
    with override_settings(**{**PROJECT, "CACHES": caches}), caplog.at_level(logging.WARNING):
        response = get("/readyz", "127.0.0.1")
    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "unavailable",
        "checks": {
            "database:default": "ok",
            "cache:default": "ok",
            "cache:sessions": "failed (ConnectionError)",
            "storage:default": "ok",
        },
    }
    said = response.content.decode() + caplog.text
    assert PASSWORD not in said and str(closed) not in said and "Traceback" not in said
    assert "cache:sessions failed (ConnectionError)" in caplog.text
    assert "django.request" not in caplog.text  # no ERROR per failing probe (nor mail to ADMINS)


def test_a_hung_dependency_answers_503_in_time_and_is_not_piled_up(real_connections: None) -> None:
    with hung_server() as port:
        caches = {"default": {"BACKEND": REDIS, "LOCATION": f"redis://127.0.0.1:{port}/0"}}
        custom = {"timeout": 0.5}
        with override_settings(**{**PROJECT, "CACHES": caches, "DJANGO_PLATFORM_HEALTH": custom}):
            for _ in range(5):
                started = time.monotonic()
                response = get("/readyz", "127.0.0.1")
                # The dependency never answers: without the probe's 0.5 s timeout the request would hang.
                # The bound leaves room for a loaded machine (1.9 s seen under tox's parallel runs).
                assert time.monotonic() - started < 5
                assert response.status_code == 503
                assert response.json()["checks"]["cache:default"] == "timeout"
            hung = [t for t in threading.enumerate() if t.name == "django-platform-health" and t.is_alive()]
            assert len(hung) == 1  # each probe joined the one hung check
            assert get("/healthz", "127.0.0.1").status_code == 200  # liveness touches nothing


@contextmanager
def extra_database(alias: str, conf: dict[str, Any]) -> Iterator[None]:
    from django.db import connections

    connections.settings[alias] = connections.configure_settings({"default": {}, alias: conf})[alias]
    try:
        yield
    finally:
        del connections.settings[alias]


def test_database_checks_real_postgresql_and_a_wrong_password(real_connections: None) -> None:
    pytest.importorskip("psycopg")
    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL is not listening on 127.0.0.1:5432")
    # The backend's modules imported first: compiled from source (CI sets PYTHONDONTWRITEBYTECODE),
    # they outlasted the 1 s deadline once; the deadline is for the database, not the import.
    importlib.import_module("django.db.backends.postgresql.base")
    base = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres"}
    with extra_database("pg", {**base, "NAME": "postgres"}), hung_server() as port:
        hung = {**base, "NAME": "postgres", "PORT": port, "PASSWORD": PASSWORD}
        missing = {**base, "NAME": "no_such_database_" + PASSWORD[:4].encode().hex()}
        with extra_database("hung", hung), extra_database("missing", missing):
            results = run([(f"database:{a}", database(a)) for a in ("pg", "hung", "missing")], 1.0)
    assert results == {
        "database:pg": "ok",
        "database:hung": "timeout",
        "database:missing": "failed (OperationalError)",
    }


@pytest.mark.parametrize("transport", ["amqp", "redis"])
def test_broker_checked_on_real_rabbitmq_and_redis(transport: str, real_connections: None) -> None:
    pytest.importorskip("kombu")
    port = 5672 if transport == "amqp" else 6379
    if not port_open("127.0.0.1", port):
        unavailable(f"{'RabbitMQ' if transport == 'amqp' else 'Redis'} is not listening on 127.0.0.1:{port}")
    good = "amqp://guest:guest@127.0.0.1:5672//" if transport == "amqp" else "redis://127.0.0.1:6379/11"
    bad = f"{transport}://guest:{PASSWORD[:8]}@127.0.0.1:{free_port()}//"
    # The broker check itself, not the deadline (the hung-dependency test has that): the first check
    # imports kombu and opens an AMQP connection, which outlasted the 2 s default in one CI run.
    importlib.import_module("kombu")
    health = {"timeout": 10}
    for url, expected in ((good, "ok"), (bad, "failed")):
        with override_settings(**{**PROJECT, "DJANGO_PLATFORM_HEALTH": health, "CELERY_BROKER_URL": url}):
            response = get("/readyz", "127.0.0.1")
        checks = response.json()["checks"]
        assert checks["broker"].startswith(expected)
        assert PASSWORD[:8] not in response.content.decode()


def test_wrong_amqp_password_fails_without_saying_it(real_connections: None) -> None:
    pytest.importorskip("kombu")
    if not port_open("127.0.0.1", 5672):
        unavailable("RabbitMQ is not listening on 127.0.0.1:5672")
    with override_settings(**{**PROJECT, "CELERY_BROKER_URL": f"amqp://guest:{PASSWORD[:8]}@127.0.0.1:5672//"}):
        response = get("/readyz", "127.0.0.1")
    assert response.status_code == 503 and response.json()["checks"]["broker"].startswith("failed (")
    assert PASSWORD[:8] not in response.content.decode()


def test_planned_checks_follow_the_settings() -> None:
    class Settings:
        DATABASES = {
            "default": {"ENGINE": "django.db.backends.postgresql"},
            "none": {"ENGINE": "django.db.backends.dummy"},
        }
        CACHES = {"default": {"BACKEND": REDIS}}
        STORAGES: dict[str, dict[str, str]] = {"default": {}, "staticfiles": {}}
        CELERY_BROKER_URL = "memory://"  # in-process: nothing to reach

    assert [name for name, _ in planned(Settings, 1.0)] == ["database:default", "cache:default", "storage:default"]
    assert planned(object(), 1.0) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yes", "must be True, False or a dict"),
        ({"liveness": "/x"}, "unknown keys ['liveness']"),
        ({"live": "healthz"}, "['live'] must be a URL path"),
        ({"ready": "/ready z"}, "['ready'] must be a URL path"),
        ({"ready": "/<int:x>"}, "['ready'] must be a URL path"),
        ({"live": "/x", "ready": "/x"}, "must differ"),
        ({"startup": "/readyz"}, "must differ"),
        ({"startup": "startupz"}, "['startup'] must be a URL path"),
        ({"timeout": 0}, "['timeout'] must be a number"),
        ({"timeout": True}, "['timeout'] must be a number"),
        ({"timeout": "2"}, "['timeout'] must be a number"),
    ],
)
def test_a_wrong_setting_is_named_at_settings_import(value: Any, message: str, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_PLATFORM_HEALTH") as info:
        django_platform.configure({"BASE_DIR": tmp_path, "DJANGO_PLATFORM_HEALTH": value}, env={})
    assert message in str(info.value)


@pytest.mark.parametrize("value", ["localhost", [1], {"a": 1}])
def test_a_wrong_hosts_setting_is_named(value: Any, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PLATFORM_HEALTH_HOSTS must be a list of host names"):
        django_platform.configure({"BASE_DIR": tmp_path, "DJANGO_PLATFORM_HEALTH_HOSTS": value}, env={})


def test_configure_puts_the_middleware_first_once_with_the_probe_hosts(tmp_path: Path) -> None:
    env = {"RAILWAY_PROJECT_ID": "p", "RAILWAY_ENVIRONMENT_NAME": "production", "DJANGO_SECRET_KEY": "k" * 50}
    ns: dict[str, Any] = {"BASE_DIR": tmp_path, "MIDDLEWARE": [HEALTH, "a.B", HEALTH], "DJANGO_PLATFORM_HEALTH": True}
    report = django_platform.configure(ns, env=env)
    assert ns["MIDDLEWARE"][0] == HEALTH and ns["MIDDLEWARE"].count(HEALTH) == 1
    assert ns["DJANGO_PLATFORM_HEALTH_HOSTS"] == ["healthcheck.railway.app"]
    django_platform.configure(ns, env=env)
    assert ns["MIDDLEWARE"].count(HEALTH) == 1
    entry = next(e for e in report.entries if e.setting == "MIDDLEWARE")
    assert "/healthz (liveness) and /readyz (readiness)" in entry.source and "WhiteNoise" in entry.source
    assert "Railway: set the service's Healthcheck Path (deploy.healthcheckPath in railway.json) to /readyz." in (
        report.notes
    )
    own = django_platform.configure({"BASE_DIR": tmp_path, "DJANGO_PLATFORM_HEALTH_HOSTS": ["probe.internal"]}, env=env)
    assert next(e for e in own.entries if e.setting == "DJANGO_PLATFORM_HEALTH_HOSTS").source == "settings.py"


def test_access_log_leaves_out_successful_probes_only(tmp_path: Path) -> None:
    from gunicorn.config import Config

    from django_platform.deploy.gunicorn_log import ProbeQuietLogger

    log = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log))
    logger = ProbeQuietLogger(config)

    class Response:
        def __init__(self, status: int) -> None:
            self.status_code, self.status, self.sent = status, f"{status} X", 0
            self.headers: list[tuple[str, str]] = []

    class Request:
        headers: list[tuple[str, str]] = []

    def access(path: str, status: int, probe: bool) -> None:
        environ: dict[str, Any] = {
            "PATH_INFO": path,
            "RAW_URI": path,
            "REQUEST_METHOD": "GET",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if probe:
            environ[MARK] = True
        logger.access(Response(status), Request(), environ, __import__("datetime").timedelta(seconds=0.01))

    access("/readyz", 200, probe=True)
    access("/readyz", 503, probe=True)
    access("/healthz", 200, probe=False)  # a path that merely looks like one, not answered by us
    for handler in logger.access_log.handlers:
        handler.flush()
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and "503" in lines[0] and "/healthz" in lines[1]


def health_findings(platform: str, env: dict[str, str], **settings_: Any) -> list[str]:
    from django_platform.checks import judging
    from django_platform.checks.health import check_health_path
    from django_platform.platforms import get_platform
    from django_platform.report import Report

    report = Report(platform, "test")
    report.environment = env
    with override_settings(DJANGO_PLATFORM_REPORT=report, **settings_), judging(get_platform(platform)):
        return [str(m.id) for m in check_health_path()]


@pytest.mark.parametrize(
    "platform", ["render", "fly", "railway", "digitalocean", "koyeb", "clevercloud", "northflank", "coolify"]
)
def test_w013_where_the_platform_gates_releases_on_a_health_check(platform: str) -> None:
    assert health_findings(platform, {}, MIDDLEWARE=SECURE) == ["django_platform.W013"]
    assert health_findings(platform, {}, MIDDLEWARE=SECURE[1:], DJANGO_PLATFORM_HEALTH=True) == [
        "django_platform.W013"  # enabled, but nothing answers: the middleware was taken out
    ]
    env = {"CC_HEALTH_CHECK_PATH": "/readyz"}
    assert health_findings(platform, env, MIDDLEWARE=SECURE, DJANGO_PLATFORM_HEALTH=True) == []
    assert health_findings(platform, env, MIDDLEWARE=SECURE[1:], ROOT_URLCONF="tests.urls_health") == []


@pytest.mark.parametrize("platform", ["heroku", "scalingo", "upsun", "cloudcontrol", "qoddi", "local"])
def test_no_w013_where_there_is_no_http_health_check(platform: str) -> None:
    assert health_findings(platform, {}, MIDDLEWARE=SECURE) == []


@pytest.mark.parametrize(("value", "found"), [(None, True), ("/", True), ("/healthz", False), ("/readyz", False)])
def test_w014_clever_cloud_health_path_variable(value: str | None, found: bool) -> None:
    env = {} if value is None else {"CC_HEALTH_CHECK_PATH": value}
    expected = ["django_platform.W014"] if found else []
    assert health_findings("clevercloud", env, MIDDLEWARE=SECURE, DJANGO_PLATFORM_HEALTH=True) == expected


class ForgettingCache(LocMemCache):
    """A cache that answers but keeps nothing: a full or misconfigured one."""

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return default


def test_a_cache_that_keeps_nothing_fails_readiness(real_connections: None) -> None:
    caches = {"default": {"BACKEND": "tests.test_health.ForgettingCache"}}
    with override_settings(**{**PROJECT, "CACHES": caches}):
        response = get("/readyz", "127.0.0.1")
    assert response.status_code == 503 and response.json()["checks"]["cache:default"] == "failed (LookupError)"


def test_no_broker_check_without_kombu(monkeypatch: pytest.MonkeyPatch) -> None:
    class Settings:
        CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"

    monkeypatch.setitem(sys.modules, "kombu", None)  # import kombu raises ImportError
    assert planned(Settings, 1.0) == []


def test_the_urls_opt_in_is_looked_up_once_per_path(real_connections: None) -> None:
    from django.test import RequestFactory

    from django_platform.health.middleware import HealthMiddleware

    settings_ = {**PROJECT, "DJANGO_PLATFORM_HEALTH": None, "ROOT_URLCONF": "tests.urls_health"}
    with override_settings(**settings_):
        middleware = HealthMiddleware(lambda request: pytest.fail("passed on"))
        for _ in range(2):
            assert middleware(RequestFactory().get("/healthz", HTTP_HOST="10.0.0.2")).status_code == 200
        assert middleware._routed == {"/healthz": True}


def test_the_release_in_both_bodies_only_when_asked(real_connections: None) -> None:
    from django_platform.report import Report

    report = Report("render", "test")
    report.release = "3f2c1d0"
    with override_settings(**{**PROJECT, "DJANGO_PLATFORM_REPORT": report}):
        assert "release" not in get("/healthz", "127.0.0.1").json()
    asked = {**PROJECT, "DJANGO_PLATFORM_REPORT": report, "DJANGO_PLATFORM_HEALTH": {"release": True}}
    with override_settings(**asked):
        assert get("/healthz", "127.0.0.1").json() == {"status": "ok", "release": "3f2c1d0"}
        assert get("/readyz", "127.0.0.1").json()["release"] == "3f2c1d0"
    with pytest.raises(ImproperlyConfigured, match=r"\['release'\] must be True or False"):
        django_platform.configure({"DJANGO_PLATFORM_HEALTH": {"release": "yes"}}, env={})


def test_the_startup_path_is_opt_in() -> None:
    from django_platform.health import parse

    assert parse(True).startup is None and parse({}).startup is None
    assert parse({"startup": True}).startup == "/startupz"
    assert parse({"startup": "/-/started"}).paths() == ["/healthz", "/readyz", "/-/started"]


def test_the_startup_path_answers_from_the_migrations(real_connections: None) -> None:
    """In-process: the probe thread's own connection to the in-memory test database sees no
    migration applied (the real databases: tests/test_migration_safety.py)."""
    import importlib as _importlib

    from django_platform.health import probes
    from django_platform.health import urls as health_urls

    probes._migrated.clear()
    probes._asked.clear()
    with override_settings(**{**PROJECT, "DJANGO_PLATFORM_HEALTH": {"startup": True}}):
        first = get("/startupz", "127.0.0.1")
        assert first.status_code == 503 and first.json()["status"] == "migrating"
        assert get("/startupz", "127.0.0.1").json() == first.json()  # asked again within a second: cached
        assert [p.name for p in _importlib.reload(health_urls).urlpatterns][-1] == "platform-health-startup"
    probes._migrated.add("default")  # a yes is remembered
    try:
        with override_settings(**{**PROJECT, "DJANGO_PLATFORM_HEALTH": {"startup": True}}):
            assert get("/startupz", "127.0.0.1").json() == {"status": "ok"}
    finally:
        probes._migrated.clear()
        probes._asked.clear()
        _importlib.reload(health_urls)


def test_a_yes_from_the_migrations_is_remembered(real_connections: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.health import probes

    class Migrated:
        """A database with every migration applied (the real ones: tests/test_migration_safety.py)."""

        def __init__(self, connection: Any) -> None:
            self.loader = type("Loader", (), {"graph": type("Graph", (), {"leaf_nodes": lambda self: []})()})()

        def migration_plan(self, targets: Any) -> list[Any]:
            return []

    probes._migrated.clear()
    probes._asked.clear()
    monkeypatch.setattr(probes, "MigrationExecutor", Migrated)
    try:
        assert probes.pending_migrations(2.0) == {}
        assert "default" in probes._migrated
    finally:
        probes._migrated.clear()


def test_under_asgi_the_probes_answer_without_a_sync_hop_for_other_requests(real_connections: None) -> None:
    import asyncio
    import io

    from asgiref.sync import iscoroutinefunction
    from django.core.handlers.asgi import ASGIRequest
    from django.http import HttpResponse

    from django_platform.health.middleware import HealthMiddleware

    async def passed_on(request: Any) -> Any:
        return HttpResponse("app")

    def request(path: str, host: str) -> ASGIRequest:
        scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"host", host.encode())]}
        return ASGIRequest({**scope, "query_string": b"", "server": ("10.0.3.7", 8000)}, io.BytesIO())

    # An async chain after it: the middleware stays async, so Django adapts nothing around it.
    with override_settings(**PROJECT):
        middleware = HealthMiddleware(passed_on)
        assert iscoroutinefunction(middleware)

        async def answers() -> list[tuple[int, bytes]]:
            found = []
            for path, host in (
                ("/healthz", "10.0.3.7:8000"),
                ("/readyz", "healthcheck.railway.app"),
                ("/healthz", "evil.example"),  # no probe: passed on, validated further down
                ("/notes", "10.0.3.7:8000"),
            ):
                response = await middleware(request(path, host))
                found.append((response.status_code, response.content))
            return found

        found = asyncio.run(answers())
    assert [status for status, _ in found] == [200, 200, 200, 200]
    assert b"ok" in found[0][1] and b"ok" in found[1][1]
    assert found[2][1] == found[3][1] == b"app"
