"""Database settings that contradict the platform or break under load."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from django_platform.areas.databases import TLS_OPTION, TLS_REFUSING, TLS_REQUIRING, engine_family, queue_pool
from django_platform.checks import target_platform

OPTION = {family: key for family, (key, _) in TLS_OPTION.items()}

E008 = "The {alias!r} database {requires} TLS, but {platform}'s databases {offer}."
E009 = "The {alias!r} database uses connection pooling with CONN_MAX_AGE={age!r}: Django refuses to connect."
W002 = "The {alias!r} database keeps connections open (CONN_MAX_AGE={age!r}) without CONN_HEALTH_CHECKS."
# Measured (MariaDB, a pool of 4, CONN_MAX_AGE=600): of 8 threads that each ran one query and
# lived on, as kept threads and gthread's do, 4 got SQLAlchemy's TimeoutError after the pool's wait.
W058 = (
    "The {alias!r} database's pool (django-db-connection-pool) lends {size} connection(s) a process, and "
    "CONN_MAX_AGE={age!r} keeps each one lent to the thread that used it: beyond {size} threads, requests wait "
    "{timeout:g} s for one and fail with SQLAlchemy's TimeoutError."
)


def _options(db: Any) -> dict[str, Any]:
    options = db.get("OPTIONS")
    return options if isinstance(options, dict) else {}


def check_tls(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    messages: list[CheckMessage] = []
    for alias, db in settings.DATABASES.items():
        family = engine_family(str(db.get("ENGINE", "")))
        if family is None or family not in platform.db_tls:
            continue
        value = str(_options(db).get(OPTION[family], ""))
        platform_tls = platform.db_tls[family]
        if not platform_tls and value in TLS_REQUIRING[family]:
            text = E008.format(alias=alias, requires="requires", platform=platform.label, offer="have SSL switched off")
            hint = f"Remove {OPTION[family]}={value} from the URL or settings.py's OPTIONS, or set DATABASE_SSL=false."
        elif platform_tls and value in TLS_REFUSING[family]:
            text = E008.format(alias=alias, requires="refuses", platform=platform.label, offer="require it")
            hint = (
                f"Remove {OPTION[family]}={value} from the URL or settings.py's OPTIONS, or DATABASE_SSL=false from "
                "the environment."
            )
        else:
            continue
        messages.append(Error(text, hint=hint, id="django_platform.E008"))
    return messages


def check_connections(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for alias, db in settings.DATABASES.items():
        age = db.get("CONN_MAX_AGE", 0)
        queue = queue_pool(db)
        if queue is not None and age != 0:
            messages.append(
                Warning(
                    W058.format(alias=alias, size=queue[0], age=age, timeout=queue[1]),
                    hint="Set DATABASE_CONN_MAX_AGE=0 (or unset it): the pool keeps the connections open between "
                    "requests.",
                    id="django_platform.W058",
                )
            )
        elif _options(db).get("pool") and age != 0:
            messages.append(
                Error(
                    E009.format(alias=alias, age=age),
                    hint="Set DATABASE_CONN_MAX_AGE=0 (or unset it) when DATABASE_POOL is on.",
                    id="django_platform.E009",
                )
            )
        elif age != 0 and not db.get("CONN_HEALTH_CHECKS") and not target_platform().development:
            messages.append(
                Warning(
                    W002.format(alias=alias, age=age),
                    hint="Set DATABASE_CONN_HEALTH_CHECKS=true: a connection dropped by a database "
                    "restart otherwise fails the next request.",
                    id="django_platform.W002",
                )
            )
    return messages


CHECKS = (check_tls, check_connections)
