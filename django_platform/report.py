"""What configure() set, where each value came from, with secrets masked at the moment of recording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

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
    "PRIVATE_KEY",  # not PRIVATE alone: platforms' *_PRIVATE_IP and *_PRIVATE_DOMAIN are addresses
    "SIGNATURE",
    "ACCESS_KEY",
    "ENTROPY",  # a platform's project entropy serves as SECRET_KEY
)
# Greedy up to the last "@" before the host: a password with a raw "@" (or a raw space, which
# redis-py accepts) is still hidden whole.
# The scheme is bounded: unbounded, every position of a long base64 value (letters, digits and "+")
# started a scan to its end, quadratic in the value's length.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]{0,31}://)(?P<userinfo>[^/]*)@")
# A URL whose password a raw '/' or '?' moved out of the user-info (redis://u:1234/SECRET@h/0), or
# with other than two slashes (locmem:/:SECRET@x, unix:///u:SECRET@db): everything from the scheme
# to the token's last '@' is hidden, as no parser can tell the password from the path there.
# A scheme, or none: ":/user:pw@host" and "://user:pw@host" (a value cut short) still carry a password.
_SCHEME = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]{0,31})?:/+")
_TOKEN = re.compile(r"\S+")
# Shorter secrets are hidden where they are a whole value, not inside other text: a platform's sample
# credentials are main:main, and "main" inside "domain" is not a secret.
MIN_SUBSTRING = 8


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS) or upper.endswith("_KEY")


def mask_url(url: str) -> str:
    """Hide the password of every URL in a string (user names stay: they help debugging)."""

    def hide(match: re.Match[str]) -> str:
        user, sep, _password = match.group("userinfo").partition(":")
        return f"{match.group('scheme')}{user}{':' + MASK if sep else ''}@"

    masked = _URL_USERINFO.sub(hide, url)
    if "@" in masked:
        masked = _TOKEN.sub(_hide_ambiguous, masked)
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


def _ambiguous(token: str) -> tuple[int, int] | None:
    """(start, end) of the part of `token` between a scheme and its last '@' when that part is not
    a plain user-info; None otherwise. Linear: one search per whitespace-separated token."""
    at = token.rfind("@")
    scheme = _SCHEME.search(token, 0, at) if at > 0 else None
    if scheme is None:
        return None
    part = token[scheme.end() : at]
    named = scheme.group(0)[:1].isalpha()  # a plain user-info after a real scheme: _URL_USERINFO's
    if named and scheme.group(0).endswith(":/" + "/") and not any(c in part for c in "/?#"):
        return None
    return scheme.end(), at


def _hide_ambiguous(match: re.Match[str]) -> str:
    token = match.group(0)
    span = _ambiguous(token)
    return token if span is None else token[: span[0]] + MASK + token[span[1] :]


def url_passwords(text: str) -> list[str]:
    """The passwords of the URLs in `text`, as written and percent-decoded; for a URL whose
    password is not in its user-info, the whole ambiguous part and what follows its first ':'."""

    found = []
    for match in _URL_USERINFO.finditer(text):
        _user, sep, password = match.group("userinfo").partition(":")
        if sep and password:
            found += [password, unquote(password)]
    for token in _TOKEN.findall(text) if "@" in text else ():
        span = _ambiguous(token)
        part = token[span[0] : span[1]] if span else ""
        for candidate in (part, part.partition(":")[2]):
            if candidate:
                found += [candidate, unquote(candidate)]
    return found


def hide(value: Any, secrets: frozenset[str]) -> Any:
    """`value` with every known secret value masked, wherever it sits and whatever it is called."""
    if not secrets:
        return value
    if isinstance(value, dict):
        return {k: hide(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(hide(v, secrets) for v in value)
    if isinstance(value, str):
        if value in secrets:
            return MASK
        for secret in sorted(secrets, key=len, reverse=True):
            if len(secret) >= MIN_SUBSTRING and secret in value:
                value = value.replace(secret, MASK)
    return value


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


_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*\Z")


class Source:
    """Where a recorded value came from, as data: its kind, the environment variables or store keys
    it was read from, and whether it holds a secret. `text` is only for display.

    kinds: "environment" (variables), "store" (a platform's credential store: file or encoded
    variable), "settings.py", "platform" (the platform's default), "default" (Django's or ours).
    """

    __slots__ = ("keys", "kind", "secret", "text")
    KINDS = ("environment", "store", "settings.py", "platform", "default")

    def __init__(self, kind: str, text: str, keys: Iterable[str] = (), *, secret: bool = False) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown source kind {kind!r}")
        self.kind, self.text, self.keys, self.secret = kind, text, tuple(k for k in keys if k), secret

    @classmethod
    def of(cls, text: str) -> Source:
        """A source given as text by the areas' simple cases: one variable, settings.py, a
        platform default, or a default of ours."""
        if text == "settings.py" or text.startswith("settings.py's"):
            return cls("settings.py", text)
        if text.startswith("platform default"):
            return cls("platform", text)
        if _VARIABLE.match(text):
            return cls("environment", text, (text,))
        return cls("default", text)

    def with_secret(self, secret: bool) -> Source:
        return Source(self.kind, self.text, self.keys, secret=secret)

    def from_file(self, variables: Iterable[str], filename: str) -> Source:
        """The same source, each of its variables that `filename` supplied said so."""
        text = self.text
        for key in (k for k in self.keys if k in set(variables)):
            text = re.sub(rf"\b{re.escape(key)}\b", f"{key} ({filename})", text, count=1)
        return Source(self.kind, text, self.keys, secret=self.secret)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "keys": list(self.keys), "masked": self.secret}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and (self.kind, self.text, self.keys) == (other.kind, other.text, other.keys)

    def __hash__(self) -> int:
        return hash((self.kind, self.text, self.keys))

    def __repr__(self) -> str:
        return f"Source({self.kind!r}, {self.text!r}, {self.keys!r})"


class Entry:
    """One recorded setting: its name, its value (already masked) and where it came from."""

    __slots__ = ("origin", "setting", "value")

    def __init__(self, setting: str, value: Any, origin: Source) -> None:
        self.setting, self.value, self.origin = setting, value, origin

    def _replace(self, **changes: Any) -> Entry:
        fields = {"setting": self.setting, "value": self.value, "origin": self.origin, **changes}
        return Entry(**fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and (self.setting, self.value, self.origin) == (
            other.setting,
            other.value,
            other.origin,
        )

    __hash__ = None  # type: ignore[assignment]  # its value may be a dict

    def __repr__(self) -> str:
        return f"Entry({self.setting!r}, {self.value!r}, {self.origin!r})"

    @property
    def source(self) -> str:
        return self.origin.text

    def as_dict(self) -> dict[str, Any]:
        """The one JSON shape of a recorded setting (the report's and platform_check's)."""
        return {"setting": self.setting, "value": self.value, "source": self.source, "origin": self.origin.as_dict()}


class Report:
    def __init__(self, platform: str, reason: str) -> None:
        self.platform = platform
        self.reason = reason
        self.entries: list[Entry] = []
        self.notes: list[str] = []
        # Settings names configure() wrote (so a second call can tell them from settings.py's).
        self.applied: frozenset[str] = frozenset()
        # Values read from secret sources (secret-named variables and file keys, URL passwords):
        # masked wherever they land, whatever the setting is called. Never in as_dict() or repr().
        self._secrets: frozenset[str] = frozenset()
        # What the checks judge by, so they never read os.environ (configure(env=...), .env): the
        # environment configure() read, and the https origins of the platform's host names.
        self.environment: Mapping[str, str] = {}
        self.platform_origins: list[str] = []
        # Settings whose settings.py value the environment replaced, and what that value was (a
        # backend's dotted path): platform_check says so (W023), naming what replaced it and the
        # configure() area that would leave it alone.
        self.replaced: dict[str, str] = {}
        self._replaced_by: dict[str, tuple[Source, str]] = {}
        # The running release (areas/release.py), None where nothing names it.
        self.release: str | None = None
        # Django's middleware hooks on the event loop under ASGI (areas/asgi.py planned it; the
        # app's ready() installs them, django_platform/inline_middleware.py).
        self.inline_middleware = False

    def replace(self, setting: str, theirs: str, by: Source | str, area: str) -> None:
        """Record that `by` replaced settings.py's `theirs` for `setting`, set by `area`."""
        origin = by if isinstance(by, Source) else Source.of(by)
        self.replaced[setting] = theirs
        self._replaced_by[setting] = (origin, area)

    def replaced_by(self, setting: str) -> tuple[str, str] | None:
        """(what replaced settings.py's value, the configure() area), None where not recorded."""
        found = self._replaced_by.get(setting)
        return None if found is None else (hide(found[0].text, self._secrets), found[1])

    def add_secrets(self, values: Iterable[str]) -> None:
        self._secrets |= {v for v in values if v and v.strip()}
        self.entries = [e._replace(value=hide(e.value, self._secrets)) for e in self.entries]

    def hides(self, text: str) -> bool:
        """Whether `text` holds a known secret value."""
        return bool(hide(text, self._secrets) != text)

    def masked(self, text: str) -> str:
        """`text` with every known secret value masked, as written and as repr() prints it (a
        secret with a control character or a quote inside an object's printed form)."""
        printed = {repr(s)[1:-1] for s in self._secrets}
        return str(hide(text, self._secrets | printed))

    def record(self, setting: str, value: Any, source: Source | str) -> None:
        origin = source if isinstance(source, Source) else Source.of(source)
        shown = hide(mask(value, setting.rsplit(".", 1)[-1]), self._secrets)
        self.entries = [e for e in self.entries if e.setting != setting]
        self.entries.append(Entry(setting, shown, origin.with_secret(origin.secret or shown != value)))

    def mark_from_file(self, variables: list[str], filename: str) -> None:
        """Say which sources were read from a file (.env) rather than the real environment."""
        self.entries = [e._replace(origin=e.origin.from_file(variables, filename)) for e in self.entries]
        self._replaced_by = {k: (by.from_file(variables, filename), a) for k, (by, a) in self._replaced_by.items()}
        for name in variables:  # the detection reason names the variables it matched
            self.reason = re.sub(rf"\b{re.escape(name)}\b", f"{name} ({filename})", self.reason, count=1)
        self.note(f"{filename} supplied: {', '.join(variables)}.")

    def note(self, text: str) -> None:
        self.notes.append(hide(text, self._secrets))

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
            "settings": [e.as_dict() for e in self],
            "notes": list(self.notes),
            "replaced": dict(self.replaced),
        }

    def __repr__(self) -> str:
        return f"<Report platform={self.platform!r} settings={len(self.entries)}>"
