"""configure(): apply the environment and the platform profile to a settings namespace."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from types import ModuleType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.databases import build_databases
from django_platform.platforms import Detection, Platform, detect, get_platform
from django_platform.report import Report

REPORT_SETTING = "DJANGO_PLATFORM_REPORT"


class Namespace:
    """settings.py's globals() or a settings module, behind one small interface."""

    def __init__(self, target: MutableMapping[str, Any] | ModuleType) -> None:
        self._dict: MutableMapping[str, Any] = vars(target) if isinstance(target, ModuleType) else target

    def get(self, name: str, default: Any = None) -> Any:
        return self._dict.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self._dict

    def set(self, name: str, value: Any) -> None:
        self._dict[name] = value


Area = Callable[[Namespace, Mapping[str, str], Platform, Report], None]


def _databases(ns: Namespace, env: Mapping[str, str], platform: Platform, report: Report) -> None:
    databases = build_databases(env, platform, ns.get("DATABASES"), report)
    if databases is not None:
        ns.set("DATABASES", databases)


# Applied in this order; each may be opted out of with configure(..., exclude={"name"}).
AREAS: dict[str, Area] = {
    "databases": _databases,
}


def configure(
    settings: MutableMapping[str, Any] | ModuleType,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    exclude: Iterable[str] = (),
) -> Report:
    """Set Django settings from the environment and the detected platform; return the report.

    settings: settings.py's globals() (or a settings module).
    env: the environment to read (default os.environ).
    platform: a platform name, overriding DJANGO_PLATFORM and detection.
    exclude: areas to leave alone, from AREAS.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    skipped = set(exclude)
    unknown = skipped - AREAS.keys()
    if unknown:
        raise ImproperlyConfigured(
            f"configure(exclude=...) got unknown areas {sorted(unknown)}; valid: {', '.join(AREAS)}."
        )
    detection = (
        Detection(get_platform(platform, variable="configure(platform=...)"), f"configure(platform={platform!r})")
        if platform
        else detect(environ)
    )
    report = Report(detection.platform.name, detection.reason)
    ns = Namespace(settings)
    for name, apply in AREAS.items():
        if name not in skipped:
            apply(ns, environ, detection.platform, report)
    ns.set(REPORT_SETTING, report)
    return report
