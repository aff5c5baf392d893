"""Read a small text file named by a variable or an argument (CRED_FILE, a .env file), bounded:
never more than the bound plus one byte (/dev/zero never ends), and never a FIFO, device or socket
(opening a FIFO for reading blocks until a writer comes).

Problems come back as words for the caller's error, never as an exception that could carry the
file's bytes (UnicodeDecodeError.object holds them all).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 1 << 20


class Unreadable:
    """Why a file could not be read; `missing` when it does not exist."""

    __slots__ = ("missing", "problem")

    def __init__(self, problem: str, *, missing: bool = False) -> None:
        self.problem, self.missing = problem, missing


_PROBLEMS = {
    "FileNotFoundError": "does not exist",
    "NotADirectoryError": "does not exist",
    "PermissionError": "is not readable by this process",
}


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str | Unreadable:
    """The file's text (UTF-8, universal newlines, as Path.read_text()), or why not."""
    data = _read_bytes(path, limit)
    if isinstance(data, Unreadable):
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Unreadable("cannot be read (UnicodeDecodeError)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_at_most(fd: int, size: int) -> bytes | Unreadable:
    data = b""
    try:
        while len(data) < size:
            chunk = os.read(fd, size - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as exc:  # EIO on a failing disk or network file system
        return Unreadable(f"cannot be read ({type(exc).__name__})")
    return data


def _read_bytes(path: Path, limit: int) -> bytes | Unreadable:
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; fstat() then
        # says what was opened, with no window for the path to change in between.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        kind = type(exc).__name__
        return Unreadable(_PROBLEMS.get(kind, f"cannot be read ({kind})"), missing=kind == "FileNotFoundError")
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return Unreadable("is a directory, not a file")
        if not stat.S_ISREG(mode):
            return Unreadable("is not a regular file (a FIFO, a device or a socket)")
        data = _read_at_most(fd, limit + 1)
    finally:
        os.close(fd)
    if isinstance(data, Unreadable):
        return data
    if len(data) > limit:
        return Unreadable(f"is larger than {limit} bytes")
    return data
