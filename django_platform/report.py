"""What configure() set, where each value came from, with secrets masked at the moment of recording."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import urlsplit

MASK = "********"

# Setting or option names whose values are secrets (compared upper-cased, as substrings).
SECRET_NAME_PARTS = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "CREDENTIAL",
    "PRIVATE",
    "SIGNATURE",
    "ACCESS_KEY",
)
# Greedy up to the last "@" before the host: a password with a raw "@" is still hidden whole.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s]*)@")


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS) or upper.endswith("_KEY")


def mask_url(url: str) -> str:
    """Hide the password of every URL in a string (user names stay: they help debugging)."""

    def hide(match: re.Match[str]) -> str:
        user, sep, _password = match.group("userinfo").partition(":")
        return f"{match.group('scheme')}{user}{':' + MASK if sep else ''}@"

    masked = _URL_USERINFO.sub(hide, url)
    # Query-string secrets such as ?password=... or ?token=...
    try:
        query = urlsplit(masked).query
    except ValueError:
        return masked
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if sep and value and is_secret_name(key):
            masked = masked.replace(part, f"{key}={MASK}")
    return masked


def mask(value: Any, name: str = "") -> Any:
    """A copy of a setting's value that is safe to print."""
    if name and is_secret_name(name) and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask(v) for v in value)
    if isinstance(value, str):
        return mask_url(value)
    return value


class Entry(NamedTuple):
    setting: str
    value: Any  # already masked
    source: str


class Report:
    def __init__(self, platform: str, reason: str) -> None:
        self.platform = platform
        self.reason = reason
        self.entries: list[Entry] = []
        self.notes: list[str] = []
        # Settings names configure() wrote (so a second call can tell them from settings.py's).
        self.applied: frozenset[str] = frozenset()

    def record(self, setting: str, value: Any, source: str) -> None:
        self.entries = [e for e in self.entries if e.setting != setting]
        self.entries.append(Entry(setting, mask(value, setting.rsplit(".", 1)[-1]), source))

    def mark_from_file(self, variables: list[str], filename: str) -> None:
        """Say which sources were read from a file (.env) rather than the real environment."""
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, variables)) + r")\b")
        self.entries = [e._replace(source=pattern.sub(rf"\1 ({filename})", e.source)) for e in self.entries]
        self.note(f"{filename} supplied: {', '.join(variables)}.")

    def note(self, text: str) -> None:
        self.notes.append(text)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def get(self, setting: str) -> Entry | None:
        return next((e for e in self.entries if e.setting == setting), None)

    def source(self, setting: str) -> str:
        """Where a recorded setting came from; KeyError if it was not recorded."""
        entry = self.get(setting)
        if entry is None:
            raise KeyError(setting)
        return entry.source

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "reason": self.reason,
            "settings": [{"setting": e.setting, "value": e.value, "source": e.source} for e in self],
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return f"<Report platform={self.platform!r} settings={len(self.entries)}>"
