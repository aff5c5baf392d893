"""Health endpoints: HealthMiddleware first in MIDDLEWARE, and the Hosts the platform's probes send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.health import HOSTS_SETTING, MIDDLEWARE, SETTING, parse
from django_platform.platforms import Context
from django_platform.report import Report, Source

__all__ = ["MIDDLEWARE", "build_health"]


def build_health(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any]:
    health = parse(current.get(SETTING))  # a wrong setting fails at settings import, named
    result: dict[str, Any] = {}
    middleware = list(current.get("MIDDLEWARE") or [])
    # First: before the HTTPS redirect and every middleware that validates the Host.
    updated = [MIDDLEWARE, *(m for m in middleware if m != MIDDLEWARE)]
    if updated != middleware:
        result["MIDDLEWARE"] = updated
    state = (
        f"{health.live} (liveness) and {health.ready} (readiness)"
        if health.enabled
        else "inert until the health paths are included in urls.py or DJANGO_PLATFORM_HEALTH is set"
    )
    before = next((e.source for e in report.entries if e.setting == "MIDDLEWARE"), "")
    report.record("MIDDLEWARE", updated, "; ".join(filter(None, [before, f"HealthMiddleware first: {state}"])))
    own = current.get(HOSTS_SETTING)
    if own is not None:
        if not isinstance(own, (list, tuple)) or not all(isinstance(h, str) for h in own):
            raise ImproperlyConfigured(f"{HOSTS_SETTING} must be a list of host names, like ['localhost'].")
        report.record(HOSTS_SETTING, list(own), "settings.py")
    else:
        hosts = ctx.platform.health_hosts(ctx)
        result[HOSTS_SETTING] = hosts
        report.record(
            HOSTS_SETTING,
            hosts,
            Source("platform", f"{ctx.platform.label}'s health-check Host; private addresses always pass"),
        )
    if health.enabled and ctx.platform.health_check:
        report.note(f"{ctx.platform.label}: {ctx.platform.health_check.replace('{path}', health.ready)}.")
    return result


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    return Changes(build_health(ctx, ns.as_mapping(), report))


SETTINGS = (
    Setting(
        "MIDDLEWARE",
        (),
        "`HealthMiddleware` first, exactly once: inert until the health paths are opted in (see Health checks)",
    ),
)
