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
    loggers = config.setdefault("loggers", {})
    # settings.py's root stream handlers (a JSON formatter a log service parses, cookiecutter-django's
    # verbose one) get Django's records too: ours would print them in another shape. A root that
    # writes to files only would keep them from the platform's log stream: ours then.
    own_root = config.get("root", loggers.get(""))
    theirs = isinstance(own_root, Mapping) and _streams(own_root.get("handlers"), config["handlers"])
    if "root" not in config and not isinstance(loggers.get(""), Mapping):  # dictConfig takes either
        config["root"] = {"handlers": [HANDLER], "level": level}
    root = config.get("root", loggers.get(""))
    target: dict[str, Any] = {"propagate": True} if theirs else {"handlers": [HANDLER], "propagate": False}
    # django.request errors (500s with tracebacks) must reach the platform's log stream: named, so that
    # settings.py's disable_existing_loggers leaves them alive.
    loggers.setdefault("django", {**target, "level": level})
    loggers.setdefault("django.request", {**target, "level": "ERROR"})
    config.setdefault("filters", {}).setdefault(BRIEF, {"()": "django_platform.areas.logconf.Brief"})
    loggers.setdefault("django.security.DisallowedHost", {**target, "filters": [BRIEF]})
    report.record(
        "LOGGING",
        {"root level": root.get("level") if isinstance(root, Mapping) else None, "console handler": HANDLER},
        Source(
            "default" if source == "default" else "environment",
            f"level from {source}"
            + ("; merged into settings.py's LOGGING" if current else "")
            + ("; Django's loggers to settings.py's root handlers" if theirs else ""),
            [] if source == "default" else [source],
        ),
    )
    return config


def _streams(names: Any, handlers: Mapping[str, Any]) -> bool:
    """Whether one of the named handlers writes to a stream (stderr, stdout: the platform's log)."""
    found = [handlers.get(n) for n in names if isinstance(n, str)] if isinstance(names, (list, tuple)) else []
    return any(isinstance(h, Mapping) and str(h.get("class", "")).endswith("StreamHandler") for h in found)


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    return Changes({"LOGGING": build_logging(ctx.env, ns.get("LOGGING"), report)})


SETTINGS = (
    Setting(
        "LOGGING",
        LEVEL_VARS,
        "a console handler on the root, `django` and `django.request` (errors) loggers, level INFO (the variable: "
        "DEBUG … CRITICAL); `django.security.DisallowedHost` (every probe with a foreign Host) as one WARNING "
        "line without a traceback; merged into `settings.py`'s `LOGGING` (its loggers and handlers win; where its "
        "root logger has a stream handler, Django's loggers propagate to it instead of the console handler)",
    ),
)
