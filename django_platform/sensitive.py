"""Which values in an environment are secrets, by where they come from: secret-named variables
and credential-store keys, and the passwords of URLs. The report masks them wherever they land
(an API token that becomes an SMTP *user name*), and so does the exception reporter filter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django_platform.report import is_secret_name, url_passwords

if TYPE_CHECKING:  # platforms/base.py imports this module
    from django_platform.platforms import Context


def secret_values(ctx: Context) -> set[str]:
    found: set[str] = set()
    for name, value in ctx.env.items():
        found.update(_from(name, value))
    # The platform's own stores, read leniently: the areas report their errors.
    return found | ctx.platform.secrets(ctx)


def secrets_in(data: Any) -> set[str]:
    """The secret values in a decoded credential store (JSON objects, lists, strings)."""
    found: set[str] = set()
    for key, value in _walk(data):
        found.update(_from(key, value))
    return found


def _from(name: str, value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    found = url_passwords(value)
    if is_secret_name(name):
        found += [value, value.strip()]
        if "," in value:  # a list of secrets (SECRET_KEY_FALLBACKS): each one lands on its own
            # (a short part would mask every occurrence of a common word in the report).
            found += [part.strip() for part in value.split(",") if len(part.strip()) >= 8]
    return found


def _walk(data: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) pairs of a decoded JSON document (its depth is bounded by load_json)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key), value
            yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)
