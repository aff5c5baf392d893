"""The trips Django's ASGI handler makes to a kept thread only to find nothing to do there
(django_platform.asgi_trips), through Django's real handler: skipped where the thread holds nothing
and nothing else needs it, made as Django makes them everywhere else."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import asgiref.sync
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import path

from django_platform import asgi_trips
from django_platform.asgi_threads import Kept, ReusedThreads, supported
from django_platform.asgi_trips import TRIPS, reuse_threads, serve
from tests.services import port_open, unavailable

pytestmark = pytest.mark.skipif(not supported(), reason="asgiref before 3.13: Django's thread per request stands")

WHERE: list[str] = []  # the threads request_finished's project receiver ran on


async def awaiting(request: HttpRequest) -> HttpResponse:
    return HttpResponse("awaited")


def opening(request: HttpRequest) -> HttpResponse:
    """A sync view, in the request's thread, as if it had opened a database connection there."""
    asgi_trips._created()
    return HttpResponse("opened")


async def uploaded(request: HttpRequest) -> HttpResponse:
    upload = request.FILES["f"]
    assert isinstance(upload, UploadedFile)
    return HttpResponse(upload.read())


class Held:
    """Streamed content with a close() (a file's, a generator's): Django's response closes it."""

    def __init__(self) -> None:
        self.parts = [b"held"]

    def __aiter__(self) -> Held:
        return self

    async def __anext__(self) -> bytes:
        if self.parts:
            return self.parts.pop()
        raise StopAsyncIteration

    def close(self) -> None:
        WHERE.append(threading.current_thread().name)


async def holding(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(Held())


urlpatterns = [path("async", awaiting), path("opens", opening), path("upload", uploaded), path("holding", holding)]
URLS = {"ROOT_URLCONF": __name__, "ALLOWED_HOSTS": ["*"], "MIDDLEWARE": []}


@pytest.fixture(autouse=True)
def _urls() -> Iterator[None]:
    with override_settings(**URLS):
        yield


async def call(app: Any, where: str, body: bytes = b"", headers: Mapping[str, str] = {}) -> tuple[int, bytes]:
    sent: list[Mapping[str, Any]] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Mapping[str, Any]:
        if incoming:
            return incoming.pop()
        await asyncio.Event().wait()  # the client stays until the response
        return {}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)

    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    method = "POST" if body else "GET"
    scope = {"type": "http", "method": method, "path": where, "query_string": b"", "headers": raw}
    await app({**scope, "server": ("testserver", 80)}, receive, send)
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


def trips(app: Any, *requests: str | tuple[str, bytes, Mapping[str, str]]) -> list[int]:
    """The trips to a thread (asgiref's sync_to_async calls) each request makes, in one event loop."""
    original = asgiref.sync.SyncToAsync.__call__
    made: list[int] = []

    async def counted(this: Any, *args: Any, **kwargs: Any) -> Any:
        made[-1] += 1
        return await original(this, *args, **kwargs)

    async def each() -> None:
        for one in requests:
            made.append(0)
            where, body, headers = (one, b"", {}) if isinstance(one, str) else one
            assert (await call(app, where, body, headers))[0] == 200

    asgiref.sync.SyncToAsync.__call__ = counted  # type: ignore[method-assign,assignment]
    try:
        asyncio.run(each())
    finally:
        asgiref.sync.SyncToAsync.__call__ = original  # type: ignore[method-assign]
    return made


def django_app() -> Any:
    from django.core.handlers.asgi import ASGIHandler

    return ASGIHandler()


def test_reuse_threads_serves_unless_switched_off_or_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        return None

    assert isinstance(reuse_threads(inner, {}), ReusedThreads)
    assert TRIPS.taken and TRIPS.close_on_loop  # installed for the serving process
    assert reuse_threads(inner, {"DJANGO_PLATFORM_REUSE_THREADS": "false"}) is inner
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PLATFORM_REUSE_THREADS"):
        reuse_threads(inner, {"DJANGO_PLATFORM_REUSE_THREADS": "sometimes"})
    monkeypatch.setattr(asgi_trips, "supported", lambda: False)
    assert reuse_threads(inner, {}) is inner


def test_an_async_views_request_makes_no_trip() -> None:
    """Django's handler takes the request to its thread for request_started's receivers and for
    response.close(); served by serve() on a kept thread that holds nothing, neither: no trip."""
    from django.core import signals
    from django.core.handlers import asgi
    from django.db import close_old_connections, reset_queries

    before = (list(signals.request_started.receivers), list(signals.request_finished.receivers))
    assert trips(django_app(), "/async", "/async") == [2, 2]  # Django's own
    assert trips(ReusedThreads(django_app()), "/async", "/async") == [2, 2]  # threads kept alone
    app = serve(django_app())
    assert TRIPS.taken == [reset_queries, close_old_connections]
    assert trips(app, "/async", "/async", "/async") == [0, 0, 0]
    assert asyncio.run(call(app, "/async")) == (200, b"awaited")
    # Django's handler alone in the same process: not on a kept thread, so both trips as Django makes them.
    assert trips(django_app(), "/async") == [2]
    TRIPS.uninstall()
    assert (list(signals.request_started.receivers), list(signals.request_finished.receivers)) == before
    assert asgi.__dict__["sync_to_async"] is asgiref.sync.sync_to_async and TRIPS.taken == []


def test_where_the_thread_may_hold_a_connection_djangos_trips_stand(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that opened a connection on its thread closes its response there (request_finished
    closes the connection there); the next request's request_started receivers run there too, in
    Django's order, while the thread still holds one."""
    called: list[str] = []
    app = serve(django_app())
    monkeypatch.setattr(
        TRIPS, "_call", lambda named: called.append(f"{named['sender'].__name__} {threading.current_thread().name}")
    )
    monkeypatch.setattr(asgi_trips, "_holds_connections", lambda: True)  # as with CONN_MAX_AGE above 0
    # The sync view's trip, then close() in the thread; then request_started's trip and close()'s.
    assert trips(app, "/opens", "/async", "/async") == [2, 2, 2]
    assert called == ["ASGIHandler django-request_0"] * 2
    monkeypatch.setattr(asgi_trips, "_holds_connections", lambda: False)  # closed at the request's end
    assert trips(app, "/async", "/async") == [2, 0]
    assert len(called) == 3


def test_a_response_holding_something_to_close_is_closed_in_the_thread() -> None:
    app = serve(django_app())
    WHERE.clear()
    assert trips(app, "/holding", "/async") == [1, 0]
    assert WHERE == ["django-request_0"]  # closed in the request's thread, as Django closes it


def test_uploaded_files_are_closed_in_the_thread() -> None:
    """Closing an uploaded file may delete it from the disk: the request's close() keeps its trip."""
    app = serve(django_app())
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nfile body\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}", "content-length": str(len(body))}
    assert trips(app, ("/upload", body, headers), "/async") == [1, 0]
    assert asyncio.run(call(app, "/upload", body, headers)) == (200, b"file body")


def test_a_projects_request_finished_receiver_keeps_the_trip() -> None:
    """Django calls request_finished's receivers in the request's thread: a project's (sync, maybe
    querying the database) or an async one still get the trip and run there."""
    from django.core import signals

    def receiver(**kwargs: Any) -> None:
        WHERE.append(threading.current_thread().name)

    async def async_receiver(**kwargs: Any) -> None:
        WHERE.append("async")

    app = serve(django_app())
    WHERE.clear()
    for connected in (receiver, async_receiver):
        signals.request_finished.connect(connected)
        try:
            assert trips(app, "/async") == [1]
        finally:
            signals.request_finished.disconnect(connected)
    assert WHERE == ["django-request_0", "async"]
    assert trips(app, "/async") == [0]


def test_a_cache_that_closes_a_socket_keeps_the_trip() -> None:
    """close_caches closes the caches the request's context opened: memcached's client closes its
    sockets there (the thread's work, as Django has it); locmem's close does nothing."""
    from django.core.cache import caches

    memcached = {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": "127.0.0.1:9"}
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES={"default": locmem, "mc": memcached}):
        caches["default"].get("nothing")
        assert asgi_trips._caches_close_nothing()
        caches["mc"]  # opened in this context (pymemcache connects at the first command)
        assert not asgi_trips._caches_close_nothing()
        caches.close_all()


def test_a_handler_name_already_rebound_is_left_alone() -> None:
    """Where something else has replaced Django's handler's sync_to_async, response.close() keeps
    its trip (request_started's receivers are still spared)."""
    from django.core.handlers import asgi

    def theirs(*args: Any, **kwargs: Any) -> Any:
        return asgiref.sync.sync_to_async(*args, **kwargs)

    asgi.sync_to_async = theirs  # type: ignore[attr-defined]
    try:
        app = serve(django_app())
        assert not TRIPS.close_on_loop
        assert trips(app, "/async") == [1]
        TRIPS.uninstall()
        assert asgi.__dict__["sync_to_async"] is theirs
    finally:
        asgi.sync_to_async = asgiref.sync.sync_to_async  # type: ignore[attr-defined]


def test_other_calls_get_asgirefs_own() -> None:
    def work(x: int) -> int:
        return x

    assert isinstance(TRIPS.to_thread(work), asgiref.sync.SyncToAsync)
    assert isinstance(TRIPS.to_thread(work, thread_sensitive=False), asgiref.sync.SyncToAsync)
    assert asyncio.run(TRIPS.to_thread(work)(3)) == 3


def test_a_connection_opened_after_request_finished_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """connection_created on a kept thread marks it as holding one, whatever ran before."""
    kept = Kept()
    try:
        assert kept.clean
        kept.executor.submit(asgi_trips._created).result()
        assert not kept.clean and kept.opened
        monkeypatch.setattr(asgi_trips, "_holds_connections", lambda: False)
        kept.executor.submit(asgi_trips._finished).result()
        assert kept.clean
        asgi_trips._created()  # on a thread that is not a kept one: nothing to mark
        asgi_trips._finished()
        assert kept.clean
    finally:
        kept.executor.shutdown()


def test_receivers_a_project_disconnected_stay_disconnected() -> None:
    from django.core import signals
    from django.db import close_old_connections, reset_queries

    signals.request_started.disconnect(reset_queries)
    try:
        TRIPS.install()
        assert TRIPS.taken == [close_old_connections]
        TRIPS.install()  # once only
        assert TRIPS.taken == [close_old_connections]
        TRIPS.uninstall()
        signals.request_started.disconnect(close_old_connections)
        TRIPS.install()  # nothing of Django's left to take: nothing replaced
        assert TRIPS.taken == [] and not signals.request_started.receivers and not TRIPS.close_on_loop
    finally:
        TRIPS.uninstall()
        signals.request_started.connect(reset_queries)
        signals.request_started.connect(close_old_connections)


@pytest.mark.slow
def test_on_postgresql_the_receivers_still_do_their_work(tmp_path: Path) -> None:
    """Real PostgreSQL, served by serve(): a persistent connection (CONN_MAX_AGE=1) left on a kept
    thread is closed by the next request's close_old_connections once obsolete, and DEBUG's query
    log is emptied by reset_queries even where the connection was closed, as Django does; with
    CONN_MAX_AGE=0, every request's connection closed at its end and none left on the server."""
    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL is not listening on 127.0.0.1:5432")
    script = textwrap.dedent(
        """
        import asyncio, time
        import django
        from django.conf import settings
        from django.http import HttpResponse
        from django.urls import path

        def view(request):
            from django.db import connection
            found = f"{connection.connection is not None}/{len(connection.queries)}"
            if request.GET.get("query"):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            if request.GET.get("close"):
                connection.close()
            return HttpResponse(found)

        async def awaiting(request):
            return HttpResponse("awaited")

        urlpatterns = [path("view", view), path("async", awaiting)]
        settings.configure(
            ROOT_URLCONF="__main__", ALLOWED_HOSTS=["*"], MIDDLEWARE=[],
            DATABASES={"default": {
                "ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5432",
                "USER": "postgres", "NAME": "test", "CONN_MAX_AGE": 1,
                "OPTIONS": {"application_name": "djp_asgi_trips"},
            }},
        )
        django.setup()
        import psycopg
        from django.core.handlers.asgi import ASGIHandler
        from django.db import connection
        from django_platform.asgi_trips import serve

        app = serve(ASGIHandler())

        async def get(where, query=b""):
            sent = []
            body = [{"type": "http.request", "body": b"", "more_body": False}]

            async def receive():
                return body.pop() if body else await asyncio.Event().wait()

            async def send(message):
                sent.append(message)

            scope = {"type": "http", "method": "GET", "path": where, "query_string": query, "headers": []}
            await app({**scope, "server": ("testserver", 80)}, receive, send)
            return sent[1]["body"].decode()

        def ours():
            with psycopg.connect("host=127.0.0.1 user=postgres dbname=test") as conn:
                return str(conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'djp_asgi_trips'"
                ).fetchone()[0])

        async def main():
            seen = [await get("/view", b"query=1")]  # opens the connection, kept (CONN_MAX_AGE=1)
            seen.append(await get("/async"))  # the thread holds it: both trips, nothing closed yet
            seen.append(ours())
            seen.append(await get("/view"))  # still young: still open when the next request starts
            await asyncio.sleep(1.2)
            seen.append(await get("/view"))  # obsolete by then: request_started closed it
            seen.append(ours())
            settings.DEBUG = True
            seen.append(await get("/view", b"query=1&close=1"))  # the connection closed, its log kept
            seen.append(await get("/view"))  # the log of the request before, emptied
            settings.DEBUG = False
            connection.settings_dict["CONN_MAX_AGE"] = 0
            app.idle[0].executor.submit(lambda: connection.settings_dict.update(CONN_MAX_AGE=0)).result()
            seen.append(await get("/view", b"query=1"))  # closed at the request's end, in the thread
            seen.append(await get("/async"))  # nothing held: no trip, nothing left open
            seen.append(app.idle[0].executor.submit(lambda: str(connection.connection is not None)).result())
            seen.append(ours())
            return seen

        print(" ".join(asyncio.run(main())), len(app.idle))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={"PYTHONPATH": "."}
    )
    assert done.returncode == 0, done.stderr[-3000:]
    expected = ["False/0", "awaited", "1", "True/0", "False/0", "0", "False/0", "False/0"]
    expected += ["False/0", "awaited", "False", "0", "1"]
    assert done.stdout.split() == expected, done.stdout
