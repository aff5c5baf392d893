"""DATABASES entries from credentials given as separate values (host, port, user, ...), as
platforms' add-ons and stores give them (see the platforms' own modules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.dburl import parse_database_url
from django_platform.parsers.env import parse_int

ENGINES = {
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
}


class FieldSpec(NamedTuple):
    """Credentials given as separate values, and the keys they are found under."""

    engine: str
    name: str
    host: str
    user: tuple[str, ...]  # the first one present is used
    password: str
    port: str
    default_port: int
    url: str = ""  # a URL form of the same credentials, used when the fields are absent

    def variables(self) -> tuple[str, ...]:
        return tuple(k for k in (self.name, self.host, *self.user, self.password, self.port, self.url) if k)


def from_fields(values: Mapping[str, str], spec: FieldSpec, *, source: str) -> dict[str, Any]:
    """A DATABASES entry from separate credential values; passwords are used raw, no decoding."""
    user_key = next((k for k in spec.user if values.get(k)), spec.user[0])
    required = (spec.name, spec.host, user_key)
    missing = [k for k in required if not values.get(k, "").strip()]
    if missing and spec.url and values.get(spec.url, "").strip():
        return parse_database_url(values[spec.url], variable=f"{source} {spec.url}")
    if missing:
        raise ImproperlyConfigured(f"{source} is missing {', '.join(missing)}.")
    host = values[spec.host].strip()
    port_text = values.get(spec.port, "").strip()
    # Some stores write the port into the host ("db.example.com:3306").
    if ":" in host and not host.startswith("["):
        host, _, host_port = host.rpartition(":")
        port_text = port_text or host_port
    port = parse_int(f"{source} {spec.port}", port_text, minimum=1, maximum=65535) if port_text else spec.default_port
    return {
        "ENGINE": ENGINES[spec.engine],
        "NAME": values[spec.name].strip(),
        "HOST": host,
        "PORT": port,
        "USER": values[user_key].strip(),
        "PASSWORD": values.get(spec.password, ""),
    }
