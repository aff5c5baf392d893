"""Which packages the project declares, read from its dependency file as pip and the lockers do.

requirements files follow `-r`/`-c` includes relative to the including file; `-e`, VCS, URL,
local-path and `name @ url` lines name their package. A malformed file is a finding (Declared with
`problem` set), never an exception.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

# In the order a buildpack looks for them.
FILES = ("requirements.txt", "Pipfile.lock", "poetry.lock", "uv.lock", "pyproject.toml")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")
_DIRECT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")
# An sdist or wheel file name: django_platform-0.1.0.tar.gz, django_platform-0.1.0-py3-none-any.whl.
_ARCHIVE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._]*?)-[0-9][^/]*\.(?:whl|tar\.gz|zip|tar\.bz2)$")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(?P<file>\S+)")
_EDITABLE = re.compile(r"^(-e|--editable)(?:\s*=\s*|\s+)(?P<target>.+)$")
MAX_INCLUDES = 100  # more is a generated loop, not a project

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
    problem: str = ""  # why the file (or one it includes) could not be read fully
    # normalised name -> version specifiers as written ("==23.0.0", ">=26,<27"), from requirement
    # lines and lock files; several lines for one package are joined with commas, as pip ANDs them.
    pins: dict[str, str] = {}  # shared default, never mutated: declared() passes its own


# What django-platform needs of the packages a project may pin; pyproject.toml's dependencies say
# the same (tests/test_deps_pins.py compares them).
RUNTIME = {"django": ">=5.2", "dj-database-url": ">=3.0", "whitenoise": ">=6.6", "gunicorn": ">=23"}
# What follows a requirement's name and extras: version specifiers, optionally in parentheses.
_SPECIFIER = re.compile(r"^\(?\s*(?P<spec>(?:===|[<>=!~]=|[<>])[^;()]*?)\s*\)?$")


def specifier(line: str) -> str:
    """The version specifiers of a plain requirement line ("==23.0.0", ">=26,<27"); "" for none,
    and for -e, URL, path and `name @ url` lines, which name no version range."""
    line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].split(";", 1)[0].strip()
    if not line or line.startswith("-") or _DIRECT.match(line) or "://" in line or "/" in line:
        return ""
    name = _NAME.match(line)
    match = _SPECIFIER.match(line[name.end() :].strip()) if name else None
    return re.sub(r"\s+", "", match.group("spec")) if match else ""


def _pin(pins: dict[str, str] | None, name: str, spec: str) -> None:
    if pins is not None and spec:
        pins[name] = f"{pins[name]},{spec}" if name in pins else spec


def _extras(group: str | None) -> set[str]:
    return {normalise(e) for e in (group or "[]")[1:-1].split(",") if e.strip()}


def _local_project(path: Path) -> str | None:
    """The name a local directory installs as: its pyproject.toml's, else the directory's."""
    try:
        name = _toml((path / "pyproject.toml").read_text(encoding="utf-8")).get("project", {}).get("name")
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else (path.name or None)


def _from_target(target: str, base: Path) -> tuple[str, set[str]] | None:
    """The package a URL, VCS or path requirement installs."""
    egg = _EGG.search(target)
    if egg:
        return normalise(egg.group(1)), _extras(egg.group(2))
    bare = target.split("#", 1)[0]
    if "://" in bare:
        parts = unquote(urlsplit(bare.split("+", 1)[-1]).path).rstrip("/").split("/")
        # GitHub-style source archives: .../NAME/archive/REF.zip names its repository.
        tail = parts[-3] if len(parts) >= 3 and parts[-2] == "archive" else parts[-1]
    else:
        tail = Path(bare).name
    archive = _ARCHIVE.match(tail)
    if archive:
        return normalise(archive.group(1)), set()
    if "://" in bare:  # a repository: its last path part, without .git
        repository = tail.removesuffix(".git")
        return (normalise(repository), set()) if repository else None
    local = _local_project(base / bare)
    return (normalise(local), set()) if local else None


def requirement(line: str, base: Path = Path()) -> tuple[str, set[str]] | None:
    """(name, extras) of one requirement line, None for options, comments and blank lines."""
    line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
    if not line:
        return None
    editable = _EDITABLE.match(line)
    if editable:
        return _from_target(editable.group("target").strip(), base)
    if line.startswith("-"):
        return None
    direct = _DIRECT.match(line)
    if direct:  # name[extras] @ url
        return normalise(direct.group(1)), _extras(direct.group(2))
    target = line.split(";", 1)[0].strip()
    if "://" in target or "/" in target or target.startswith(".") or _ARCHIVE.match(target):
        return _from_target(target, base)
    match = _NAME.match(line)
    return (normalise(match.group(1)), _extras(match.group(2))) if match else None


def read_requirements(
    path: Path, *, root: Path | None = None, seen: set[Path] | None = None, pins: dict[str, str] | None = None
) -> dict[str, set[str]]:
    """Packages of a requirements file and the files it includes (relative to the including file);
    local paths are relative to `root`, where the build runs pip. ValueError names a bad include.
    `pins` collects the version specifiers (-c constraint files included: pip applies them too)."""
    seen = set() if seen is None else seen
    root = path.parent if root is None else root
    resolved = path.resolve()
    if resolved in seen:
        return {}  # an include cycle: pip would loop, we read each file once
    if len(seen) >= MAX_INCLUDES:
        raise ValueError(f"more than {MAX_INCLUDES} included files")
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} cannot be read ({type(exc).__name__})") from None
    packages: dict[str, set[str]] = {}
    # pip joins lines ending in a backslash.
    for line in re.sub(r"\\\r?\n", " ", text).splitlines():
        include = _INCLUDE.match(line.strip())
        if include:
            found = read_requirements(path.parent / include.group("file"), root=root, seen=seen, pins=pins)
        else:
            one = requirement(line, root)
            found = {one[0]: one[1]} if one else {}
            if one:
                _pin(pins, one[0], specifier(line))
        for name, extras in found.items():
            packages.setdefault(name, set()).update(extras)
    return packages


def _collect(requirements: Iterable[Any], pins: dict[str, str] | None = None) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for line in requirements:
        if not isinstance(line, str):
            raise ValueError("a dependency that is not a string")
        found = requirement(line)
        if found:
            packages.setdefault(found[0], set()).update(found[1])
            _pin(pins, found[0], specifier(line))
    return packages


def _toml(text: str) -> dict[str, Any]:
    # Local: only platform_check reads pyproject.toml; tomllib is tomli before Python 3.11.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 (covered by its tox environment)
        import tomli as tomllib
    return tomllib.loads(text)


def _pyproject(data: dict[str, Any], pins: dict[str, str] | None = None) -> dict[str, set[str]]:
    """PEP 621 dependencies and optional groups, PEP 735 dependency groups, Poetry's tables."""
    project = data.get("project", {})
    lines: list[Any] = list(project.get("dependencies", []))
    for group in [*project.get("optional-dependencies", {}).values(), *data.get("dependency-groups", {}).values()]:
        lines += [item for item in group if not isinstance(item, dict)]  # {include-group = ...}
    packages = _collect(lines, pins)
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), *(g.get("dependencies", {}) for g in poetry.get("group", {}).values())]
    for table in tables:
        for name, spec in table.items():
            extras = spec.get("extras", []) if isinstance(spec, dict) else []
            if normalise(name) != "python":
                packages.setdefault(normalise(name), set()).update(normalise(e) for e in extras)
    return packages


def parse(name: str, text: str, pins: dict[str, str] | None = None) -> dict[str, set[str]]:
    """A dependency file other than requirements.txt (which has includes: read_requirements);
    lock files pin every package to the version they locked."""
    if name == "requirements.txt":
        return _collect(text.splitlines(), pins)
    if name == "Pipfile.lock":
        default = json.loads(text).get("default", {})
        for key, entry in default.items():
            version = entry.get("version") if isinstance(entry, dict) else None
            _pin(pins, normalise(key), version if isinstance(version, str) else "")
        return {normalise(k): set() for k in default}
    if name in ("poetry.lock", "uv.lock"):
        locked = [p for p in _toml(text).get("package", []) if "name" in p]
        for package in locked:
            version = package.get("version")
            _pin(pins, normalise(package["name"]), f"=={version}" if isinstance(version, str) else "")
        return {normalise(p["name"]): set() for p in locked}
    return _pyproject(_toml(text), pins)


def declared(root: Path) -> Declared | None:
    """The first dependency file found in `root`, parsed; None when there is none."""
    for name in FILES:
        path = root / name
        if path.is_file():
            pins: dict[str, str] = {}
            try:
                if name == "requirements.txt":
                    return Declared(name, read_requirements(path, pins=pins), pins=pins)
                return Declared(name, parse(name, path.read_text(encoding="utf-8-sig"), pins), pins=pins)
            except (
                ValueError,
                KeyError,
                TypeError,
                AttributeError,
                UnicodeDecodeError,
                OSError,
                RecursionError,
            ) as exc:
                # JSON, TOML and our own messages give a position or a file name, never a line's
                # content (a requirement URL may carry a token).
                reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
                return Declared(name, {}, problem=f"{name} could not be read: {reason}")
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


def excluded(found: Declared) -> list[tuple[str, str, str]]:
    """(package, the project's specifiers, ours) for each pin that leaves no version django-platform
    can use: pip's build would stop with ResolutionImpossible. Unparsable specifiers are left to pip."""

    found_pins = []
    for name, ours in RUNTIME.items():
        theirs = found.pins.get(name)
        if not theirs:
            continue
        try:
            pinned = SpecifierSet(theirs)
        except InvalidSpecifier:
            continue
        if not _overlap(pinned, SpecifierSet(ours)):
            found_pins.append((name, theirs, ours))
    return found_pins


def _overlap(first: Any, second: Any) -> bool:
    """Whether some release satisfies both specifier sets, judged on the versions either names and
    their neighbours (the boundaries are where two ranges can meet)."""

    candidates: set[Any] = set()
    for spec in [*first, *second]:
        try:
            version = Version(spec.version.rstrip(".*"))
        except InvalidVersion:  # ===anything: no range to judge, pip will say
            return True
        parts = [*version.release, 0, 0][:3]
        major, minor, micro = parts
        candidates.update(
            Version(v)
            for v in (
                str(version),
                f"{major}.{minor}.{micro + 1}",
                f"{major}.{minor + 1}",
                f"{major + 1}.0",
                f"{major}.{max(minor - 1, 0)}.9999",
                f"{max(major - 1, 0)}.9999",
            )
        )
    return any(v in first and v in second for v in candidates)
