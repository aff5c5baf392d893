"""Platform credential stores: cloudControl's JSON file and Platform.sh's base64 JSON variables.

Both return plain data; errors name the variable or file and never echo its content.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt

AddOns = dict[str, dict[str, str]]
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
    return data


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


def parse_cloudcontrol_credentials(text: str, *, source: str) -> AddOns:
    """`{"ADDON": {"ADDON_KEY": "value", ...}, ...}` -> the same, with values as strings."""
    data = load_json(text, source=source)
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{source} must hold a JSON object with one entry per add-on.")
    addons: AddOns = {}
    for name, values in data.items():
        if not isinstance(values, dict):
            raise ImproperlyConfigured(f"{source}: add-on {name!r} must be a JSON object.")
        addons[str(name)] = {
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items() if v is not None
        }
    return addons


def read_cloudcontrol_credentials(env: Mapping[str, str]) -> AddOns:
    """The add-ons in the file at $CRED_FILE; {} when CRED_FILE is unset."""
    path = env.get("CRED_FILE", "").strip()
    if not path:
        return {}
    source = f"the credentials file CRED_FILE={path}"
    if "\0" in path:
        raise ImproperlyConfigured("CRED_FILE contains a NUL byte: it must be a file path.")
    text = attempt(lambda: Path(path).read_text(encoding="utf-8"), OSError, ValueError)
    if isinstance(text, Failed):
        problem = {
            "FileNotFoundError": "does not exist",
            "IsADirectoryError": "is a directory, not a file",
            "PermissionError": "is not readable by this process",
        }.get(text.kind, f"cannot be read ({text.kind})")
        raise ImproperlyConfigured(f"{source} {problem}.")
    return parse_cloudcontrol_credentials(text, source=source)


def decode_platformsh(variable: str, value: str) -> Any:
    """Platform.sh's PLATFORM_* variables are base64-encoded JSON."""
    raw = attempt(lambda: base64.b64decode(value.strip(), validate=True), binascii.Error, ValueError)
    if isinstance(raw, Failed):
        raise ImproperlyConfigured(f"{variable} is not valid base64.")
    return load_json(raw, source=f"{variable} (base64-decoded)")
