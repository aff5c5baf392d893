"""django-platform: Django settings, deployment files and checks for Procfile-based platforms.

Importing this package is cheap: configure() loads its machinery on first call.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, MutableMapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_platform.report import Report

__version__ = "0.1.0"
__all__ = ["__version__", "configure"]


def configure(
    settings: MutableMapping[str, Any] | ModuleType,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    exclude: Iterable[str] = (),
    dotenv: bool | str | os.PathLike[str] = False,
) -> Report:
    """Apply the environment and the platform profile to `settings` (settings.py's globals())."""
    # Local: `import django_platform` (INSTALLED_APPS, a gunicorn config) stays free of Django's machinery.
    from django_platform.configuration import configure as _configure

    return _configure(settings, env=env, platform=platform, exclude=exclude, dotenv=dotenv)
