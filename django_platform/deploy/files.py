"""Files we manage in the user's project: a marked block we own, everything else theirs.

Writes are atomic (temporary file in the same directory, fsync, rename) and keep the file's mode,
so an interruption leaves the old file whole, and two writers leave one complete file.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import glob
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

BEGIN = "# BEGIN django-platform"
END = "# END django-platform"


# Real line breaks only: str.splitlines() also breaks at form feeds, U+2028 and other separators,
# which Procfile readers (they split on \n) and Python's parser keep inside a line.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str, *, keepends: bool = False) -> list[str]:
    """text.splitlines() at CRLF, CR and LF only."""
    found = _LINE.findall(text)
    return found if keepends else [line.rstrip("\r\n") for line in found]


def project_dir() -> Path:
    """Where the Procfile and gunicorn config live: BASE_DIR, else the working directory."""

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


def _span(lines: list[str]) -> tuple[int, int] | None:
    """The indexes of the BEGIN and END lines, None without exactly one well-formed block."""
    starts = [i for i, line in enumerate(lines) if line.startswith(BEGIN)]
    ends = [i for i, line in enumerate(lines) if line == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return None
    return starts[0], ends[0]


def managed_block(text: str) -> str | None:
    """The lines between the markers, None without exactly one well-formed block."""
    lines = split_lines(text)
    span = _span(lines)
    return None if span is None else "\n".join(lines[span[0] + 1 : span[1]])


def outside_block(text: str) -> str:
    """The lines that are the user's: all of them without a well-formed block."""
    lines = split_lines(text)
    span = _span(lines)
    return "\n".join(lines if span is None else lines[: span[0]] + lines[span[1] + 1 :])


def recorded_platform(text: str) -> str | None:
    """The platform named on the file's BEGIN line, None for a file without one."""
    for line in split_lines(text):
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
    if not existing:
        return new_block
    newline = line_ending(existing)
    new_block = new_block.replace("\n", newline)  # the block follows the file's own line endings
    if not existing.strip():
        return new_block + existing  # blank lines are still the user's bytes
    lines = split_lines(existing, keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(BEGIN)]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == END]
    if not starts and not ends:
        if not force:
            raise Unmanaged
        rest = adopt(existing) if adopt else existing
        return new_block + ("" if rest.startswith(("\n", "\r")) else newline) + rest
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise Malformed
    tail = "".join(lines[ends[0] + 1 :])
    head = "".join(lines[: starts[0]])
    return head + new_block + tail


def line_ending(text: str) -> str:
    """The file's line ending: that of its first line (LF for a file without one)."""
    first = (split_lines(text, keepends=True) or [""])[0]
    return first[len(first.rstrip("\r\n")) :] or "\n"


class Existing(NamedTuple):
    text: str  # exactly as on disk, line endings included, without the BOM
    bom: bool  # the file starts with a UTF-8 byte order mark, which a write keeps


def read(path: Path) -> Existing | None:
    """The file as it is, None when it does not exist. OSError or UnicodeDecodeError otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    bom = raw.startswith(codecs.BOM_UTF8)
    # Bytes decoded directly: read_text() would turn CRLF and lone CR into LF.
    return Existing(raw[len(codecs.BOM_UTF8) :].decode("utf-8") if bom else raw.decode("utf-8"), bom)


class HardLinked(Exception):
    """The file has other hard links, which an atomic rename would cut off from the new text."""


def atomic_write(path: Path, text: str, *, bom: bool = False) -> None:
    """Write `text` through a symbolic link to its target; keep mode and owner; leave the old file
    whole if interrupted; remove what killed earlier writes left behind."""
    target = Path(os.path.realpath(path))
    old = target.stat() if target.exists() else None
    if old is not None and old.st_nlink > 1:
        raise HardLinked
    _remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, old.st_mode & 0o7777 if old else 0o644)
        if old is not None and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):  # only root (or the owner) may give it back
                os.chown(tmp, old.st_uid, old.st_gid)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_stale_temporaries(target: Path) -> None:
    """Temporary files of writers that were killed (SIGKILL skips the cleanup above): those whose
    process is gone; older ones without a process id after an hour."""
    for candidate in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        middle = candidate.name[len(target.name) + 2 : -len(".tmp")]
        pid = middle.split(".", 1)[0]
        ours = pid.isdigit() and "." in middle  # .NAME.PID.RANDOM.tmp
        if (not _alive(int(pid))) if ours else _age(candidate) > 3600:
            with contextlib.suppress(OSError):
                candidate.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def unified_diff(path: Path, old: str | None, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            split_lines(old or "", keepends=True),
            split_lines(new, keepends=True),
            fromfile=f"{path.name} (on disk)",
            tofile=f"{path.name} (generated)",
        )
    )
