"""Host-name lists as variables give them (comma-separated), checked for what a host name may hold.
Pure: no settings, no platform."""

from __future__ import annotations

import string

from django.core.exceptions import ImproperlyConfigured

_HOST_CHARS = frozenset(string.ascii_letters + string.digits + ".-:[]*_")


def split_list(variable: str, value: str) -> list[str]:
    """A comma-separated list; empty items are dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_hosts(variable: str, value: str) -> list[str]:
    hosts = split_list(variable, value)
    for host in hosts:
        if not set(host) <= _HOST_CHARS or "://" in host:
            raise ImproperlyConfigured(
                f"{variable} must be a comma-separated list of host names (like app.example.com or "
                ".example.com), without scheme or path."
            )
    return hosts
