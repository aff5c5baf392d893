"""The exception reporter filter that masks credentials inside URLs and DSNs on error pages and in
error mails, unless settings.py chose a filter of its own."""

from __future__ import annotations

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.platforms import Context
from django_platform.report import Report, Source

# The dotted path only: importing django.views.debug here would load half of Django.
FILTER = "django_platform.exception_filter.PlatformExceptionReporterFilter"


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    current = ns.get("DEFAULT_EXCEPTION_REPORTER_FILTER")
    if current and current != "django.views.debug.SafeExceptionReporterFilter":
        report.record("DEFAULT_EXCEPTION_REPORTER_FILTER", current, "settings.py")
        return Changes()
    report.record(
        "DEFAULT_EXCEPTION_REPORTER_FILTER", FILTER, Source("default", "masks credentials inside URLs and DSNs")
    )
    return Changes({"DEFAULT_EXCEPTION_REPORTER_FILTER": FILTER})


SETTINGS = (
    Setting(
        "DEFAULT_EXCEPTION_REPORTER_FILTER",
        (),
        "`django_platform.exception_filter.PlatformExceptionReporterFilter` unless `settings.py` sets one: it also "
        "masks credentials inside URL values (`DATABASE_URL`, `REDIS_URL`, `*_DSN`) in settings, `request.META` "
        "and traceback variables on the DEBUG page and in 500 reports",
    ),
)
