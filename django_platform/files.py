"""Files we manage in the user's project: a marked block we own, everything else theirs.

Writes are atomic (temporary file in the same directory, fsync, rename) and keep the file's mode,
so an interruption leaves the old file whole, and two writers leave one complete file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

BEGIN = "# BEGIN django-platform"
END = "# END django-platform"


def project_dir() -> Path:
    """Where the Procfile and gunicorn config live: BASE_DIR, else the working directory."""
    from django.conf import settings

    base = getattr(settings, "BASE_DIR", None)
    return Path(base) if base else Path.cwd()


class Unmanaged(Exception):
    """The file exists and has no managed block: we do not touch it without --force."""


class Malformed(Exception):
    """The file has a BEGIN marker without its END (or the reverse)."""


# The BEGIN line records the platform the block was written for: CI, which has no platform
# variables, checks the file against that platform.
_RECORDED = re.compile(r" \(for (?P<platform>[A-Za-z0-9_-]+)\)")


def block(body: str, command: str, platform: str) -> str:
    return (
        f"{BEGIN} (for {platform}): written by `python manage.py {command}`; edit outside this block.\n"
        f"{body.rstrip()}\n{END}\n"
    )


def recorded_platform(text: str) -> str | None:
    """The platform named on the file's BEGIN line, None for a file without one."""
    for line in text.splitlines():
        if line.startswith(BEGIN):
            match = _RECORDED.match(line[len(BEGIN) :])
            return match.group("platform") if match else None
    return None


def merge(
    existing: str | None, new_block: str, *, force: bool = False, adopt: Callable[[str], str] | None = None
) -> str:
    """The file's new text: the block replaced in place, the user's lines untouched.

    Without markers, `force` puts the block first and keeps the old content below it, passed
    through `adopt` (the Procfile comments out process types the block now defines).
    """
    if existing is None or not existing.strip():
        return new_block
    lines = existing.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(BEGIN)]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\n") == END]
    if not starts and not ends:
        if not force:
            raise Unmanaged
        rest = adopt(existing) if adopt else existing
        return new_block + ("\n" if not rest.startswith("\n") else "") + rest
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise Malformed
    tail = "".join(lines[ends[0] + 1 :])
    head = "".join(lines[: starts[0]])
    return head + new_block + tail


def atomic_write(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def unified_diff(path: Path, old: str | None, new: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{path.name} (on disk)",
            tofile=f"{path.name} (generated)",
        )
    )
