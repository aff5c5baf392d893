"""The Python a project asks its platform for, from the files the platforms' Python builds read:
`.python-version` (Heroku, Render, Railway, Fly.io's and Scalingo's buildpacks; pyenv and uv write
it) and the older `runtime.txt` (`python-3.11.7`)."""

from __future__ import annotations

import re

# pyenv's and uv's forms: "3.11", "3.11.7", "cpython-3.12.1-linux-x86_64-gnu"; runtime.txt's "python-3.11.7".
VERSION = re.compile(r"(?:c?python-)?(\d+)\.(\d+)(?:\.\d+)?(?:\S*)")
# The files the builds read. Where both say a version, which wins differs: Heroku's buildpacks read
# runtime.txt first (heroku/heroku-buildpack-python#1664), uv's and pyenv's tools .python-version.
FILES = (".python-version", "runtime.txt")


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
