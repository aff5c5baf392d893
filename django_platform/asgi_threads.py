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
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

from django_platform.parsers.serving import reuse_threads as wanted

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

# Idle threads kept between bursts (each waits on a queue: no CPU, a small stack); a burst above it
# starts and ends threads, as Django does for every request.
MAX_IDLE = 256


def supported() -> bool:
    """asgiref 3.13 and later: ThreadSensitiveContext takes the caller's executor."""
    return "executor" in inspect.signature(ThreadSensitiveContext).parameters


class ReusedThreads:
    """ASGI middleware: HTTP requests enter a thread-sensitive context with an executor taken from
    idle ones; other scopes (websocket, lifespan) pass through as they are."""

    def __init__(self, app: ASGIApp, max_idle: int = MAX_IDLE) -> None:
        self.app = app
        self.max_idle = max_idle
        self.idle: list[ThreadPoolExecutor] = []  # used from the worker's event loop only

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        executor = self.idle.pop() if self.idle else ThreadPoolExecutor(1, thread_name_prefix="django-request")
        finished = False
        try:
            async with ThreadSensitiveContext(executor=executor):  # type: ignore[call-arg,unused-ignore]
                await self.app(scope, receive, send)
            # asgiref waits for a sync call to return even when the request is cancelled, so the
            # thread is idle once the application has returned.
            finished = True
        finally:
            if finished and len(self.idle) < self.max_idle:
                self.idle.append(executor)
            else:  # an error: end the thread once it is done, without waiting for it here
                executor.shutdown(wait=False)


def reuse_threads(app: ASGIApp, env: Mapping[str, str]) -> ASGIApp:
    """`app` wrapped where asgiref supports it and DJANGO_PLATFORM_REUSE_THREADS allows, else `app`."""
    if not wanted(env) or not supported():
        return app
    return ReusedThreads(app)
