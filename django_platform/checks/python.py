"""The Python the platform will run, from the files its build reads, against what the packages
installed here require: a `.python-version` left behind by an upgrade fails the platform's build."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Any

from django.core.checks import CheckMessage, Warning
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from django_platform.checks import target_platform
from django_platform.deploy.files import project_dir
from django_platform.parsers.python_version import FILES, requested_python

W057 = (
    "The project asks {platform} for Python {version} ({source}), and {package} {installed}, installed here, "
    "requires Python {requires}: the platform's build cannot install it."
)
HINT_W057 = "Ask for a Python {package} supports in {source} (this one runs {here})."
# What the platform's build installs beside the project's own pins, whatever they are.
PACKAGES = ("Django", "django-platform")
INTERPRETER = "this interpreter"


def platform_python() -> tuple[tuple[int, int], str]:
    """The Python the platform runs and where that is said: the project's `.python-version` or
    `runtime.txt` (what the platforms' builds read), else this interpreter's."""
    root = project_dir()
    for name in FILES:
        try:
            text = (root / name).read_text(encoding="utf-8-sig", errors="replace")
        except OSError:  # absent, a directory, unreadable: the next file says it, or nothing does
            continue
        version = requested_python(text)
        if version is not None:
            return version, name
    return (sys.version_info.major, sys.version_info.minor), INTERPRETER


def check_python(
    app_configs: Any = None, *, python: tuple[tuple[int, int], str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """`python`: the version the platform is asked for and where (platform_python()'s by default)."""
    platform = target_platform()
    if platform.development:
        return []
    version, source = python or platform_python()
    if source == INTERPRETER:  # nothing asked: the platform's default, or this one where it runs
        return []
    asked = f"{version[0]}.{version[1]}"
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    messages: list[CheckMessage] = []
    for package in PACKAGES:
        try:
            found = metadata.metadata(package)
        except metadata.PackageNotFoundError:
            continue
        try:
            requires = SpecifierSet((found.get_all("Requires-Python") or [""])[0])
        except InvalidSpecifier:
            continue
        if not requires.contains(asked, prereleases=True):
            messages.append(
                Warning(
                    W057.format(
                        platform=platform.label,
                        version=asked,
                        source=source,
                        package=package,
                        installed=found["Version"],
                        requires=requires,
                    ),
                    hint=HINT_W057.format(package=package, source=source, here=here),
                    id="django_platform.W057",
                )
            )
    return messages


CHECKS = (check_python,)
