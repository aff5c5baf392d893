"""Which middleware may run their hooks on the event loop under ASGI, and when
(django_platform/inline_middleware.py applies it). Pure: dotted paths, settings and the request."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SECURITY = "django.middleware.security.SecurityMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"
LOCALE = "django.middleware.locale.LocaleMiddleware"
CONDITIONAL_GET = "django.middleware.http.ConditionalGetMiddleware"
GZIP = "django.middleware.gzip.GZipMiddleware"
# Left to Django's threads: those that query the database (sites', flatpages', redirects',
# admindocs') or the cache (the cache middleware).

# Async in their own code, as real projects list them (cookiecutter-django lists the first and the last):
# django-cors-headers from 4.0, django-htmx, django-allauth from 0.61. An older, sync-only release is
# adapted by Django (correct, two hops dearer: W052 names it). CORS's check_request_enabled signal may
# query the database: django_platform/inline_middleware.py sends its hooks to a thread while it has receivers.
CORS = "corsheaders.middleware.CorsMiddleware"
HTMX = "django_htmx.middleware.HtmxMiddleware"
ALLAUTH = "allauth.account.middleware.AccountMiddleware"
ASYNC_NATIVE = (CORS, HTMX, ALLAUTH)
# Engines and storages whose construction reads the request only (a file engine stats a directory).
SESSION_ENGINES = frozenset(
    f"django.contrib.sessions.backends.{name}" for name in ("db", "cache", "cached_db", "signed_cookies")
)
MESSAGE_STORAGES = frozenset(
    f"django.contrib.messages.storage.{name}"
    for name in ("fallback.FallbackStorage", "cookie.CookieStorage", "session.SessionStorage")
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # RFC 9110's, as CsrfViewMiddleware has them

Test = Callable[[Any], bool]  # the request -> whether the hook may run on the event loop
ResponseTest = Callable[[Any, Any], bool]  # the request and the response -> the same
# GZip's response hook compresses a body Django holds: on the loop up to 64 KiB (about 200 µs, a trip
# to a thread costs as much), in the request's thread above, where zlib lets the loop run meanwhile.
GZIP_ON_LOOP = 64 * 1024


def always(request: Any, response: Any = None) -> bool:
    return True


def session_untouched(request: Any, response: Any = None) -> bool:
    session = getattr(request, "session", None)
    return session is None or not (session.accessed or session.modified)


def safe_method(request: Any) -> bool:
    return request.method in SAFE_METHODS


def messages_untouched(request: Any, response: Any = None) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is None or not (storage.used or storage.added_new)


def small_body(request: Any, response: Any) -> bool:
    # A streaming body is compressed as it is sent, not in the hook.
    return bool(response.streaming) or len(response.content) <= GZIP_ON_LOOP


@dataclass(frozen=True)
class Hooks:
    """Per hook, whether this request's call may run on the event loop (process_request always does:
    in each of these it reads the request and sets lazy attributes)."""

    view: Test = always
    response: ResponseTest = always


# A third party's MiddlewareMixin whose hooks read and write the request and the response only:
# django-csp's (a nonce from os.urandom, the policy from settings). Installed where listed only.
CSP = "csp.middleware.CSPMiddleware"
LISTED = {CSP: Hooks()}


def rules(settings: Mapping[str, Any]) -> dict[str, Hooks]:
    """The middleware (dotted paths) whose hooks may run on the event loop under these settings
    (Django's defaults where a setting is absent)."""
    # Locale's hooks read the request's headers and cookie, activate a language (a context variable under
    # ASGI, as in Django's own thread) and check URLs; conditional GET hashes a body Django already holds.
    found = {path: Hooks() for path in (SECURITY, COMMON, CLICKJACKING, AUTH, LOCALE, CONDITIONAL_GET)}
    found[GZIP] = Hooks(response=small_body)
    engine = settings.get("SESSION_ENGINE", "django.contrib.sessions.backends.db")
    if engine in SESSION_ENGINES and not settings.get("SESSION_SAVE_EVERY_REQUEST", False):
        found[SESSIONS] = Hooks(response=session_untouched)
    if not settings.get("CSRF_USE_SESSIONS", False):
        found[CSRF] = Hooks(view=safe_method)
    if settings.get("MESSAGE_STORAGE", "django.contrib.messages.storage.fallback.FallbackStorage") in MESSAGE_STORAGES:
        found[MESSAGES] = Hooks(response=messages_untouched)
    return found


def plan(middleware: Iterable[str], settings: Mapping[str, Any], native: Iterable[str]) -> bool:
    """Whether every middleware runs without a thread trip of its own once installed: one of the
    rules', one of LISTED or ASYNC_NATIVE, or one of `native` (async-capable without MiddlewareMixin's hops)."""
    allowed = set(rules(settings)) | set(LISTED) | set(ASYNC_NATIVE) | set(native)
    return all(name in allowed for name in middleware)
