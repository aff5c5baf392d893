"""Real projects' middleware under ASGI with the hooks on the event loop: cookiecutter-django's stack
(django-cors-headers, Django's locale middleware, django-allauth's account middleware), django-htmx's,
django-csp's and Django's conditional GET, through Django's real ASGI handler, answered as Django
answers them."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pytest
from corsheaders.middleware import CorsMiddleware
from corsheaders.signals import check_request_enabled
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import translation
from django.utils.asyncio import async_unsafe

from django_platform.areas.asgi import SYNC_CHAIN
from django_platform.areas.static import ASYNC_WHITENOISE, WHITENOISE
from django_platform.asgi_threads import supported
from django_platform.asgi_trips import serve
from django_platform.health import MIDDLEWARE as HEALTH
from django_platform.inline_middleware import install, installed, uninstall
from django_platform.parsers.middleware import (
    ALLAUTH,
    AUTH,
    CLICKJACKING,
    COMMON,
    CONDITIONAL_GET,
    CORS,
    CSP,
    CSRF,
    GZIP,
    GZIP_ON_LOOP,
    HTMX,
    LOCALE,
    MESSAGES,
    SECURITY,
    SESSIONS,
)
from tests import test_inline_middleware as base
from tests.test_inline_middleware import Served, area, comparable, conversation, on_loop

# cookiecutter-django's (config/settings/base.py, with DRF and WhiteNoise; WhiteNoise's own tests are
# in tests/test_inline_middleware.py), then django-htmx's, django-csp's and Django's conditional GET.
COOKIECUTTER = [SECURITY, CORS, WHITENOISE, SESSIONS, LOCALE, COMMON, CSRF, AUTH, MESSAGES, CLICKJACKING, ALLAUTH]
STACK = [name for name in COOKIECUTTER if name != WHITENOISE] + [HTMX, CSP, CONDITIONAL_GET]
ORIGIN = "https://app.example"


async def page(request: HttpRequest, size: int) -> HttpResponse:
    return HttpResponse(b"<p>compressible</p>\n" * (size // 20))


def language(request: HttpRequest) -> HttpResponse:
    return HttpResponse(translation.get_language())


def htmx(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"htmx {bool(request.htmx)}")  # type: ignore[attr-defined]


urlpatterns = [
    *base.urlpatterns,
    path("language", language),
    path("htmx", htmx),
    path("page/<int:size>", page),
]
SETTINGS = {
    **base.SETTINGS,
    "ROOT_URLCONF": __name__,
    "MIDDLEWARE": STACK,
    "CORS_ALLOWED_ORIGINS": [ORIGIN],
    "LANGUAGES": [("en", "English"), ("fr", "French")],
    "CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"default-src": ["'self'"]}},
}
# Set once MIDDLEWARE is: allauth's ready() refuses a MIDDLEWARE without its middleware.
APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_platform",
    "corsheaders",
    "allauth",
    "allauth.account",
]


def visits(served: Served) -> list[Any]:
    """A browser's conversation (tests/test_inline_middleware.py), then what these middleware answer:
    CORS's preflight and an allowed and a refused origin, a language asked for, an htmx request, a
    page not modified since its ETag, and a 404 under allauth's /accounts/ (its redirect check)."""
    answers = conversation(served)
    preflight = {"origin": ORIGIN, "access-control-request-method": "POST"}
    answers.append(served.request("OPTIONS", "/quiet", headers=preflight))
    answers.append(served.request("GET", "/quiet", headers={"origin": ORIGIN}))
    answers.append(served.request("GET", "/quiet", headers={"origin": "https://elsewhere.example"}))
    answers.append(served.request("GET", "/language", headers={"accept-language": "fr"}))
    answers.append(served.request("GET", "/htmx", headers={"hx-request": "true"}))
    etag = dict(answers[0][1])["etag"]
    answers.append(served.request("GET", "/quiet", headers={"if-none-match": etag}))
    answers.append(served.request("GET", "/accounts/"))
    return answers


def same(answers: list[Any]) -> list[Any]:
    """comparable(), with ETags named only: a CSRF token's page hashes to a new one each run."""
    return [
        (status, [(k, "<etag>" if k == "etag" else v) for k, v in headers], body)
        for status, headers, body in comparable(answers)
    ]


@pytest.fixture
def stack() -> Iterator[None]:
    with override_settings(**SETTINGS), override_settings(INSTALLED_APPS=APPS):
        yield
    uninstall()


def test_cookiecutter_djangos_stack_is_planned_on_the_loop() -> None:
    middleware, why = area(COOKIECUTTER)
    # WhiteNoise's right after SecurityMiddleware as configure() puts it (it answers static files with
    # Access-Control-Allow-Origin itself), as its async-capable subclass.
    assert middleware == [
        HEALTH,
        SECURITY,
        ASYNC_WHITENOISE,
        *(m for m in COOKIECUTTER if m not in (SECURITY, WHITENOISE)),
    ]
    assert SYNC_CHAIN not in middleware and "hooks on the event loop" in why
    assert area([*STACK, HTMX])[0][-1] != SYNC_CHAIN


def test_their_answers_are_djangos_with_only_the_handlers_trips(stack: None) -> None:
    djangos = Served()
    theirs = visits(djangos)
    chained = override_settings(MIDDLEWARE=[*STACK, SYNC_CHAIN])
    with chained:
        as_it_was = Served()
        before = visits(as_it_was)
    assert install({"MIDDLEWARE": STACK, "SESSION_ENGINE": SETTINGS["SESSION_ENGINE"]}) == sorted(
        {SECURITY, CORS, SESSIONS, LOCALE, COMMON, CSRF, AUTH, MESSAGES, CLICKJACKING, CSP, CONDITIONAL_GET}
    )
    ours_served = Served()
    ours = visits(ours_served)
    assert same(ours) == same(theirs) == same(before)
    statuses = [status for status, _, _ in ours[7:]]
    assert statuses == [200, 200, 200, 200, 200, 304, 404]
    headers = [dict(h) for _, h, _ in ours]
    assert headers[7]["access-control-allow-methods"] and headers[8]["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in headers[9]
    assert ours[10][2] == b"fr" and headers[10]["content-language"] == "fr"
    assert ours[11][2] == b"htmx True"
    # django-csp's header on every answer but those made above it (the slash redirect, CORS's preflight).
    policies = [h.get("content-security-policy") for h in headers]
    assert policies[6] is policies[7] is None and set(policies[:6] + policies[8:]) == {"default-src 'self'"}
    assert ours_served.trips < as_it_was.trips < djangos.trips
    # A quiet page from an allowed origin: the handler's own two trips (request signals, close).
    ours_served.trips = 0
    ours_served.request("GET", "/quiet", headers={"origin": ORIGIN})
    assert ours_served.trips == 2


@pytest.mark.skipif(not supported(), reason="asgiref before 3.13: no kept threads, Django's trips stand")
def test_served_as_a_worker_serves_it_a_quiet_page_makes_no_trip(stack: None) -> None:
    """Kept threads (django_platform.asgi_trips.serve): the handler's own two trips have nothing to
    do on a thread that holds no connection; the answers stay Django's own."""
    theirs = visits(Served())
    install({"MIDDLEWARE": STACK, "SESSION_ENGINE": SETTINGS["SESSION_ENGINE"]})
    kept = Served()
    kept.handler = serve(kept.handler)
    assert same(visits(kept)) == same(theirs)
    kept.trips = 0
    kept.request("GET", "/quiet", headers={"origin": ORIGIN})
    assert kept.trips == 0


def test_the_hops_check_has_nothing_to_name(stack: None) -> None:
    from django_platform.checks.hops import check_middleware

    install({"MIDDLEWARE": STACK})
    assert check_middleware() == []


def test_a_cors_receiver_that_queries_the_database_runs_in_the_thread(stack: None) -> None:
    where: list[bool] = []

    # Django's own guard on every database operation (ensure_connection, cursor creation): on the loop
    # it raises SynchronousOnlyOperation, as a receiver's query would, under Django's own way too
    # (corsheaders calls its receivers from the loop where no SyncChainMiddleware puts it in a thread).
    # A real query here would leave an in-memory SQLite connection open, which Python 3.13 warns about.
    @async_unsafe
    def query(origin: str) -> bool:
        return origin == ORIGIN

    def receiver(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
        where.append(on_loop())
        return query(request.headers.get("origin", ""))

    install({"MIDDLEWARE": STACK})
    served = Served()
    check_request_enabled.connect(receiver)
    try:
        preflight = {"origin": "https://elsewhere.example", "access-control-request-method": "POST"}
        assert served.request("OPTIONS", "/quiet", headers=preflight)[0] == 200
        status, headers, body = served.request("GET", "/quiet", headers={"origin": "https://elsewhere.example"})
    finally:
        check_request_enabled.disconnect(receiver)
    assert (status, body) == (200, b"quiet") and "access-control-allow-origin" not in dict(headers)
    assert where and not any(where)
    # Without receivers corsheaders runs on the loop again.
    served.trips = 0
    assert served.request("GET", "/quiet", headers={"origin": ORIGIN})[0] == 200
    assert served.trips == 2


def test_corsheaders_before_4_is_left_to_djangos_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before 4.0 CorsMiddleware was a MiddlewareMixin without an __acall__ of its own.
    monkeypatch.delattr(CorsMiddleware, "__acall__")
    try:
        assert CORS not in install({"MIDDLEWARE": [CORS]})
        assert CorsMiddleware not in installed()
    finally:
        uninstall()


def test_gzip_compresses_on_the_loop_up_to_64_kib(stack: None) -> None:
    """A page under 64 KiB is compressed on the loop, a larger one in the request's thread; the
    answers are Django's (its random padding aside: the bodies compared once decompressed)."""
    accept = {"accept-encoding": "gzip, br"}
    sizes = (GZIP_ON_LOOP // 2, GZIP_ON_LOOP * 2)

    def visit(served: Served) -> list[Any]:
        answers = []
        for size in sizes:
            served.trips = 0
            status, headers, body = served.request("GET", f"/page/{size}", headers=accept)
            named = dict(headers)
            assert named.pop("content-encoding") == "gzip" and int(named.pop("content-length")) == len(body)
            answers.append((status, named, gzip.decompress(body), served.trips))
        return answers

    with override_settings(MIDDLEWARE=[GZIP, *STACK]):
        theirs = visit(Served())
        install({"MIDDLEWARE": [GZIP, *STACK]})
        ours = visit(Served())
    assert [answer[:3] for answer in ours] == [answer[:3] for answer in theirs]
    assert [len(answer[2]) for answer in ours] == [size // 20 * 20 for size in sizes]
    # The handler's two trips, and for the larger page the compression's.
    assert [answer[3] for answer in ours] == [2, 3] and theirs[0][3] > 3
