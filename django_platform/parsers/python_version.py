"""The Python a project asks its platform for, from the files the platforms' Python builds read:
`.python-version` (Heroku, Render, Railway, Fly.io's and Scalingo's buildpacks; pyenv and uv write
it), the older `runtime.txt` (`python-3.11.7`) and a Pipenv project's `Pipfile.lock`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

# pyenv's and uv's forms: "3.11", "3.11.7", "cpython-3.12.1-linux-x86_64-gnu"; runtime.txt's "python-3.11.7".
VERSION = re.compile(r"(?:c?python-)?(\d+)\.(\d+)(?:\.\d+)?(?:\S*)")


def requested_python(text: str) -> tuple[int, int] | None:
    """(major, minor) from a `.python-version` or `runtime.txt` body: its first line that is not blank
    or a comment; None where that line names no CPython version ("system", "pypy3.10", junk)."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found = VERSION.fullmatch(line)
        return (int(found[1]), int(found[2])) if found else None
    return None


def pipfile_lock_python(text: str) -> tuple[int, int] | None:
    """(major, minor) from a Pipfile.lock's `_meta.requires`: `python_full_version` ("3.12.4"), else
    `python_version` ("3.12"), as Heroku's buildpack reads them; None where it says neither, or the
    text is no JSON object of that shape."""
    try:
        lock = json.loads(text)
    except (ValueError, RecursionError):  # not JSON; a number too long to convert; nested too deep
        return None
    meta = lock.get("_meta") if isinstance(lock, dict) else None
    requires = meta.get("requires") if isinstance(meta, dict) else None
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if isinstance(value, str) and value.strip():
            found = VERSION.fullmatch(value.strip())
            return (int(found[1]), int(found[2])) if found else None
    return None


# The files the builds read, each with its reader. Where two say a version, which wins differs:
# Heroku's buildpacks read runtime.txt first (heroku/heroku-buildpack-python#1664), then .python-version,
# then Pipfile.lock's (its README); uv's and pyenv's tools .python-version; `pipenv install --deploy`
# refuses a Python other than Pipfile.lock's.
READERS: dict[str, Callable[[str], tuple[int, int] | None]] = {
    ".python-version": requested_python,
    "runtime.txt": requested_python,
    "Pipfile.lock": pipfile_lock_python,
}
FILES = tuple(READERS)


def python_in(name: str, text: str) -> tuple[int, int] | None:
    """The version file `name` (one of FILES) asks for."""
    return READERS[name](text)
