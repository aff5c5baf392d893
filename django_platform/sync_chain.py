"""SyncChainMiddleware, last in MIDDLEWARE under ASGI (configure() puts it there).

Under ASGI, Django runs each middleware built on MiddlewareMixin (all of its own: security,
sessions, CSRF, auth, messages...) in async mode when the handler below it is async, and then hops
from the event loop to a thread and back for every process_request and process_response: about a
dozen hops per request for startproject's list. A sync-only middleware last makes Django run the
chain above it in sync mode, in the request's one thread: one hop in, one out. Async views still
run on the event loop. benchmarks/asgi.py measured it (docs/asgi.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest


class SyncChainMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)
