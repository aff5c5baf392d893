"""Under ASGI, the middleware without a thread trip each: Django's own hooks on the event loop
(django_platform/inline_middleware.py) where every middleware allows it, else SyncChainMiddleware last
so that the chain runs in the request's one thread (django_platform/sync_chain.py)."""

from __future__ import annotations

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.areas.static import ASYNC_WHITENOISE, WHITENOISE
from django_platform.health import MIDDLEWARE as HEALTH
from django_platform.parsers.middleware import plan
from django_platform.parsers.serving import INLINE_MIDDLEWARE_VARIABLE, app_names, asgi_reason, inline_middleware
from django_platform.platforms import Context
from django_platform.report import Report

SYNC_CHAIN = "django_platform.sync_chain.SyncChainMiddleware"
# Async-capable without MiddlewareMixin's hop per hook (WhiteNoise's is replaced by its async subclass).
NATIVE = (HEALTH, ASYNC_WHITENOISE, WHITENOISE)


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    current = ns.as_mapping()
    middleware = current.get("MIDDLEWARE")
    reason = asgi_reason(current, ctx.env)
    if reason is None or not isinstance(middleware, list):
        return Changes()
    rest = [m for m in middleware if m != SYNC_CHAIN]
    # The app's ready() installs the inline hooks: without the app in INSTALLED_APPS, nothing would.
    if (
        inline_middleware(ctx.env)
        and "django_platform" in app_names(current)
        and all(isinstance(m, str) for m in rest)
        and plan(rest, current, NATIVE)
    ):
        updated = [ASYNC_WHITENOISE if m == WHITENOISE else m for m in rest]
        report.inline_middleware = True
        swapped = f"; {WHITENOISE} replaced by its async-capable subclass {ASYNC_WHITENOISE}"
        why = (
            f"served over ASGI ({reason}): Django's middleware hooks on the event loop, no SyncChainMiddleware"
            + (swapped if WHITENOISE in rest else "")
            + f" ({INLINE_MIDDLEWARE_VARIABLE}=false keeps Django's own)"
        )
    else:
        updated = [*rest, SYNC_CHAIN]
        why = f"SyncChainMiddleware last: served over ASGI ({reason}), the middleware run in the request's one thread"
    before = next((e.source for e in report.entries if e.setting == "MIDDLEWARE"), "")
    report.record("MIDDLEWARE", updated, "; ".join(filter(None, [before, why])))
    return Changes({} if updated == middleware else {"MIDDLEWARE": updated})


SETTINGS = (
    Setting(
        "MIDDLEWARE",
        (),
        "served over ASGI (see CONN_MAX_AGE): where every middleware is Django's own (security, common, "
        "clickjacking, auth, sessions, CSRF, messages, locale, conditional GET, GZip), WhiteNoise's, the health "
        "check's, django-cors-headers', django-htmx's, django-csp's or django-allauth's account middleware, their "
        "hooks run on the event loop (the app installs it; WhiteNoise's middleware becomes its async-capable "
        "subclass); otherwise `SyncChainMiddleware` last, so Django runs the middleware above it in the request's one "
        "thread instead of hopping between the event loop and a thread for each of them "
        f"(`{INLINE_MIDDLEWARE_VARIABLE}=false` keeps Django's hooks; `configure(exclude={{'asgi'}})` leaves both out)",
    ),
)
