"""The trips to a request's thread that Django's ASGI handler makes only to find nothing to do there.

Served on kept threads (django_platform.asgi_threads), Django's handler still takes every request to
its thread and back twice: to call request_started's receivers (`asend`), and to call
`response.close()`, which closes the request and sends request_finished. Django's own receivers of
both signals (reset_queries, close_old_connections) act on the database connections and query logs
of the thread they run in; a kept thread that holds none gives them nothing to do. Each kept thread
records what it holds at the end of each request (request_finished, connection_created), and
`serve()` has a worker's process:

- call the request_started receivers in the request's thread only where it may hold something;
- close the response on the event loop where nothing else needs the thread: the thread was clean
  when the request began and no connection was opened there since, the response holds nothing to
  close but the request (no uploaded file), request_finished has no receiver but Django's own
  (close_old_connections, close_caches, reset_urlconf) and ours (a project's receiver keeps the
  trip, as Django makes it), and no cache opened in the request's context closes a socket.

Django's handler calls `sync_to_async(response.close)()`; the only way in is the name
`sync_to_async` in django.core.handlers.asgi, which `serve()` rebinds for the worker's process to a
function that gives every other call asgiref's own (checked at install: the name must still be
asgiref's). tests/test_asgi_trips.py holds each case to Django's own answers and trips.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async

from django_platform.asgi_threads import ASGIApp, Request, ReusedThreads, current, supported, this_thread
from django_platform.parsers.serving import reuse_threads as wanted


def _holds_connections() -> bool:
    # Local: django.db is Django's to load with the settings, not at this module's import.
    from django.db import connections

    return any(c.connection is not None or c.queries_log for c in connections.all(initialized_only=True))


def _finished(**kwargs: Any) -> None:
    """request_finished, after Django's close_old_connections: what the request left on its thread."""
    kept = this_thread()
    if kept is not None:
        kept.clean = not _holds_connections()


def _created(**kwargs: Any) -> None:
    """connection_created, in the thread that opened it (a receiver after _finished may open one)."""
    kept = this_thread()
    if kept is not None:
        kept.clean, kept.opened = False, True


def _request_only(response: Any) -> bool:
    """The response holds nothing to close but its request (Django adds `request.close`), and the
    request no uploaded file (closing one may delete it from the disk)."""
    # Local: django.http comes with Django's settings.
    from django.http import HttpRequest

    for closer in response._resource_closers:
        request = getattr(closer, "__self__", None)
        if not isinstance(request, HttpRequest) or getattr(closer, "__name__", "") != "close":
            return False
        if request.__dict__.get("_files"):
            return False
    return True


def _caches_close_nothing() -> bool:
    """Every cache this context opened closes with BaseCache's no-op (Django's locmem, Redis,
    database and file caches do; memcached's and django-redis' close sockets: the thread's work)."""
    # Local: as _request_only().
    from django.core.cache import caches
    from django.core.cache.backends.base import BaseCache

    return all(type(cache).close is BaseCache.close for cache in caches.all(initialized_only=True))


class Trips:
    """Django's request_started receivers replaced by one async receiver, and response.close()
    kept on the event loop where it has nothing for the thread; installed for a worker's process."""

    def __init__(self) -> None:
        self.taken: list[Callable[..., Any]] = []  # Django's request_started receivers, in its order
        self.close_on_loop = False

    def install(self) -> None:
        # Local: the signals, the receivers and the handler come with Django's settings.
        from django.core import signals
        from django.core.handlers import asgi
        from django.db import close_old_connections, reset_queries
        from django.db.backends.signals import connection_created

        if self.taken:
            return
        # Only those still connected (a project may have disconnected one).
        self.taken = [r for r in (reset_queries, close_old_connections) if signals.request_started.disconnect(r)]
        if not self.taken:
            return
        signals.request_started.connect(self.started, weak=False)
        signals.request_finished.connect(_finished, weak=False)
        connection_created.connect(_created, weak=False)
        self.close_on_loop = getattr(asgi, "sync_to_async", None) is sync_to_async
        if self.close_on_loop:
            asgi.sync_to_async = self.to_thread  # type: ignore[attr-defined]

    def uninstall(self) -> None:
        # Local: as in install().
        from django.core import signals
        from django.core.handlers import asgi
        from django.db.backends.signals import connection_created

        if not self.taken:
            return
        if self.close_on_loop:
            asgi.sync_to_async = sync_to_async  # type: ignore[attr-defined]
            self.close_on_loop = False
        signals.request_started.disconnect(self.started)
        signals.request_finished.disconnect(_finished)
        connection_created.disconnect(_created)
        for receiver in self.taken:
            signals.request_started.connect(receiver)
        self.taken = []

    async def started(self, **named: Any) -> None:
        request = current.get()
        if request is None or not request.was_clean:
            await sync_to_async(self._call, thread_sensitive=True)(named)

    def _call(self, named: dict[str, Any]) -> None:
        for receiver in self.taken:
            receiver(**named)

    def to_thread(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """django.core.handlers.asgi's sync_to_async: asgiref's, but for a response's close()."""
        # Local: as in install().
        from django.http import HttpResponseBase

        response = getattr(func, "__self__", None)
        if args or kwargs or not isinstance(response, HttpResponseBase) or getattr(func, "__name__", "") != "close":
            return sync_to_async(func, *args, **kwargs)
        return partial(self._close, func, response)

    async def _close(self, close: Callable[[], None], response: Any) -> None:
        request = current.get()
        if request is not None and self._nothing_for_the_thread(request, response):
            close()  # the request's close() and request_finished's receivers, on the loop
            request.kept.clean = True
            return
        await sync_to_async(close, thread_sensitive=True)()

    def _nothing_for_the_thread(self, request: Request, response: Any) -> bool:
        # Local: as in install().
        from django.core import signals
        from django.core.cache import close_caches
        from django.core.handlers.base import reset_urlconf
        from django.db import close_old_connections

        if not request.was_clean or request.kept.opened or not _request_only(response):
            return False
        # Django's own split of the live receivers (5.0 and later): what send() will call. Its
        # reset_urlconf and close_caches act on the context (the same here), close_old_connections
        # on the thread (which holds nothing).
        receivers, async_receivers = signals.request_finished._live_receivers(response._handler_class)
        ours = (close_old_connections, close_caches, reset_urlconf, _finished)
        return not async_receivers and all(r in ours for r in receivers) and _caches_close_nothing()


TRIPS = Trips()


def serve(app: ASGIApp) -> ReusedThreads:
    """`app` as a serving worker runs it: on kept threads, without the handler's trips that would find
    nothing to do there (installed for the whole process: an ASGI worker's)."""
    TRIPS.install()
    return ReusedThreads(app)


def reuse_threads(app: ASGIApp, env: Mapping[str, str]) -> ASGIApp:
    """`app` served where asgiref supports it and DJANGO_PLATFORM_REUSE_THREADS allows, else `app`."""
    if not wanted(env) or not supported():
        return app
    return serve(app)
