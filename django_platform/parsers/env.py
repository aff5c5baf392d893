"""Strict parsers for single environment values. Values are taken literally: no `$` expansion.

Errors name the variable and what is wrong, never the value (it may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterator, Mapping

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.urlparts import server_of

_INTEGER = re.compile(r"-?[0-9]+\Z")
# int() refuses more than 4,300 digits, and a huge CONN_MAX_AGE overflows later: no real setting
# needs more than 18 digits.
MAX_DIGITS = 18
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})


# os.environ holds bytes that are not UTF-8 as lone surrogates ("\udcff"): such a value cannot be
# encoded again (a URL's quote(), a socket), and would fail far from where it was read.
_SURROGATE = re.compile("[\ud800-\udfff]")


class TextEnvironment(Mapping[str, str]):
    """The environment, each value checked as it is read: one that is not valid UTF-8 text is an
    error naming its variable. items() gives the values unchecked, for scanning every variable
    (secrets) without failing on one that nothing reads."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values.raw if isinstance(values, TextEnvironment) else values

    @property
    def raw(self) -> Mapping[str, str]:
        return self._values

    def __getitem__(self, name: str) -> str:
        value = self._values[name]
        if isinstance(value, str) and _SURROGATE.search(value):
            raise ImproperlyConfigured(f"{name} is not valid UTF-8 text (a byte the system could not decode).")
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> ItemsView[str, str]:
        return self._values.items()


def parse_bool(variable: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{variable} must be one of true/false, 1/0, yes/no, on/off.")


def parse_int(variable: str, value: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    text = value.strip()
    # ASCII digits only: str.isdigit() accepts "²", which int() then rejects with ValueError.
    if not _INTEGER.match(text):
        raise ImproperlyConfigured(f"{variable} must be a whole number.")
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ImproperlyConfigured(f"{variable} must be a whole number of at most {MAX_DIGITS} digits.")
    number = int(text)
    if number < minimum or (maximum is not None and number > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ImproperlyConfigured(f"{variable} must be at least {minimum}{upper}.")
    return number


def get_bool(env: Mapping[str, str], variable: str) -> bool | None:
    """The variable as a bool, or None when it is unset or empty."""
    value = env.get(variable, "")
    return parse_bool(variable, value) if value.strip() else None


def get_int(env: Mapping[str, str], variable: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    value = env.get(variable, "")
    return parse_int(variable, value, minimum=minimum, maximum=maximum) if value.strip() else None


def read_from(value: object, env: Mapping[str, str]) -> str | None:
    """The environment variable settings.py read `value` from (its value exactly, as
    `os.environ["REDISCLOUD_URL"]` gives it, or its URL with a database or options appended), None
    where no variable holds it. Where several hold it, the first by name."""
    if not isinstance(value, str) or not value.strip():
        return None
    exact = next((name for name, held in sorted(env.items()) if held == value), None)
    if exact or "://" not in value:
        return exact
    # A URL built from one: the variable's URL, then a database or options (f"{REDIS_URL}/1"). A
    # local default naming the same server (redis://127.0.0.1:6379/0) was not built from it.
    return next((name for name, held in sorted(env.items()) if _built_from(value, held)), None)


def _built_from(value: str, held: str) -> bool:
    rest = value[len(held) :] if held and value.startswith(held) else ""
    return rest[:1] in ("/", "?") and bool(server_of(held))
