"""LOGGING to the console, where every platform collects logs; merged into the user's own."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.platforms import Context
from django_platform.report import Report, Source

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LEVEL_VARS = ("DJANGO_LOG_LEVEL", "LOG_LEVEL")
HANDLER = "django_platform_console"
BRIEF = "django_platform_brief"


class Brief(logging.Filter):
    """One WARNING line instead of an ERROR with a traceback: for DisallowedHost, which every
    scanner and health probe with a foreign Host triggers, and which says nothing about our code."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def log_level(env: Mapping[str, str]) -> tuple[str, str]:
    for name in LEVEL_VARS:
        value = env.get(name, "").strip().upper()
        if value:
            if value not in LEVELS:
                raise ImproperlyConfigured(f"{name} must be one of {', '.join(LEVELS)}.")
            return value, name
    return "INFO", "default"


def build_logging(env: Mapping[str, str], current: Mapping[str, Any] | None, report: Report) -> dict[str, Any]:
    """The user's LOGGING with a console handler added where they configured nothing."""
    level, source = log_level(env)
    config: dict[str, Any] = copy.deepcopy(dict(current or {}))
    config.setdefault("version", 1)
    # Keep Django's and libraries' loggers alive: only configure on top of them.
    config.setdefault("disable_existing_loggers", False)
    config.setdefault("formatters", {}).setdefault(HANDLER, {"format": "{levelname} {name}: {message}", "style": "{"})
    config.setdefault("handlers", {}).setdefault(HANDLER, {"class": "logging.StreamHandler", "formatter": HANDLER})
    config.setdefault("root", {"handlers": [HANDLER], "level": level})
    loggers = config.setdefault("loggers", {})
    # django.request errors (500s with tracebacks) must reach the platform's log stream.
    loggers.setdefault("django", {"handlers": [HANDLER], "level": level, "propagate": False})
    loggers.setdefault("django.request", {"handlers": [HANDLER], "level": "ERROR", "propagate": False})
    config.setdefault("filters", {}).setdefault(BRIEF, {"()": "django_platform.areas.logconf.Brief"})
    loggers.setdefault(
        "django.security.DisallowedHost", {"handlers": [HANDLER], "filters": [BRIEF], "propagate": False}
    )
    report.record(
        "LOGGING",
        {"root level": config["root"].get("level"), "console handler": HANDLER},
        Source(
            "default" if source == "default" else "environment",
            f"level from {source}" + ("; merged into settings.py's LOGGING" if current else ""),
            [] if source == "default" else [source],
        ),
    )
    return config


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    return Changes({"LOGGING": build_logging(ctx.env, ns.get("LOGGING"), report)})


SETTINGS = (
    Setting(
        "LOGGING",
        LEVEL_VARS,
        "a console handler on the root, `django` and `django.request` (errors) loggers, level INFO (the variable: "
        "DEBUG … CRITICAL); `django.security.DisallowedHost` (every probe with a foreign Host) as one WARNING "
        "line without a traceback; merged into `settings.py`'s `LOGGING` (its loggers and handlers win)",
    ),
)
