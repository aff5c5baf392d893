"""System checks for what breaks or loses data on a platform, registered under the "platform" tag.

They are deployment checks: `check --deploy` and `platform_check` run them; `runserver` never does.
They judge against the platform configure() detected, or the one `platform_check --platform` names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

from django_platform.platforms import Platform, detect, get_platform

TAG = "platform"
_target: ContextVar[Platform | None] = ContextVar("django_platform_target", default=None)


def target_platform() -> Platform:
    override = _target.get()
    if override is not None:
        return override
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    if report is not None:
        return get_platform(report.platform)
    return detect(os.environ).platform


@contextmanager
def judging(platform: Platform) -> Iterator[None]:
    """Run checks against `platform` instead of the detected one."""
    token = _target.set(platform)
    try:
        yield
    finally:
        _target.reset(token)


def register() -> None:
    from django.core import checks

    from django_platform.checks import database, deployfiles, disk, mail, web

    for module in (disk, database, web, mail, deployfiles):
        for function in module.CHECKS:
            checks.register(function, TAG, deploy=True)
