"""Under ASGI, SyncChainMiddleware last in MIDDLEWARE: the chain above it runs in the request's one
thread instead of hopping to a thread and back for each middleware (django_platform/sync_chain.py)."""

from __future__ import annotations

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.parsers.serving import asgi_reason
from django_platform.platforms import Context
from django_platform.report import Report

SYNC_CHAIN = "django_platform.sync_chain.SyncChainMiddleware"


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    current = ns.as_mapping()
    middleware = current.get("MIDDLEWARE")
    reason = asgi_reason(current, ctx.env)
    if reason is None or not isinstance(middleware, list):
        return Changes()
    updated = [*(m for m in middleware if m != SYNC_CHAIN), SYNC_CHAIN]
    before = next((e.source for e in report.entries if e.setting == "MIDDLEWARE"), "")
    why = f"SyncChainMiddleware last: served over ASGI ({reason}), the middleware run in the request's one thread"
    report.record("MIDDLEWARE", updated, "; ".join(filter(None, [before, why])))
    return Changes({} if updated == middleware else {"MIDDLEWARE": updated})


SETTINGS = (
    Setting(
        "MIDDLEWARE",
        (),
        "served over ASGI (see CONN_MAX_AGE): `SyncChainMiddleware` last, so Django runs the middleware above it "
        "in the request's one thread instead of hopping between the event loop and a thread for each of them "
        "(`configure(exclude={'asgi'})` leaves it out)",
    ),
)
