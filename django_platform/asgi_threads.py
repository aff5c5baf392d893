"""Each HTTP request's sync code on a thread kept from earlier requests, not on a new one.

Django's ASGI handler enters asgiref's ThreadSensitiveContext for each request: the request's sync
code (middleware in sync mode, sync views, the request signals' receivers) runs in a thread started
for that request, and leaving the context starts another to join it. Two threads per request cost
Django's bare handler 40% of its throughput on an awaiting view, the generated settings a tenth
(benchmarks/asgi_handler.py). asgiref 3.13 lets the
caller give the context its executor, and the caller keeps it ("You may use it again for a later
block, for example in a pool", asgiref's README): entered here first, Django's own context is a
no-op. A thread serves one request at a time and then the next, as a gthread worker's threads do
under WSGI; Django's request_finished closes the request's database connections there as under WSGI.

Django's request_started receivers (reset_queries, close_old_connections) cost each request one more
trip to its thread, only to find nothing to do where the thread holds no connection: the thread
says so at the end of each request (request_finished, connection_created), and `serve()` has them
called in the thread only where it may hold one, as Django does (tests/test_asgi_threads.py).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async

from django_platform.parsers.serving import reuse_threads as wanted

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # Django's handler takes a dict

# Idle threads kept between bursts (each waits on a queue: no CPU, a small stack); a burst above it
# starts and ends threads, as Django does for every request.
MAX_IDLE = 256


def supported() -> bool:
    """asgiref 3.13 and later: ThreadSensitiveContext takes the caller's executor."""
    return "executor" in inspect.signature(ThreadSensitiveContext).parameters


class Kept:
    """A kept thread's executor, and whether the thread is known to hold no database connection
    (nor a query log): then Django's request_started receivers have nothing to do there."""

    def __init__(self) -> None:
        self.clean = True  # a new thread holds nothing
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="django-request", initializer=_bind, initargs=(self,))


_thread = threading.local()  # on a kept thread: .kept, its Kept
# In a request's context: whether its kept thread was clean when the request began.
_clean: ContextVar[bool] = ContextVar("django_platform_clean_thread", default=False)


def _bind(kept: Kept) -> None:
    _thread.kept = kept


class ReusedThreads:
    """ASGI middleware: HTTP requests enter a thread-sensitive context with an executor taken from
    idle ones; other scopes (websocket, lifespan) pass through as they are."""

    def __init__(self, app: ASGIApp, max_idle: int = MAX_IDLE) -> None:
        self.app = app
        self.max_idle = max_idle
        self.idle: list[Kept] = []  # used from the worker's event loop only

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kept = self.idle.pop() if self.idle else Kept()
        token = _clean.set(kept.clean)
        kept.clean = False  # until the thread says so at the request's end
        finished = False
        try:
            async with ThreadSensitiveContext(executor=kept.executor):  # type: ignore[call-arg,unused-ignore]
                await self.app(scope, receive, send)
            # asgiref waits for a sync call to return even when the request is cancelled, so the
            # thread is idle once the application has returned.
            finished = True
        finally:
            _clean.reset(token)
            if finished and len(self.idle) < self.max_idle:
                self.idle.append(kept)
            else:  # an error: end the thread once it is done, without waiting for it here
                kept.executor.shutdown(wait=False)


def _holds_connections() -> bool:
    # Local: django.db is Django's to load with the settings, not at this module's import.
    from django.db import connections

    return any(c.connection is not None or c.queries_log for c in connections.all(initialized_only=True))


def _finished(**kwargs: Any) -> None:
    """request_finished, after Django's close_old_connections: what the request left on its thread."""
    kept = getattr(_thread, "kept", None)
    if kept is not None:
        kept.clean = not _holds_connections()


def _created(**kwargs: Any) -> None:
    """connection_created (in the thread that opened it): a receiver after _finished may open one."""
    kept = getattr(_thread, "kept", None)
    if kept is not None:
        kept.clean = False


class StartedReceivers:
    """Django's request_started receivers, replaced by one async receiver that calls them in the
    request's thread (where Django's asend calls them) unless the request's kept thread is clean."""

    def __init__(self) -> None:
        self.taken: list[Callable[..., Any]] = []

    def install(self) -> None:
        # Local: the signals and the receivers come with Django's settings.
        from django.core import signals
        from django.db import close_old_connections, reset_queries
        from django.db.backends.signals import connection_created

        if self.taken:
            return
        # Django's order; only those still connected (a project may have disconnected one).
        self.taken = [r for r in (reset_queries, close_old_connections) if signals.request_started.disconnect(r)]
        if self.taken:
            signals.request_started.connect(self.started, weak=False)
            signals.request_finished.connect(_finished, weak=False)
            connection_created.connect(_created, weak=False)

    def uninstall(self) -> None:
        # Local: as in install().
        from django.core import signals
        from django.db.backends.signals import connection_created

        if not self.taken:
            return
        signals.request_started.disconnect(self.started)
        signals.request_finished.disconnect(_finished)
        connection_created.disconnect(_created)
        for receiver in self.taken:
            signals.request_started.connect(receiver)
        self.taken = []

    async def started(self, **named: Any) -> None:
        if not _clean.get():
            await sync_to_async(self._call, thread_sensitive=True)(named)

    def _call(self, named: dict[str, Any]) -> None:
        for receiver in self.taken:
            receiver(**named)


RECEIVERS = StartedReceivers()


def serve(app: ASGIApp) -> ReusedThreads:
    """`app` as the serving worker runs it: on kept threads, request_started's receivers in the
    thread only where they may have work (installed for the whole process: an ASGI worker's)."""
    RECEIVERS.install()
    return ReusedThreads(app)


def reuse_threads(app: ASGIApp, env: Mapping[str, str]) -> ASGIApp:
    """`app` wrapped where asgiref supports it and DJANGO_PLATFORM_REUSE_THREADS allows, else `app`."""
    if not wanted(env) or not supported():
        return app
    return serve(app)
