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

Each kept thread also records whether it holds a database connection or a query log: what
django_platform.asgi_trips reads to spare Django's handler the trips that would find nothing to do.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from asgiref.sync import ThreadSensitiveContext

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # Django's handler takes a dict

# Idle threads kept between bursts (each waits on a queue: no CPU, a small stack); a burst above it
# starts and ends threads, as Django does for every request.
MAX_IDLE = 256


def supported() -> bool:
    """asgiref 3.13 and later: ThreadSensitiveContext takes the caller's executor."""
    return "executor" in inspect.signature(ThreadSensitiveContext).parameters


class Kept:
    """A kept thread's executor; whether the thread is known to hold no database connection nor
    query log (`clean`), and whether one was opened there during the current request (`opened`)."""

    def __init__(self) -> None:
        self.clean = True  # a new thread holds nothing
        self.opened = False
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="django-request", initializer=_bind, initargs=(self,))


class Request:
    """An HTTP request on a kept thread: the thread, and whether it was clean when the request began."""

    __slots__ = ("kept", "was_clean")

    def __init__(self, kept: Kept) -> None:
        self.kept, self.was_clean = kept, kept.clean


_thread = threading.local()  # on a kept thread: .kept, its Kept
# In an HTTP request's context under ReusedThreads: its Request.
current: ContextVar[Request | None] = ContextVar("django_platform_kept_request", default=None)


def _bind(kept: Kept) -> None:
    _thread.kept = kept


def this_thread() -> Kept | None:
    """The Kept of the calling thread, where it is a kept one."""
    return getattr(_thread, "kept", None)


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
        token = current.set(Request(kept))
        kept.clean = kept.opened = False  # until the request's end says otherwise
        finished = False
        try:
            async with ThreadSensitiveContext(executor=kept.executor):  # type: ignore[call-arg,unused-ignore]
                await self.app(scope, receive, send)
            # asgiref waits for a sync call to return even when the request is cancelled, so the
            # thread is idle once the application has returned.
            finished = True
        finally:
            current.reset(token)
            if finished and len(self.idle) < self.max_idle:
                self.idle.append(kept)
            else:  # an error: end the thread once it is done, without waiting for it here
                kept.executor.shutdown(wait=False)
