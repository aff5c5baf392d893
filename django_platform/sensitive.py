"""Which values in an environment are secrets, by where they come from: secret-named variables
and credential-file keys, and the passwords of URLs. The report masks them wherever they land
(Postmark's token becomes an SMTP *user name*), and so does the exception reporter filter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django_platform.attempt import Failed, attempt
from django_platform.platforms import Platform
from django_platform.report import is_secret_name, url_passwords


def secret_values(env: Mapping[str, str], platform: Platform) -> set[str]:
    found: set[str] = set()
    for name, value in env.items():
        found.update(_from(name, value))
    # The platform's own stores, read leniently here: the areas report their errors.
    if "cloudcontrol" in platform.stores and env.get("CRED_FILE", "").strip():
        from django_platform.credentials import read_cloudcontrol_credentials

        addons = attempt(lambda: read_cloudcontrol_credentials(env), Exception)
        for values in ({} if isinstance(addons, Failed) else addons).values():
            for key, value in values.items():
                found.update(_from(key, value))
    if "platformsh" in platform.stores and env.get("PLATFORM_RELATIONSHIPS", "").strip():
        from django_platform.credentials import decode_platformsh

        data = attempt(lambda: decode_platformsh("PLATFORM_RELATIONSHIPS", env["PLATFORM_RELATIONSHIPS"]), Exception)
        if not isinstance(data, Failed):
            for key, value in _walk(data):
                found.update(_from(key, value))
    return found


def _from(name: str, value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    found = url_passwords(value)
    if is_secret_name(name):
        found += [value, value.strip()]
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
