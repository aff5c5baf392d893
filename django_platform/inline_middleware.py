"""Under ASGI, the hooks of the middleware Django ships run on the event loop where they do no I/O.

In async mode Django runs each process_request, process_response and process_view of a
MiddlewareMixin middleware in a thread (sync_to_async), a round trip from the event loop per hook;
SyncChainMiddleware makes that one trip for the whole chain, but an async view is then called back
onto the loop from that thread. The hooks of Django's own security, common, clickjacking, auth,
sessions, CSRF and messages middleware read and write the request and the response only, except
where listed here; installed, they run on the event loop, and a hook that would reach the session
store or parse a request body still goes to the request's thread:

- sessions: the response hook once the session was read or changed (it may save), every hook with
  SESSION_SAVE_EVERY_REQUEST or a session engine that is not one of Django's;
- CSRF: every hook with CSRF_USE_SESSIONS; process_view for a method that is not safe (it reads
  the form);
- messages: the response hook once messages were read or added (it stores them), every hook with a
  storage that is not one of Django's;
- GZip: the response hook for a body over 64 KiB (compressing it would hold the loop).

Locale's, conditional GET's and django-csp's hooks always run on the loop. django-cors-headers, django-htmx and
django-allauth run their own async code; corsheaders calls its check_request_enabled signal from the
loop, whose receivers may query the database (its docs' example does): while the signal has
receivers, its two hooks go to the request's thread, as they did under SyncChainMiddleware.

Only these exact classes (a subclass may add I/O), only in async mode: under WSGI nothing changes.
A database query from a hook run here raises Django's SynchronousOnlyOperation, never a silent block.
Under ASGI configure() leaves SyncChainMiddleware out where every middleware is one of these or
async-native (`plan`) unless DJANGO_PLATFORM_INLINE_MIDDLEWARE is false, and says so in its report;
the app's ready() then installs this (apps.inline_hooks). benchmarks/asgi_handler.py measures it.

The rules (django_platform/parsers/middleware.py) are pure; Django's classes are imported by install().
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django_platform.parsers.middleware import CORS, LISTED, Hooks, rules

# class -> its own __init__ before install() (None: inherited), while installed
_INSTALLED: dict[type, Callable[..., None] | None] = {}


def install(settings: Mapping[str, Any]) -> list[str]:
    """Run the hooks of these middleware, those MIDDLEWARE lists, on the event loop in the instances
    made from now on (async mode only). Idempotent; returns the dotted paths installed."""
    # Local: Django's middleware modules need the app registry; settings import never gets here.
    from django.utils.module_loading import import_string

    listed = settings.get("MIDDLEWARE") or ()
    # Only those listed: importing one that is not may fail where its app is not installed (auth's
    # middleware imports its models), and no instance of it is ever made.
    found = {path: hooks for path, hooks in {**rules(settings), **LISTED}.items() if path in listed}
    for path, hooks in found.items():
        _patch(import_string(path), partial(inline, hooks=hooks))
    if CORS in listed:
        cors = import_string(CORS)
        # Before 4.0 a MiddlewareMixin: Django runs its hooks in threads already.
        if "__acall__" in vars(cors):
            _patch(cors, partial(guard_signal, signal=import_string("corsheaders.signals.check_request_enabled")))
            found[CORS] = Hooks()
    return sorted(found)


def _patch(cls: type, apply: Callable[[Any], None]) -> None:
    if cls not in _INSTALLED:
        _INSTALLED[cls] = cls.__dict__.get("__init__")
        cls.__init__ = _initializer(cls, cls.__init__, apply)  # type: ignore[misc]


def installed() -> frozenset[type]:
    """The classes whose new instances run their hooks on the event loop in async mode."""
    return frozenset(_INSTALLED)


def uninstall() -> None:
    """Django's own behaviour again for instances made from now on."""
    for cls, init in _INSTALLED.items():
        if init is None:
            del cls.__init__  # type: ignore[misc]
        else:
            cls.__init__ = init  # type: ignore[misc]
    _INSTALLED.clear()


def _initializer(cls: type, init: Callable[..., None], apply: Callable[[Any], None]) -> Callable[..., None]:
    def __init__(self: Any, get_response: Any) -> None:
        init(self, get_response)
        # A subclass may add I/O to a hook: it keeps its class's own behaviour.
        if type(self) is cls and getattr(self, "async_mode", False):
            apply(self)

    return __init__


def inline(instance: Any, hooks: Hooks) -> None:
    """Shadow the instance's async entry (MiddlewareMixin.__acall__, looked up on the instance)
    and its process_view (read once by Django's load_middleware) with versions that call each hook
    on the event loop where `hooks` allows, in the request's thread otherwise."""
    # Local: asgiref is loaded with Django; kept out of the pure rules above.
    from asgiref.sync import markcoroutinefunction, sync_to_async

    process_request = getattr(instance, "process_request", None)
    process_response = getattr(instance, "process_response", None)

    async def __acall__(request: Any) -> Any:
        # MiddlewareMixin.__acall__, hook by hook.
        # process_request reads the request and sets lazy attributes in each of Django's: on the loop.
        response = process_request(request) if process_request is not None else None
        response = response or await instance.get_response(request)
        if process_response is not None:
            if hooks.response(request, response):
                response = process_response(request, response)
            else:
                response = await sync_to_async(process_response, thread_sensitive=True)(request, response)
        return response

    instance.__acall__ = __acall__
    process_view = getattr(instance, "process_view", None)
    if process_view is not None:

        async def on_loop(request: Any, callback: Any, args: Any, kwargs: Any) -> Any:
            if hooks.view(request):
                return process_view(request, callback, args, kwargs)
            return await sync_to_async(process_view, thread_sensitive=True)(request, callback, args, kwargs)

        def view(request: Any, callback: Any, args: Any, kwargs: Any) -> Any:
            # Marked async, so that Django awaits what it returns on the loop, but a plain function: a
            # wrapper that calls it synchronously (sentry-sdk before 2.65 wraps every hook so, copying
            # the mark with functools.wraps) still hands Django an awaitable there, and from a thread
            # gets the hook's own answer, never an unawaited coroutine.
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return process_view(request, callback, args, kwargs)
            return on_loop(request, callback, args, kwargs)

        instance.process_view = markcoroutinefunction(view)


def guard_signal(instance: Any, signal: Any) -> None:
    """corsheaders' async entry, with its two hooks (each may send check_request_enabled) run in the
    request's thread while the signal has receivers: they may query the database."""
    # Local: asgiref is loaded with Django; kept out of the pure rules above.
    from asgiref.sync import sync_to_async

    native = instance.__acall__

    async def __acall__(request: Any) -> Any:
        if not signal.has_listeners():
            return await native(request)
        # corsheaders' own __acall__, each hook in the thread.
        response = await sync_to_async(instance.check_preflight, thread_sensitive=True)(request)
        if response is None:
            response = await instance.get_response(request)
        return await sync_to_async(instance.add_response_headers, thread_sensitive=True)(request, response)

    instance.__acall__ = __acall__
