"""JSON from credential stores (files, base64 variables), bounded in size and depth.

Errors name the variable or file and never echo its content.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Far more than any real store holds; beyond it, a document is hostile or broken.
MAX_DEPTH = 20
MAX_BYTES = 1 << 20


def load_json(text: str | bytes, *, source: str) -> Any:
    """json.loads, bounded in size and depth; errors give a position, never the content."""
    if len(text) > MAX_BYTES:
        raise ImproperlyConfigured(f"{source} is larger than {MAX_BYTES} bytes.")
    if _depth(text) > MAX_DEPTH:
        raise ImproperlyConfigured(f"{source} nests JSON deeper than {MAX_DEPTH} levels.")
    data, where = _parse(text)
    if where is not None:
        raise ImproperlyConfigured(f"{source} is not valid JSON{where}.")
    if _SURROGATE_ESCAPE.search(text if isinstance(text, str) else text.decode("utf-8", "replace")) and _lone(data):
        # "\udcff" decodes to a string no encoder takes: it would fail far from here, unnamed.
        raise ImproperlyConfigured(f"{source} has a string with an unpaired \\u surrogate escape.")
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE = re.compile("[\ud800-\udfff]")


def _lone(data: Any) -> bool:
    """Whether a decoded document (depth already bounded) holds a lone surrogate."""
    if isinstance(data, str):
        return bool(_LONE.search(data))
    if isinstance(data, dict):
        return any(_lone(k) or _lone(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_lone(v) for v in data)
    return False


def _depth(text: str | bytes) -> int:
    """The deepest bracket nesting, strings skipped (an upper bound is all that is needed)."""
    chars = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    depth = deepest = 0
    in_string = escaped = False
    for ch in chars:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _parse(text: str | bytes) -> tuple[Any, str | None]:
    """(data, None), or (None, where it failed): the caller raises outside this `except`."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:  # only its position is kept
        return None, f" (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError):
        return None, ""
