"""Where each platform keeps database credentials, as readers that return DATABASES entries.

A reader takes the environment and returns (alias, entry, source) triples; the first one for the
"default" alias becomes the default database unless DATABASE_URL is set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

from django_platform.dburl import parse_database_url
from django_platform.env import parse_int

ENGINES = {
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
}

Found = tuple[str, dict[str, Any], str]


class FieldSpec(NamedTuple):
    """Credentials given as separate values (a cloudControl add-on, Qoddi's variables)."""

    engine: str
    name: str
    host: str
    user: tuple[str, ...]  # the first one present is used
    password: str
    port: str
    default_port: int
    url: str = ""  # a URL form of the same credentials, used when the fields are absent

    def keys(self) -> tuple[str, ...]:
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
    # One cloudControl document shows the host with ":3306" appended.
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


# cloudControl add-ons, in the order that picks the default database when several are present.
CLOUDCONTROL_ADDONS: Mapping[str, FieldSpec | str] = {
    "POSTGRESQLD": FieldSpec(
        "postgresql",
        "POSTGRESQLD_DATABASE",
        "POSTGRESQLD_HOST",
        ("POSTGRESQLD_USER",),
        "POSTGRESQLD_PASSWORD",
        "POSTGRESQLD_PORT",
        5432,
        url="POSTGRESQLD_URL",
    ),
    "MYSQLD": FieldSpec(
        "mysql",
        "MYSQLD_DATABASE",
        "MYSQLD_HOST",
        ("MYSQLD_USER",),
        "MYSQLD_PASSWORD",
        "MYSQLD_PORT",
        3306,
        url="MYSQLD_URL",
    ),
    "ELEPHANTSQL": "ELEPHANTSQL_URL",
    "MYSQLS": FieldSpec(
        "mysql", "MYSQLS_DATABASE", "MYSQLS_HOSTNAME", ("MYSQLS_USERNAME",), "MYSQLS_PASSWORD", "MYSQLS_PORT", 3306
    ),
}

# Qoddi's MySQL/MariaDB datastores (PostgreSQL comes as DATABASE_URL). The seed also names
# DATABASE_USER and DATABASE_LOGIN as examples, so both are accepted for the user name.
QODDI_MYSQL = FieldSpec(
    "mysql",
    "DATABASE_NAME",
    "DATABASE_HOST",
    ("DATABASE_USERNAME", "DATABASE_USER", "DATABASE_LOGIN"),
    "DATABASE_PASSWORD",
    "DATABASE_PORT",
    3306,
)

_HEROKU_COLOR = re.compile(r"^HEROKU_POSTGRESQL_(?P<color>[A-Z0-9]+)_URL$")
_PLATFORMSH_SCHEMES = {"pgsql": "postgresql", "postgresql": "postgresql", "mysql": "mysql"}


def read_heroku(env: Mapping[str, str]) -> list[Found]:
    """Extra databases attached as HEROKU_POSTGRESQL_<COLOR>_URL, as aliases named by colour."""
    found = []
    for variable in sorted(env):
        match = _HEROKU_COLOR.match(variable)
        if match and env[variable].strip():
            alias = match.group("color").lower()
            found.append((alias, parse_database_url(env[variable], variable=variable), variable))
    return found


def read_cloudcontrol(env: Mapping[str, str]) -> list[Found]:
    """Database add-ons from $CRED_FILE, or from env vars where the user exported them
    (SET_ENV_VARS); the env wins add-on by add-on. The first found is the default."""
    from django_platform.credentials import read_cloudcontrol_credentials  # json: only when needed

    file_addons = read_cloudcontrol_credentials(env)
    found: list[Found] = []
    for addon, spec in CLOUDCONTROL_ADDONS.items():
        keys = (spec,) if isinstance(spec, str) else spec.keys()
        if any(env.get(k) for k in keys):
            values, source = dict(env), f"environment {addon}_*"
        elif addon in file_addons:
            values, source = file_addons[addon], f"CRED_FILE {addon}"
        else:
            continue
        if isinstance(spec, str):
            if not values.get(spec, "").strip():
                raise ImproperlyConfigured(f"{source} is missing {spec}.")
            entry = parse_database_url(values[spec], variable=f"{source} {spec}")
        else:
            entry = from_fields(values, spec, source=source)
        alias = "default" if not found else addon.lower()
        found.append((alias, entry, source))
    return found


def read_qoddi(env: Mapping[str, str]) -> list[Found]:
    if not env.get("DATABASE_HOST", "").strip():
        return []
    source = "DATABASE_HOST/NAME/USERNAME/PASSWORD/PORT"
    return [("default", from_fields(env, QODDI_MYSQL, source=source), source)]


def read_platformsh(env: Mapping[str, str]) -> list[Found]:
    """Database relationships from PLATFORM_RELATIONSHIPS; one named "database" is the default."""
    value = env.get("PLATFORM_RELATIONSHIPS", "").strip()
    if not value:
        return []
    from django_platform.credentials import decode_platformsh  # json: only when needed

    data = decode_platformsh("PLATFORM_RELATIONSHIPS", value)
    if not isinstance(data, dict):
        raise ImproperlyConfigured("PLATFORM_RELATIONSHIPS must decode to a JSON object.")
    databases: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(data, key=lambda n: (n != "database", n)):
        endpoints = data[name]
        if not isinstance(endpoints, list) or not endpoints or not isinstance(endpoints[0], dict):
            raise ImproperlyConfigured(f"PLATFORM_RELATIONSHIPS: {name!r} must be a list of objects.")
        scheme = endpoints[0].get("scheme")
        if isinstance(scheme, str) and scheme in _PLATFORMSH_SCHEMES:
            databases.append((str(name), endpoints[0]))
    found: list[Found] = []
    for name, ep in databases:
        source = f"PLATFORM_RELATIONSHIPS {name}"
        missing = [k for k in ("host", "path", "username") if not ep.get(k)]
        if missing:
            raise ImproperlyConfigured(f"{source} is missing {', '.join(missing)}.")
        odd = [k for k in ("host", "path", "username", "password", "port") if isinstance(ep.get(k), (dict, list))]
        if odd:
            raise ImproperlyConfigured(f"{source}: {', '.join(odd)} must be a string or a number.")
        port = ep.get("port") or ""
        entry = {
            "ENGINE": ENGINES[_PLATFORMSH_SCHEMES[ep["scheme"]]],
            "NAME": str(ep["path"]),
            "HOST": str(ep["host"]),
            "PORT": parse_int(f"{source} port", str(port), minimum=1, maximum=65535) if port else "",
            "USER": str(ep["username"]),
            "PASSWORD": str(ep.get("password") or ""),
        }
        found.append(("default" if not found else name, entry, source))
    return found


READERS: Mapping[str, Callable[[Mapping[str, str]], list[Found]]] = {
    "heroku": read_heroku,
    "cloudcontrol": read_cloudcontrol,
    "qoddi": read_qoddi,
    "platformsh": read_platformsh,
}
