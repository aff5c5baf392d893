"""Database URLs through dj-database-url, with errors that name the variable and never the URL."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt
from django_platform.parsers.urlparts import split_url

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{0,30}$")
MAX_URL = 4096
# MySQL's TLS mode in a URL, as its own clients spell it (`?ssl-mode=REQUIRED`: DigitalOcean's and
# Aiven's connection strings) or libpq's (`?sslmode=require`), to mysqlclient's `ssl_mode` keyword:
# dj-database-url passes the option on as it is, and mysqlclient refuses `ssl-mode` at connect.
MYSQL_TLS_NAMES = ("ssl-mode", "sslmode", "ssl_mode")
MYSQL_TLS_MODES = {
    **{
        spelling: mode
        for mode in ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")
        for spelling in (mode.lower(), mode.lower().replace("_", "-"))
    },
    "disable": "DISABLED",
    "prefer": "PREFERRED",
    "require": "REQUIRED",
    "verify-ca": "VERIFY_CA",
    "verify-full": "VERIFY_IDENTITY",
}


def parse_database_url(url: str, *, variable: str) -> dict[str, Any]:
    """A Django DATABASES entry from a URL; ImproperlyConfigured naming `variable` if invalid."""
    # Local: dj_database_url costs settings import time even on platforms with no URL to parse.
    import dj_database_url

    url = url.strip()
    if url == "sqlite://:memory:":
        return dict(dj_database_url.parse(url))
    if len(url) > MAX_URL:
        raise ImproperlyConfigured(f"{variable} is longer than {MAX_URL} characters.")
    parts = split_url(url, variable=variable)
    scheme = parts.scheme
    if "://" not in url or not scheme:
        raise ImproperlyConfigured(f"{variable} is not a database URL: expected scheme://user:password@host:port/name.")
    if scheme not in dj_database_url.ENGINE_SCHEMES:
        valid = ", ".join(sorted(dj_database_url.ENGINE_SCHEMES))
        shown = f" '{scheme}'" if _SCHEME.match(scheme) else ""
        raise ImproperlyConfigured(f"{variable} uses an unknown database scheme{shown}; valid schemes: {valid}.")
    # split_url() has rejected what dj-database-url's own urlsplit() would raise on; its option
    # parsing (int() of ?connect_timeout=, for one) is what is left.
    parsed = attempt(lambda: dict(dj_database_url.parse(url)), ValueError, TypeError, dj_database_url.ParseError)
    if isinstance(parsed, Failed):
        raise ImproperlyConfigured(f"{variable} has an option dj-database-url cannot read ({parsed.kind}).")
    config = parsed
    # dj-database-url adds its own connection defaults; ours are applied later, in one place.
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        config.pop(key, None)
    if not config.get("NAME") and not str(config["ENGINE"]).endswith("sqlite3"):
        raise ImproperlyConfigured(f"{variable} names no database: add /name after the host.")
    options = config.get("OPTIONS")
    if str(config["ENGINE"]).endswith("mysql") and isinstance(options, dict) and options:
        config["OPTIONS"] = _mysql_tls_mode(dict(options), variable)
    return config


def _mysql_tls_mode(options: dict[str, Any], variable: str) -> dict[str, Any]:
    """A MySQL URL's TLS mode under mysqlclient's own keyword, `ssl_mode`, with its value."""
    given = [name for name in MYSQL_TLS_NAMES if name in options]
    if not given:
        return options
    if len(given) > 1:
        raise ImproperlyConfigured(f"{variable} sets the TLS mode twice ({', '.join(given)}): keep one.")
    value = options.pop(given[0])
    mode = MYSQL_TLS_MODES.get(str(value).strip().lower())
    if mode is None:
        modes = ", ".join(sorted(set(MYSQL_TLS_MODES.values())))
        raise ImproperlyConfigured(f"{variable}'s {given[0]} must be one of {modes}.")
    return {**options, "ssl_mode": mode}
