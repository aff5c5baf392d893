"""Run a call that may fail, so that our error is raised *outside* its `except` block.

`raise ImproperlyConfigured(...) from None` inside `except` still keeps the original exception as
`__context__` (only hidden from printed tracebacks), and that exception may carry a secret: a URL
with its password in the message, a credentials file's bytes in `UnicodeDecodeError.object`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Failed:
    """What a failed call returned: the exception's type name only, never the exception."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind


def attempt(call: Callable[[], T], *errors: type[BaseException]) -> T | Failed:
    try:
        return call()
    except errors as exc:
        return Failed(type(exc).__name__)
