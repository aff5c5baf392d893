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

AddOns = dict[str, dict[str, str]]


def parse_cloudcontrol_credentials(text: str, *, source: str) -> AddOns:
    """`{"ADDON": {"ADDON_KEY": "value", ...}, ...}` -> the same, with values as strings."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ImproperlyConfigured(f"{source} is not valid JSON{where}.") from None
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
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImproperlyConfigured(f"{source} does not exist.") from None
    except IsADirectoryError:
        raise ImproperlyConfigured(f"{source} is a directory, not a file.") from None
    except PermissionError:
        raise ImproperlyConfigured(f"{source} is not readable by this process.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(f"{source} cannot be read ({type(exc).__name__}).") from None
    return parse_cloudcontrol_credentials(text, source=source)


def decode_platformsh(variable: str, value: str) -> Any:
    """Platform.sh's PLATFORM_* variables are base64-encoded JSON."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{variable} is not valid base64.") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{variable} does not decode to valid JSON.") from None
