"""Each ASGI request's sync code on a thread kept from earlier requests (django_platform.asgi_threads),
through Django's real ASGI handler: one request at a time per thread, every sync call of a request
on its one thread, the database connection closed at the request's end as Django closes it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path

from django_platform.asgi_threads import ReusedThreads, supported
from tests.services import port_open, unavailable

pytestmark = pytest.mark.skipif(not supported(), reason="asgiref before 3.13: Django's thread per request stands")

SEEN: list[tuple[str, int]] = []  # (where, thread) as the sync code of the requests saw it


def blocking(request: HttpRequest) -> HttpResponse:
    SEEN.append(("view", threading.get_ident()))
    threading.Event().wait(float(request.GET.get("s", "0")))
    return HttpResponse("done")


class Recording:
    """A sync-only middleware: Django runs it in the request's thread-sensitive thread."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        SEEN.append(("middleware", threading.get_ident()))
        return self.get_response(request)


def naming(request: HttpRequest) -> HttpResponse:
    NAMES.append(threading.current_thread().name)
    return HttpResponse("named")


async def awaiting(request: HttpRequest) -> HttpResponse:
    return HttpResponse("awaited")


NAMES: list[str] = []
urlpatterns = [path("block", blocking), path("name", naming), path("async", awaiting)]
URLS = {"ROOT_URLCONF": __name__, "ALLOWED_HOSTS": ["*"], "MIDDLEWARE": [f"{__name__}.Recording"]}


async def request(app: Any, query: bytes = b"", where: str = "/block") -> int:
    """One GET through `app`; its status."""
    sent: list[Mapping[str, Any]] = []
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Mapping[str, Any]:
        if body:
            return body.pop()
        await asyncio.Event().wait()  # the client stays until the response
        return {}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": where, "query_string": query, "headers": []}
    await app({**scope, "server": ("testserver", 80)}, receive, send)
    return int(sent[0]["status"])


def django_app() -> Any:
    from django.core.handlers.asgi import ASGIHandler

    return ASGIHandler()


@pytest.fixture(autouse=True)
def _seen() -> None:
    SEEN.clear()


@override_settings(**URLS)
def test_requests_one_after_another_run_on_one_kept_thread() -> None:
    app = ReusedThreads(django_app())

    async def three() -> list[int]:
        return [await request(app) for _ in range(3)]

    assert asyncio.run(three()) == [200, 200, 200]
    assert len({thread for _, thread in SEEN}) == 1, SEEN  # the middleware and the view, every request
    assert len(app.idle) == 1


@override_settings(**URLS)
def test_without_it_django_starts_a_thread_per_request() -> None:
    """The cost the wrapper removes: Django's handler alone runs each request on a new executor's
    thread (ThreadPoolExecutor names each executor's threads with its own number)."""

    async def three(app: Any) -> list[int]:
        return [await request(app, where="/name") for _ in range(3)]

    NAMES.clear()
    assert asyncio.run(three(django_app())) == [200, 200, 200]
    assert len(set(NAMES)) == 3, NAMES
    NAMES.clear()
    assert asyncio.run(three(ReusedThreads(django_app()))) == [200, 200, 200]
    assert len(set(NAMES)) == 1 and NAMES[0].startswith("django-request"), NAMES


@override_settings(**URLS)
def test_concurrent_requests_never_share_a_thread() -> None:
    app = ReusedThreads(django_app())

    async def together(count: int) -> list[int]:
        return list(await asyncio.gather(*(request(app, b"s=0.2") for _ in range(count))))

    assert asyncio.run(together(6)) == [200] * 6
    views = [thread for where, thread in SEEN if where == "view"]
    assert len(set(views)) == 6  # six requests blocked at once, each on its own thread
    for thread in views:  # and each request's middleware ran on its view's thread
        assert SEEN.count(("middleware", thread)) == 1
    assert len(app.idle) == 6
    SEEN.clear()
    assert asyncio.run(together(6)) == [200] * 6  # the next burst takes the kept threads
    assert {thread for _, thread in SEEN} == set(views)


@override_settings(**URLS)
def test_idle_threads_are_capped() -> None:
    app = ReusedThreads(django_app(), max_idle=2)

    async def together() -> list[int]:
        return list(await asyncio.gather(*(request(app, b"s=0.1") for _ in range(4))))

    assert asyncio.run(together()) == [200] * 4
    assert len(app.idle) == 2


def test_a_failed_request_does_not_return_its_thread() -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("the application failed")

    app = ReusedThreads(failing)
    with pytest.raises(RuntimeError, match="the application failed"):
        asyncio.run(app({"type": "http"}, None, None))
    assert app.idle == []


def test_other_scopes_pass_through() -> None:
    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        from asgiref.sync import SyncToAsync

        seen.append((scope["type"], SyncToAsync.thread_sensitive_context.get(None)))

    app = ReusedThreads(inner)
    for kind in ("lifespan", "websocket"):
        asyncio.run(app({"type": kind}, None, None))
    assert seen == [("lifespan", None), ("websocket", None)]  # no context: a websocket is not a request
    assert app.idle == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "wrap",
    ["django_platform.asgi_threads import ReusedThreads as wrap", "django_platform.asgi_trips import serve as wrap"],
)
def test_the_request_database_connection_is_closed_on_the_kept_thread(wrap: str) -> None:
    """Real PostgreSQL, CONN_MAX_AGE=0 as under ASGI: after each request, the kept thread holds no
    open connection and the server holds none of ours (request_finished closed it there), kept
    threads alone and as a worker serves them (asgi_trips: the request opened one, so its response
    is closed in the thread)."""
    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL is not listening on 127.0.0.1:5432")
    script = textwrap.dedent(
        """
        import asyncio
        import django
        from django.conf import settings
        from django.http import HttpResponse
        from django.urls import path

        def view(request):
            from django.db import connection
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return HttpResponse("queried")

        urlpatterns = [path("block", view)]
        settings.configure(
            ROOT_URLCONF="__main__", ALLOWED_HOSTS=["*"], MIDDLEWARE=[],
            DATABASES={"default": {
                "ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5432",
                "USER": "postgres", "NAME": "test", "CONN_MAX_AGE": 0,
                "OPTIONS": {"application_name": "djp_reused_threads"},
            }},
        )
        django.setup()
        import psycopg
        from django.core.handlers.asgi import ASGIHandler
        from django.db import connection
        from WRAP
        from tests.test_asgi_threads import request

        app = wrap(ASGIHandler())

        async def main():
            seen = []
            for _ in range(3):
                seen.append(await request(app))
                seen.append(app.idle[0].executor.submit(lambda: connection.connection is not None).result())
            return seen

        seen = asyncio.run(main())
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test") as conn:
            ours = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'djp_reused_threads'"
            ).fetchone()[0]
        print(seen, ours, len(app.idle))
        """
    ).replace("WRAP", wrap)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={"PYTHONPATH": "."}
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # Each request answered, its thread left without an open connection; none left on the server;
    # the three requests took one kept thread.
    assert done.stdout.split() == ["[200,", "False,", "200,", "False,", "200,", "False]", "0", "1"], done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("reuse", ["", "false"])
def test_the_generated_gunicorn_config_serves_it(tmp_path: Path, reuse: str) -> None:
    """A real gunicorn with the generated config and uvicorn-worker: a sync view's requests run on one
    kept thread; with DJANGO_PLATFORM_REUSE_THREADS=false, each on a new one (Django's default)."""
    import os
    import time
    import urllib.request

    from tests.e2e_support import BIN
    from tests.services import free_port

    (tmp_path / "gunicorn.conf.py").write_text("from django_platform.gunicorn_conf import apply\napply(globals())\n")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"], "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PORT": str(port),
        "WEB_CONCURRENCY": "1", "DJANGO_PLATFORM_SERVER": "asgi", "DJANGO_PLATFORM_REUSE_THREADS": reuse,
        "GUNICORN_ACCESSLOG": "off",
    }  # fmt: skip
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(tmp_path / "gunicorn.conf.py"), "tests.asgi_threads_app:application"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    names: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while len(names) < 4 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/name", timeout=5) as response:
                    names.append(response.read().decode())
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert len(names) == 4, output[-2000:]
    if reuse:
        assert len(set(names)) == 4 and not any(n.startswith("django-request") for n in names), names
    else:
        assert set(names) == {"django-request_0"}, names


@pytest.mark.slow
def test_under_asgi_mariadb_requests_wait_for_the_pool_on_kept_threads(mariadb_limited: str) -> None:
    """Real MariaDB, a user allowed 6 connections, the settings configure() makes under ASGI
    (django-db-connection-pool, 4 a process): 24 concurrent requests through Django's ASGI handler
    and kept threads all get their answer, the server never counting more than 4 connections of
    ours, and each thread returns its connection as the request ends (none checked out after)."""
    script = textwrap.dedent(
        """
        import asyncio, json, sys
        import django
        import django_platform
        from django.conf import settings
        from django.http import HttpResponse
        from django.urls import path

        def view(request):
            from django.db import connection
            with connection.cursor() as cursor:
                cursor.execute("SELECT SLEEP(0.05)")
                cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'djp_pool'")
                return HttpResponse(str(cursor.fetchone()[0]))

        urlpatterns = [path("block", view)]
        ns = {"ROOT_URLCONF": "__main__", "MIDDLEWARE": [], "INSTALLED_APPS": []}
        django_platform.configure(ns, env={
            "DJANGO_PLATFORM": "qoddi", "DJANGO_PLATFORM_SERVER": "asgi", "DATABASE_URL": sys.argv[1],
            "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "testserver",
        })
        settings.configure(**{k: v for k, v in ns.items() if k.isupper() and k != "DJANGO_PLATFORM_REPORT"})
        django.setup()
        from dj_db_conn_pool.core import pool_container
        from django.core.handlers.asgi import ASGIHandler
        from django_platform.asgi_threads import ReusedThreads

        app = ReusedThreads(ASGIHandler())

        async def one():
            sent, body = [], [{"type": "http.request", "body": b"", "more_body": False}]
            async def receive():
                if body:
                    return body.pop()
                await asyncio.Event().wait()  # the client stays until the response
            async def send(message):
                sent.append(message)
            scope = {"type": "http", "method": "GET", "path": "/block", "query_string": b"", "headers": [],
                     "server": ("testserver", 80)}
            await app(scope, receive, send)
            return sent[0]["status"], int(sent[1]["body"] or b"0")

        async def main():
            return await asyncio.gather(*(one() for _ in range(24)))

        answers = asyncio.run(main())
        pool = pool_container.get("default")
        print(json.dumps({
            "engine": settings.DATABASES["default"]["ENGINE"],
            "statuses": sorted({status for status, _ in answers}),
            "peak": max(count for _, count in answers),
            "checked_out": pool.checkedout(),
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, mariadb_limited],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": "."},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["engine"] == "dj_db_conn_pool.backends.mysql"
    assert found["statuses"] == [200]
    assert 1 <= found["peak"] <= 4, found
    assert found["checked_out"] == 0, found  # request_finished closed each, back to the pool
