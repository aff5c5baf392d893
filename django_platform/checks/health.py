"""Platforms that decide from an HTTP health check whether a release goes live: a health path
must be wired, and where the platform reads it from a variable, that variable must name it."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning

from django_platform.checks import environment, target_platform
from django_platform.health import config, wired

W013 = "{platform} decides from an HTTP health check whether a release goes live, and no health path is wired."
W014 = "{variable} does not name the readiness path: {platform} probes another path before a release goes live."
OPT_IN = (
    "Set DJANGO_PLATFORM_HEALTH = True before configure() (or add path('', include('django_platform.health.urls'))"
    " to urls.py), then {how}."
)


def check_health_path(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if not platform.health_check:
        return []
    ready = config().ready
    how = platform.health_check.replace("{path}", ready)
    if not wired():
        return [Warning(W013.format(platform=platform.label), hint=OPT_IN.format(how=how), id="django_platform.W013")]
    variable = platform.health_check_variable
    if variable and environment().get(variable, "").strip() not in (ready, config().live):
        return [
            Warning(
                W014.format(variable=variable, platform=platform.label),
                hint=f"{how[0].upper()}{how[1:]}.",
                id="django_platform.W014",
            )
        ]
    return []


CHECKS = (check_health_path,)
