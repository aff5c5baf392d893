"""Which packages the project declares, from whichever dependency file it uses."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

# In the order a buildpack looks for them.
FILES = ("requirements.txt", "Pipfile.lock", "poetry.lock", "uv.lock", "pyproject.toml")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")

# Engine family -> packages that provide a driver for it (normalised names).
DRIVERS = {
    "postgresql": ("psycopg", "psycopg-binary", "psycopg2", "psycopg2-binary", "psycopg-c"),
    "mysql": ("mysqlclient", "pymysql"),
}
# What to suggest when none is declared.
SUGGESTED = {"postgresql": "psycopg", "mysql": "mysqlclient"}
# django-platform's own extras that bring a driver.
EXTRA_DRIVERS = {"postgresql": "postgres", "mysql": "mysql"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class Declared(NamedTuple):
    file: str
    packages: dict[str, set[str]]  # normalised name -> extras


def _requirement(line: str) -> tuple[str, set[str]] | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    match = _NAME.match(line)
    if not match:
        return None
    extras = {normalise(e) for e in (match.group(2) or "[]")[1:-1].split(",") if e.strip()}
    return normalise(match.group(1)), extras


def _collect(requirements: Iterable[str]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for line in requirements:
        found = _requirement(line)
        if found:
            packages.setdefault(found[0], set()).update(found[1])
    return packages


def _toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 (covered by its tox environment)
        import tomli as tomllib
    return tomllib.loads(text)


def parse(name: str, text: str) -> dict[str, set[str]]:
    if name == "requirements.txt":
        return _collect(text.splitlines())
    if name == "Pipfile.lock":
        data = json.loads(text)
        return {normalise(k): set() for k in data.get("default", {})}
    if name in ("poetry.lock", "uv.lock"):
        return {normalise(p["name"]): set() for p in _toml(text).get("package", []) if "name" in p}
    project = _toml(text).get("project", {})
    return _collect(project.get("dependencies", []))


def declared(root: Path) -> Declared | None:
    """The first dependency file found in `root`, parsed; None when there is none."""
    for name in FILES:
        path = root / name
        if path.is_file():
            try:
                return Declared(name, parse(name, path.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return Declared(name, {})
    return None


def missing(found: Declared, engine_families: Iterable[str]) -> list[str]:
    """What a deploy needs that the file does not declare: gunicorn, django-platform, drivers."""
    packages = found.packages
    absent = [name for name in ("gunicorn", "django-platform") if name not in packages]
    if "gunicorn" in absent and "django-platform" in packages:
        absent.remove("gunicorn")  # a dependency of django-platform
    our_extras = packages.get("django-platform", set())
    for family in sorted(set(engine_families)):
        drivers = DRIVERS.get(family)
        if drivers and not any(d in packages for d in drivers) and EXTRA_DRIVERS[family] not in our_extras:
            absent.append(f"a {family} driver ({SUGGESTED[family]})")
    return absent
