"""Django's own middleware hooks on the event loop under ASGI (django_platform.inline_middleware),
through Django's real ASGI handler: where each hook ran, the trips to a thread a request makes, and
responses byte for byte the same as Django's own way of running them."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import asgiref.sync
import pytest
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.urls import path
from django.utils.module_loading import import_string

from django_platform import inline_middleware
from django_platform.apps import inline_hooks
from django_platform.areas.asgi import SYNC_CHAIN
from django_platform.areas.static import ASYNC_WHITENOISE, WHITENOISE
from django_platform.health import MIDDLEWARE as HEALTH
from django_platform.inline_middleware import install, installed, uninstall
from django_platform.parsers.middleware import (
    AUTH,
    CLICKJACKING,
    COMMON,
    CONDITIONAL_GET,
    CSRF,
    GZIP,
    LOCALE,
    MESSAGES,
    SECURITY,
    SESSIONS,
    plan,
    rules,
)
from django_platform.report import Report

STARTPROJECT = [SECURITY, SESSIONS, COMMON, CSRF, AUTH, MESSAGES, CLICKJACKING]
LOOP = "loop"
THREAD = "thread"


async def quiet(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0)
    return HttpResponse("quiet")


def remember(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = "yes"
    messages.success(request, "saved")
    return HttpResponse("remembered")


def recall(request: HttpRequest) -> HttpResponse:
    said = [str(m) for m in messages.get_messages(request)]
    return HttpResponse(f"{request.session.get('seen')} {said}")


def token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(get_token(request))


def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"posted {request.POST.get('note')}")


urlpatterns = [
    path("quiet", quiet),
    path("remember", remember),
    path("recall", recall),
    path("token", token),
    path("form", form),
    path("folder/", quiet),
]
SETTINGS = {
    "ROOT_URLCONF": __name__,
    "ALLOWED_HOSTS": ["*"],
    "MIDDLEWARE": STARTPROJECT,
    # Sessions and messages without a database table: the same hooks, the same saves.
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
}

WHERE: list[tuple[str, str, str]] = []  # (class, hook, LOOP or THREAD) as the hooks ran


def on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, str]]]:
    """Each hook of the startproject classes records where it ran (a real call, then the hook)."""
    WHERE.clear()
    for name in STARTPROJECT:
        cls = import_string(name)
        for hook in ("process_request", "process_view", "process_response"):
            original = cls.__dict__.get(hook)
            if original is None:
                continue

            def recording(self: Any, *args: Any, _hook: str = hook, _original: Any = original) -> Any:
                WHERE.append((type(self).__name__, _hook, LOOP if on_loop() else THREAD))
                return _original(self, *args)

            monkeypatch.setattr(cls, hook, recording)
    yield WHERE
    WHERE.clear()


@pytest.fixture
def inline() -> Iterator[None]:
    install(SETTINGS)
    yield
    uninstall()


class Served:
    """Requests through one ASGIHandler; the cookies a browser would keep, the trips counted."""

    def __init__(self) -> None:
        from django.core.handlers.asgi import ASGIHandler

        self.handler: Any = ASGIHandler()  # or served as a worker serves it (asgi_threads.serve)
        self.cookies: dict[str, str] = {}
        self.trips = 0
        self.quiet_hooks = 0  # the hooks recorded by the first request of conversation()

    def request(self, method: str, where: str, body: bytes = b"", headers: Mapping[str, str] = {}) -> Any:
        return asyncio.run(self._request(method, where, body, headers))

    async def _request(self, method: str, where: str, body: bytes, headers: Mapping[str, str]) -> Any:
        sent: list[dict[str, Any]] = []
        incoming = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if incoming:
                return incoming.pop()
            await asyncio.Event().wait()
            return {}

        async def send(message: Mapping[str, Any]) -> None:
            sent.append(dict(message))

        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        raw = [(k.lower().encode(), v.encode()) for k, v in {**headers, "cookie": cookie}.items() if v]
        scope = {"type": "http", "method": method, "path": where, "query_string": b"", "headers": raw}
        original = asgiref.sync.SyncToAsync.__call__

        async def counted(this: Any, *args: Any, **kwargs: Any) -> Any:
            self.trips += 1
            return await original(this, *args, **kwargs)

        asgiref.sync.SyncToAsync.__call__ = counted  # type: ignore[method-assign,assignment]
        try:
            await self.handler({**scope, "server": ("testserver", 80)}, receive, send)
        finally:
            asgiref.sync.SyncToAsync.__call__ = original  # type: ignore[method-assign]
        start = sent[0]
        response_headers = sorted((k.decode().lower(), v.decode()) for k, v in start["headers"])
        for name, value in response_headers:
            if name == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return start["status"], response_headers, b"".join(m.get("body", b"") for m in sent[1:])


def conversation(served: Served) -> list[Any]:
    """A browser's visits: a quiet page, a session and a message written, then read, a CSRF token,
    a form posted with it and without it, a redirect to the slash."""
    answers = [served.request("GET", "/quiet")]
    served.quiet_hooks = len(WHERE)
    answers += [served.request("GET", "/remember"), served.request("GET", "/recall")]
    answers.append(served.request("GET", "/token"))
    csrf = served.cookies["csrftoken"]
    body = f"csrfmiddlewaretoken={csrf}&note=hi".encode()
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    answers.append(served.request("POST", "/form", body, form_type))
    answers.append(served.request("POST", "/form", b"note=hi", form_type))
    answers.append(served.request("GET", "/folder"))
    return answers


def comparable(answers: list[Any]) -> list[Any]:
    """The answers with the values that differ on every run (signed, timestamped, random) named only."""
    volatile = ("sessionid=", "messages=", "csrftoken=")
    result = []
    for status, headers, body in answers:
        kept = [(k, v.split("=")[0] if v.startswith(volatile) else v) for k, v in headers]
        result.append((status, kept, body if not body.isalnum() or len(body) < 32 else b"<token>"))
    return result


def test_responses_are_djangos_and_only_untouched_hooks_leave_the_thread(recorded: list[Any]) -> None:
    with override_settings(**SETTINGS):
        djangos = Served()
        theirs = conversation(djangos)
        theirs_where = list(recorded)
        recorded.clear()
        install(SETTINGS)
        try:
            ours_served = Served()
            ours = conversation(ours_served)
        finally:
            uninstall()
    assert [status for status, _, _ in ours] == [200, 200, 200, 200, 200, 403, 301]
    assert comparable(ours) == comparable(theirs)
    assert ours[2][2] == b"yes ['saved']" and ours[4][2] == b"posted hi"
    assert {where for _, _, where in theirs_where} == {THREAD}  # Django's: every hook in a thread
    # Each hook ran as often as under Django's own way, on the loop where nothing is stored or parsed.
    assert sorted((c, h) for c, h, _ in recorded) == sorted((c, h) for c, h, _ in theirs_where)
    # (A view decorator's subclass, _EnsureCsrfToken, runs in the view's thread under both.)
    named = {name.rsplit(".", 1)[1] for name in STARTPROJECT}
    threaded = {(c, h) for c, h, where in recorded if where == THREAD and c in named}
    assert threaded == {
        ("SessionMiddleware", "process_response"),  # /remember wrote the session, /recall read it
        ("MessageMiddleware", "process_response"),  # /remember added a message, /recall read it
        ("CsrfViewMiddleware", "process_view"),  # the two POSTs: the form is parsed in the thread
    }
    # The quiet page: every hook on the loop, the trips are the handler's own (the request signals).
    quiet = recorded[: ours_served.quiet_hooks]
    assert len(quiet) == 13 and all(where == LOOP for _, _, where in quiet)
    assert ours_served.trips < djangos.trips


def test_a_quiet_request_makes_only_the_handlers_own_trips(inline: None) -> None:
    with override_settings(**SETTINGS):
        served = Served()
        served.request("GET", "/quiet")
        assert served.trips == 2  # request_started's receivers, response.close() (request_finished)
        served.trips = 0
        served.request("GET", "/remember")
        assert served.trips == 2 + 1 + 2  # the sync view, then sessions and messages save from the thread


def test_a_subclass_keeps_djangos_threads(inline: None) -> None:
    with override_settings(**{**SETTINGS, "MIDDLEWARE": [f"{__name__}.OwnSecurity"]}):
        served = Served()
        served.request("GET", "/quiet")
    assert served.trips == 2 + 2  # its process_request and process_response, each in a thread


class OwnSecurity(import_string(SECURITY)):  # type: ignore[misc]
    pass


def test_under_wsgi_the_hooks_are_djangos(inline: None, recorded: list[Any]) -> None:
    from django.test import Client

    session_middleware = import_string(SESSIONS)(lambda request: HttpResponse())
    assert "__acall__" not in vars(session_middleware)  # sync mode: MiddlewareMixin's own
    with override_settings(**SETTINGS):
        assert Client().get("/remember").content == b"remembered"
    assert len(recorded) == 13 and {where for _, _, where in recorded} == {THREAD}


def test_process_view_survives_a_sync_wrapper_that_copies_its_mark() -> None:
    """sentry-sdk before 2.65 wraps each middleware hook in a sync function with functools.wraps,
    which copies asgiref's coroutine mark: through Django's own adaptation the wrapped process_view
    still answers on the loop, and called from a thread it gives the hook's own answer."""
    import functools

    from django.core.handlers.base import BaseHandler
    from django.middleware.csrf import CsrfViewMiddleware
    from django.test import RequestFactory

    async def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    instance = CsrfViewMiddleware(get_response)
    inline_middleware.inline(instance, rules({})[CSRF])
    hook = instance.process_view

    def sentry_wrapped_method(*args: Any, **kwargs: Any) -> Any:  # as sentry-sdk 2.55 writes it
        return hook(*args, **kwargs)

    wrapped = functools.wraps(hook)(sentry_wrapped_method)
    adapted: Any = BaseHandler().adapt_method_mode(True, wrapped)
    factory = RequestFactory()

    async def as_django_calls_it(request: HttpRequest) -> Any:
        return await adapted(request, form, (), {})

    with override_settings(**SETTINGS):
        refused = asyncio.run(as_django_calls_it(factory.post("/form")))
        assert isinstance(refused, HttpResponse) and refused.status_code == 403
        assert asyncio.run(as_django_calls_it(factory.get("/form"))) is None
        from_thread = wrapped(factory.post("/form"), form, (), {})
        assert isinstance(from_thread, HttpResponse) and from_thread.status_code == 403


# Run in a child process: sentry-sdk's Django integration patches Django's handler for good.
UNDER_SENTRY = """
import json, sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
sentry_sdk.init(integrations=[DjangoIntegration(middleware_spans=True)], traces_sample_rate=1.0)
import django
django.setup()
from django.core.handlers import base
from django.test import override_settings
from django_platform.inline_middleware import install
from tests.test_inline_middleware import SETTINGS, Served, conversation
with override_settings(**SETTINGS):
    install(SETTINGS)
    served = Served()
    answers = conversation(served)
    top = served.handler._middleware_chain.__wrapped__  # SentryWrappingMiddleware, named as what it wraps
    wrapped = "_inner" in vars(top)
    served.trips = 0
    served.request("GET", "/quiet")
print(json.dumps({"patched": base.import_string.__name__, "wrapped": wrapped, "trips": served.trips,
                  "answers": [[status, body.decode()] for status, _, body in answers]}))
"""


@pytest.mark.slow
def test_under_sentrys_django_integration_the_hooks_answer_as_djangos() -> None:
    """sentry-sdk's Django integration wraps every middleware (SentryWrappingMiddleware) and each
    of its hooks: with the hooks on the loop, a browser's conversation is answered as without it."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-c", UNDER_SENTRY], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["patched"] == "sentry_patched_import_string" and found["wrapped"]
    assert found["trips"] == 2  # the handler's own: every hook on the loop, under Sentry's wrappers too
    assert [status for status, _ in found["answers"]] == [200, 200, 200, 200, 200, 403, 301]
    assert found["answers"][2][1] == "yes ['saved']" and found["answers"][4][1] == "posted hi"


def test_install_is_idempotent_and_uninstall_restores_djangos_classes() -> None:
    classes = [import_string(name) for name in rules({})]
    before = {cls: cls.__dict__.get("__init__") for cls in classes}
    assert None in before.values() and any(before.values())  # inherited and own __init__ both covered
    everything = {"MIDDLEWARE": list(rules({}))}
    assert install(everything) == sorted(rules({}))
    patched = {cls: cls.__init__ for cls in classes}
    install(everything)
    assert {cls: cls.__init__ for cls in classes} == patched and installed() == set(classes)
    uninstall()
    assert {cls: cls.__dict__.get("__init__") for cls in classes} == before
    assert installed() == frozenset()


def test_rules_follow_the_settings_that_reach_the_session_store() -> None:
    assert set(rules({})) == {*STARTPROJECT, LOCALE, CONDITIONAL_GET, GZIP}
    assert SESSIONS not in rules({"SESSION_ENGINE": "django.contrib.sessions.backends.file"})
    assert SESSIONS not in rules({"SESSION_ENGINE": "myapp.sessions"})
    assert SESSIONS not in rules({"SESSION_SAVE_EVERY_REQUEST": True})
    assert CSRF not in rules({"CSRF_USE_SESSIONS": True})
    assert MESSAGES not in rules({"MESSAGE_STORAGE": "myapp.storage.Storage"})
    assert MESSAGES in rules({"MESSAGE_STORAGE": "django.contrib.messages.storage.cookie.CookieStorage"})
    native = (HEALTH, WHITENOISE, ASYNC_WHITENOISE)
    assert plan([HEALTH, SECURITY, WHITENOISE, *STARTPROJECT[1:]], {}, native)
    assert plan([*STARTPROJECT, "corsheaders.middleware.CorsMiddleware"], {}, native)
    assert not plan([*STARTPROJECT, "django.contrib.sites.middleware.CurrentSiteMiddleware"], {}, native)
    assert plan([*STARTPROJECT, "csp.middleware.CSPMiddleware"], {}, native)
    assert not plan(STARTPROJECT, {"CSRF_USE_SESSIONS": True}, native)


def test_per_request_tests() -> None:
    from django.http import StreamingHttpResponse

    from django_platform.parsers.middleware import (
        GZIP_ON_LOOP,
        messages_untouched,
        safe_method,
        session_untouched,
        small_body,
    )

    request = HttpRequest()
    assert session_untouched(request) and messages_untouched(request)
    assert small_body(request, HttpResponse(b"x" * GZIP_ON_LOOP))
    assert not small_body(request, HttpResponse(b"x" * (GZIP_ON_LOOP + 1)))
    assert small_body(request, StreamingHttpResponse(iter([b"x" * (GZIP_ON_LOOP + 1)])))
    request.method = "OPTIONS"
    assert safe_method(request)
    request.method = "PUT"
    assert not safe_method(request)


ENV = {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "a.onrender.com", "DJANGO_SECRET_KEY": "s" * 60}


def area(middleware: list[str], env: Mapping[str, str] | None = None, **more: Any) -> tuple[list[str], str]:
    """MIDDLEWARE and its report line after configure() for an ASGI project on Render."""
    import django_platform

    ns: dict[str, Any] = {
        "MIDDLEWARE": list(middleware),
        "INSTALLED_APPS": ["django.contrib.sessions", "django_platform"],
        "ASGI_APPLICATION": "p.asgi.application",
        **more,
    }
    report = django_platform.configure(ns, env={**ENV, **(env or {})})
    return ns["MIDDLEWARE"], report.source("MIDDLEWARE")


def test_configure_plans_the_hooks_on_the_loop_or_the_sync_chain() -> None:
    listed = [HEALTH, SECURITY, WHITENOISE, *STARTPROJECT[1:], SYNC_CHAIN]
    middleware, why = area(listed)
    assert middleware == [HEALTH, SECURITY, ASYNC_WHITENOISE, *STARTPROJECT[1:]]
    assert area(STARTPROJECT)[0] == middleware  # configure() inserts the health check's and WhiteNoise's
    assert area(middleware)[0] == middleware  # and again: the subclass kept, in its place, once
    assert "Django's middleware hooks on the event loop, no SyncChainMiddleware" in why
    assert f"{WHITENOISE} replaced by its async-capable subclass {ASYNC_WHITENOISE}" in why
    # Turned off, a middleware it does not know, or without the app (nothing would install it).
    off, why = area(listed, {"DJANGO_PLATFORM_INLINE_MIDDLEWARE": "false"})
    assert off == [HEALTH, SECURITY, WHITENOISE, *STARTPROJECT[1:], SYNC_CHAIN] and "SyncChainMiddleware last" in why
    assert area([*STARTPROJECT, "django.contrib.sites.middleware.CurrentSiteMiddleware"])[0][-1] == SYNC_CHAIN
    assert area(STARTPROJECT, INSTALLED_APPS=["django.contrib.sessions"])[0][-1] == SYNC_CHAIN
    assert area(STARTPROJECT, CSRF_USE_SESSIONS=True)[0][-1] == SYNC_CHAIN
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PLATFORM_INLINE_MIDDLEWARE") as caught:
        area(STARTPROJECT, {"DJANGO_PLATFORM_INLINE_MIDDLEWARE": "s3cr3t-value"})
    assert "s3cr3t-value" not in str(caught.value)


def test_the_app_installs_them_where_configure_planned_it() -> None:
    planned, unplanned = Report("render", "test"), Report("render", "test")
    planned.inline_middleware = True
    try:
        with override_settings(MIDDLEWARE=STARTPROJECT, DJANGO_PLATFORM_REPORT=planned):
            assert inline_hooks() == sorted(STARTPROJECT) and installed()
        uninstall()
        # A SyncChainMiddleware listed after configure(), configure() not planning it, or not called.
        with override_settings(MIDDLEWARE=[*STARTPROJECT, SYNC_CHAIN], DJANGO_PLATFORM_REPORT=planned):
            assert inline_hooks() == [] and not installed()
        with override_settings(MIDDLEWARE=STARTPROJECT, DJANGO_PLATFORM_REPORT=unplanned):
            assert inline_hooks() == []
        with override_settings(MIDDLEWARE=STARTPROJECT):
            assert inline_hooks() == []
    finally:
        uninstall()
    assert inline_middleware.installed() == frozenset()
    # configure() plans it where the project is served over ASGI, not for exclude={"asgi"} nor WSGI.
    ns: dict[str, Any] = {"MIDDLEWARE": list(STARTPROJECT), "INSTALLED_APPS": ["django_platform"]}
    import django_platform

    assert not django_platform.configure(dict(ns), env=ENV).inline_middleware
    asgi = {**ns, "ASGI_APPLICATION": "p.asgi.application"}
    assert django_platform.configure(dict(asgi), env=ENV).inline_middleware
    assert not django_platform.configure(dict(asgi), env=ENV, exclude={"asgi"}).inline_middleware


# --- WhiteNoise's middleware, async-capable --------------------------------------------------------


@pytest.fixture
def static_root(tmp_path: Path) -> Path:
    (tmp_path / "app.css").write_text("body { color: teal }")
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 800)  # 200 KiB: several blocks
    return tmp_path


@pytest.mark.parametrize("autorefresh", [False, True])
def test_the_async_whitenoise_serves_files_and_passes_the_rest(static_root: Path, autorefresh: bool) -> None:
    values = {
        **SETTINGS,
        "MIDDLEWARE": [ASYNC_WHITENOISE],
        "STATIC_ROOT": str(static_root),
        "STATIC_URL": "/static/",
        "WHITENOISE_AUTOREFRESH": autorefresh,
        "WHITENOISE_USE_FINDERS": False,
    }
    with override_settings(**values):
        served = Served()
        status, headers, body = served.request("GET", "/static/app.css")
        assert (status, body) == (200, b"body { color: teal }")
        # One trip for the file (opened and read whole there) beside the handler's own two.
        assert served.trips == 2 + autorefresh + 1
        big = (static_root / "big.bin").read_bytes()
        assert served.request("GET", "/static/big.bin")[2] == big
        ranged = served.request("GET", "/static/big.bin", headers={"range": "bytes=70000-140000"})
        assert ranged[0] == 206 and ranged[2] == big[70000:140001]
        assert ("content-type", 'text/css; charset="utf-8"') in headers
        assert served.request("HEAD", "/static/app.css")[::2] == (200, b"")
        assert served.request("GET", "/static/app.css", headers={"range": "bytes=0-3"})[::2] == (206, b"body")
        assert served.request("GET", "/quiet")[2] == b"quiet"
        from django.test import RequestFactory

        # Sync mode (WSGI): WhiteNoise's own __call__.
        middleware = import_string(ASYNC_WHITENOISE)(lambda request: HttpResponse("passed"))
        response = middleware(RequestFactory().get("/static/app.css"))
        assert b"".join(response.streaming_content) == b"body { color: teal }"
        response.file_to_stream.close()  # (response.close() would send request_finished: no request here)
        assert middleware(RequestFactory().get("/quiet")).content == b"passed"


def test_the_body_is_read_to_its_length_or_to_the_end_of_the_file() -> None:
    import io

    from django_platform.whitenoise_async import BLOCK, _body

    async def read(file: Any, first: bytes, left: int | None) -> list[bytes]:
        return [block async for block in _body(file, first, left)]

    data = bytes(range(256)) * 1024  # 256 KiB
    assert b"".join(asyncio.run(read(io.BytesIO(data), b"", None))) == data  # no Content-Length
    blocks = asyncio.run(read(io.BytesIO(data[10:]), data[:10], 1000))
    assert blocks == [data[:10], data[10:1010]]
    assert asyncio.run(read(io.BytesIO(b"short"), b"", BLOCK * 3)) == [b"short"]  # the file ends first
    assert asyncio.run(read(None, b"", 0)) == []  # HEAD, a 304


def test_only_the_listed_middleware_are_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    """auth's middleware imports its models, which fail where django.contrib.auth is not installed:
    one that MIDDLEWARE does not list is never imported (no instance of it is ever made)."""
    from django.utils import module_loading

    imported: list[str] = []

    def recording(path: str) -> Any:
        imported.append(path)
        return import_string(path)

    monkeypatch.setattr(module_loading, "import_string", recording)
    try:
        assert inline_middleware.install({"MIDDLEWARE": []}) == []
        assert inline_middleware.install({"MIDDLEWARE": ["django.middleware.security.SecurityMiddleware"]}) == [
            "django.middleware.security.SecurityMiddleware"
        ]
    finally:
        inline_middleware.uninstall()
    assert imported == ["django.middleware.security.SecurityMiddleware"]


@pytest.mark.slow
def test_a_project_without_the_auth_app_starts_under_asgi(tmp_path: Path) -> None:
    """Only the middleware MIDDLEWARE lists are imported: auth's imports its models, which fail
    where django.contrib.auth is not installed (an API-only project), at every command's setup."""
    import subprocess
    import sys

    from tests.platform_envs import clean_environ

    (tmp_path / "api_settings.py").write_text(
        "import django_platform\nSECRET_KEY = 's' * 50\nINSTALLED_APPS = ['django_platform']\n"
        "django_platform.configure(globals())\n"
    )
    env = clean_environ(DJANGO_SETTINGS_MODULE="api_settings", PYTHONPATH=str(tmp_path), DJANGO_PLATFORM_SERVER="asgi")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DJANGO_PLATFORM_REPORT.inline_middleware)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"  # planned, and nothing to install
