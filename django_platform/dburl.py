"""Database URLs through dj-database-url, with errors that name the variable and never the URL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{0,30}$")
_ENCODE_HINT = "percent-encode special characters (@ # / ? : %) in the user name and password"


def parse_database_url(url: str, *, variable: str) -> dict[str, Any]:
    """A Django DATABASES entry from a URL; ImproperlyConfigured naming `variable` if invalid."""
    import dj_database_url  # deferred: keeps `import django_platform` cheap

    url = url.strip()
    if url == "sqlite://:memory:":
        return dict(dj_database_url.parse(url))
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ImproperlyConfigured(f"{variable} is not a valid URL; {_ENCODE_HINT}.") from None
    scheme = parts.scheme
    if "://" not in url or not scheme:
        raise ImproperlyConfigured(f"{variable} is not a database URL: expected scheme://user:password@host:port/name.")
    if scheme not in dj_database_url.ENGINE_SCHEMES:
        valid = ", ".join(sorted(dj_database_url.ENGINE_SCHEMES))
        shown = f" '{scheme}'" if _SCHEME.match(scheme) else ""
        raise ImproperlyConfigured(f"{variable} uses an unknown database scheme{shown}; valid schemes: {valid}.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        raise ImproperlyConfigured(
            f"{variable} has a port that is not a number from 0 to 65535; {_ENCODE_HINT}."
        ) from None
    if parts.fragment:
        raise ImproperlyConfigured(f"{variable} contains a raw '#'; {_ENCODE_HINT}.")
    try:
        config = dict(dj_database_url.parse(url))
    except ValueError:
        raise ImproperlyConfigured(f"{variable} is not a valid database URL; {_ENCODE_HINT}.") from None
    # dj-database-url adds its own connection defaults; ours are applied later, in one place.
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        config.pop(key, None)
    if not config.get("NAME") and not str(config["ENGINE"]).endswith("sqlite3"):
        raise ImproperlyConfigured(f"{variable} names no database: add /name after the host.")
    return config
