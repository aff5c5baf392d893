"""System checks for what breaks or loses data on a platform, registered under the "platform" tag.

They are deployment checks: `check --deploy` and `platform_check` run them; `runserver` never does.
They judge against the platform configure() detected, or the one `platform_check --platform` names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core import checks

from django_platform.areas.hosts import origin
from django_platform.platforms import Context, Platform, detect, get_platform

TAG = "platform"
_target: ContextVar[Platform | None] = ContextVar("django_platform_target", default=None)


def environment() -> Mapping[str, str]:
    """The environment configure() read, as it recorded it (configure(env=...) and .env
    included); only a project that never calls configure() has its process environment judged."""
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    return report.environment if report is not None else os.environ


def target_platform() -> Platform:
    override = _target.get()
    if override is not None:
        return override
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    if report is not None:
        return get_platform(report.platform)
    return detect(os.environ).platform


def expected_origins(platform: Platform) -> list[str]:
    """The https origins of the platform's host names, as configure() found them; for another
    platform (platform_check --platform), from the recorded environment."""
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    if report is not None and report.platform == platform.name:
        return list(report.platform_origins)

    return [origin(h) for h, _ in platform.hosts(Context(environment(), platform)) if h != "*"]


@contextmanager
def judging(platform: Platform) -> Iterator[None]:
    """Run checks against `platform` instead of the detected one."""
    token = _target.set(platform)
    try:
        yield
    finally:
        _target.reset(token)


def register() -> None:
    # Local: the check modules import models and storages, which need the app registry ready.
    from django_platform.checks import (
        channels,
        database,
        deployfiles,
        disk,
        health,
        mail,
        manifests,
        python,
        replaced,
        serving,
        tasks,
        templates,
        web,
    )

    for module in (
        disk,
        database,
        web,
        mail,
        deployfiles,
        health,
        tasks,
        replaced,
        templates,
        channels,
        serving,
        manifests,
        python,
    ):
        for function in module.CHECKS:
            checks.register(function, TAG, deploy=True)
