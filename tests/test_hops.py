"""W052: the middleware that cost a project served over ASGI avoidable thread hops. The count the
check works from is held to the hops a real request through Django's ASGI handler makes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import asgiref.sync
import pytest
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.utils.deprecation import MiddlewareMixin

from django_platform.areas.asgi import SYNC_CHAIN
from django_platform.checks.hops import costs, hops
from django_platform.platforms import BY_NAME

Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


class AsyncOnly:
    """An async-native middleware that cannot run in sync mode (as some third-party ones are)."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)  # Django's docs: how an instance says it is a coroutine

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        return await self.get_response(request)


class Both:
    """A middleware written for both modes, without MiddlewareMixin."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)


class SyncOnly:
    """Django's default for a middleware that sets no flag: sync only."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)


def factory(get_response: Any) -> Any:
    """A function middleware, sync only (Django's default for one that sets no flag)."""

    def middleware(request: HttpRequest) -> Any:
        return get_response(request)

    return middleware


class Hooks(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> None:
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response


class Viewing(MiddlewareMixin):
    def process_view(self, request: HttpRequest, *args: Any) -> None:
        return None


def __getattr__(name: str) -> Any:
    if name == "Broken":  # a middleware whose import fails with another error than ImportError
        raise RuntimeError("broken at import")
    raise AttributeError(name)


HooksInstance: Any = Hooks  # a class where MIDDLEWARE wants a dotted path
HERE = "tests.test_hops."
ASYNC_ONLY, BOTH, SYNC_ONLY, HOOKS, VIEWING = (HERE + n for n in ("AsyncOnly", "Both", "SyncOnly", "Hooks", "Viewing"))
FACTORY = HERE + "factory"
SECURITY = "django.middleware.security.SecurityMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"


def real_hops(middleware: list[str], *, back: bool = True) -> int:
    """The hops (sync_to_async calls, and async_to_sync ones unless `back` is false) one request to
    a sync view makes through Django's ASGI handler with this MIDDLEWARE."""
    from django.core.handlers.asgi import ASGIHandler

    counted = [0]
    to_thread, to_loop = asgiref.sync.SyncToAsync.__call__, asgiref.sync.AsyncToSync.__call__

    async def counting_to_thread(self: Any, *args: Any, **kwargs: Any) -> Any:
        counted[0] += 1
        return await to_thread(self, *args, **kwargs)

    def counting_to_loop(self: Any, *args: Any, **kwargs: Any) -> Any:
        counted[0] += back
        return to_loop(self, *args, **kwargs)

    async def request() -> int:
        handler = ASGIHandler()
        sent: list[dict[str, Any]] = []
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # the client stays: no disconnect
            return {}

        async def send(message: Mapping[str, Any]) -> None:
            sent.append(dict(message))

        scope = {"type": "http", "method": "GET", "path": "/api/plain", "query_string": b"", "headers": []}
        await handler({**scope, "server": ("testserver", 80)}, receive, send)
        return int(sent[0]["status"])

    with override_settings(MIDDLEWARE=middleware, ROOT_URLCONF="tests.urls_async", ALLOWED_HOSTS=["*"]):
        asgiref.sync.SyncToAsync.__call__ = counting_to_thread  # type: ignore[method-assign]
        asgiref.sync.AsyncToSync.__call__ = counting_to_loop  # type: ignore[method-assign]
        try:
            assert asyncio.run(request()) == 200
        finally:
            asgiref.sync.SyncToAsync.__call__ = to_thread  # type: ignore[method-assign]
            asgiref.sync.AsyncToSync.__call__ = to_loop  # type: ignore[method-assign]
    return counted[0]


def classes(names: list[str]) -> dict[str, type]:
    from django.utils.module_loading import import_string

    return {name: import_string(name) for name in {*names, SYNC_CHAIN}}


CHAINS = [
    [SECURITY],
    [SECURITY, CSRF],
    [SECURITY, CSRF, SYNC_CHAIN],
    [HOOKS, HOOKS, SYNC_CHAIN],
    [HOOKS, VIEWING],
    [ASYNC_ONLY],
    [SYNC_ONLY],
    [SECURITY, ASYNC_ONLY, HOOKS, SYNC_CHAIN],
    [ASYNC_ONLY, SECURITY, HOOKS, SYNC_CHAIN],
    [SYNC_ONLY, ASYNC_ONLY, SYNC_ONLY],
    [BOTH, ASYNC_ONLY, BOTH],
    [BOTH, SYNC_CHAIN],
    [HOOKS, SYNC_ONLY, HOOKS],
    [FACTORY, ASYNC_ONLY, HOOKS],
]


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: "+".join(n.rsplit(".", 1)[1] for n in c))
def test_the_count_is_the_hops_a_request_makes(chain: list[str]) -> None:
    found = classes(chain)
    assert hops([found[n] for n in chain]) == real_hops(chain) - real_hops([])


def test_what_each_departure_from_the_best_order_costs() -> None:
    def named(chain: list[str]) -> tuple[int, list[tuple[str, int]]]:
        extra, found = costs(chain, classes(chain))
        return extra, [(what, hops) for what, hops, _ in found]

    # startproject's chain with the sync chain last: nothing to gain.
    assert costs([SECURITY, HOOKS, CSRF, SYNC_CHAIN], classes([SECURITY, HOOKS, CSRF])) == (0, [])
    # Without it, each MiddlewareMixin middleware runs in async mode: a hop for each of its hooks.
    chain = [SECURITY, HOOKS, VIEWING, CSRF]
    assert named(chain) == (4, [("no SyncChainMiddleware last", 4)])
    assert costs(chain, classes(chain))[1][0][2].endswith(f": {SECURITY}, {HOOKS}, {CSRF}")  # Viewing: no such hook
    # An async-only middleware under sync-mode ones: two switches, none where it is first.
    assert named([SECURITY, ASYNC_ONLY, HOOKS, SYNC_CHAIN]) == (2, [(ASYNC_ONLY, 2)])
    assert named([ASYNC_ONLY, SECURITY, HOOKS, SYNC_CHAIN]) == (0, [])
    assert named([ASYNC_ONLY, ASYNC_ONLY, SECURITY, SYNC_CHAIN]) == (0, [])
    # Both at once: each said with what it costs alone.
    assert named([SECURITY, ASYNC_ONLY, HOOKS]) == (2, [(ASYNC_ONLY, 2), ("no SyncChainMiddleware last", 2)])
    assert cost([SECURITY, ASYNC_ONLY, HOOKS]) - cost([ASYNC_ONLY, SECURITY, HOOKS, SYNC_CHAIN]) == 2
    # Every middleware async-capable and hook-free: the sync chain itself is the cost.
    assert named([BOTH, SYNC_CHAIN]) == (2, [(SYNC_CHAIN, 2)])
    assert named([BOTH]) == (0, [])
    assert named([FACTORY, HOOKS]) == (2, [("no SyncChainMiddleware last", 2)])  # a function middleware too


def cost(chain: list[str]) -> int:
    found = classes(chain)
    return hops([found[n] for n in chain])


def messages(tmp_path: Path, web: str, middleware: list[str]) -> list[Any]:
    from django_platform.checks import judging
    from django_platform.checks.serving import check_server

    (tmp_path / "Procfile").write_text(f"web: {web}\n")
    values = {"BASE_DIR": tmp_path, "WSGI_APPLICATION": "tests.wsgi_app.application", "MIDDLEWARE": middleware}
    with override_settings(**values), judging(BY_NAME["render"]):
        return list(check_server())


def test_w052_names_the_middleware_and_what_each_costs(tmp_path: Path) -> None:
    found = messages(tmp_path, "gunicorn tests.asgi", [SECURITY, ASYNC_ONLY, HOOKS, SYNC_CHAIN])
    assert [m.id for m in found] == ["django_platform.W052"]
    assert found[0].msg == (
        "Under ASGI, MIDDLEWARE makes each request hop between the event loop and a thread 2 more times than it "
        f"needs: {ASYNC_ONLY}: 2 (async-only, under sync-mode middleware)."
    )
    assert "async-only middleware first" in found[0].hint and "409 to 731" in found[0].hint
    found = messages(tmp_path, "gunicorn tests.asgi", [SECURITY, HOOKS])  # ASGI undeclared: no sync chain
    assert [m.id for m in found] == ["django_platform.W052"]
    assert "no SyncChainMiddleware last: 2 (MiddlewareMixin middleware then run in async mode" in found[0].msg
    found = messages(tmp_path, "gunicorn tests.asgi", [BOTH, SYNC_CHAIN])
    assert f"{SYNC_CHAIN}: 2 (every other middleware is async-capable)" in found[0].msg
    assert "exclude={'asgi'}" in found[0].hint
    # Nothing to gain, served over WSGI, or a middleware that does not import (Django says so).
    assert messages(tmp_path, "gunicorn tests.asgi", [ASYNC_ONLY, SECURITY, HOOKS, SYNC_CHAIN]) == []
    assert messages(tmp_path, "gunicorn tests.wsgi_app", [SECURITY, ASYNC_ONLY, HOOKS]) == []
    assert messages(tmp_path, "gunicorn tests.asgi", [SECURITY, "tests.nowhere.Middleware"]) == []
    assert messages(tmp_path, "gunicorn tests.asgi", [SECURITY, "tests.test_hops.Broken"]) == []  # fails on import
    assert messages(tmp_path, "gunicorn tests.asgi", [SECURITY, HooksInstance]) == []  # not a dotted path: Django's


INLINE_CHAINS = [
    [SECURITY, CSRF],
    [SECURITY, CSRF, SYNC_CHAIN],
    [SECURITY, HOOKS, CSRF],
    [ASYNC_ONLY, SECURITY, SYNC_ONLY, CSRF],
]


@pytest.mark.parametrize("chain", INLINE_CHAINS, ids=lambda c: "+".join(n.rsplit(".", 1)[1] for n in c))
def test_with_djangos_hooks_on_the_loop_the_count_is_still_the_hops_a_request_makes(chain: list[str]) -> None:
    from django_platform.inline_middleware import install, installed, uninstall

    install({"MIDDLEWARE": chain})
    try:
        found = classes(chain)
        assert hops([found[n] for n in chain], installed()) == real_hops(chain) - real_hops([])
        # Nothing to gain once Django's own run on the loop: no sync chain wanted, none missed.
        if chain == [SECURITY, CSRF]:
            assert costs(chain, found, installed()) == (0, [])
        if chain == [SECURITY, CSRF, SYNC_CHAIN]:
            assert costs(chain, found, installed())[1] == [(SYNC_CHAIN, 3, "every other middleware is async-capable")]
    finally:
        uninstall()
