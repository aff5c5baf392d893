"""One migrate at a time per database: several instances may run the release command at once
(a platform that starts the release on each new instance, a retried deploy)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError

NAME = "django_platform.migrate"
# pg_advisory_lock takes a bigint: a stable one from the name.
PG_KEY = zlib.crc32(NAME.encode())


@contextmanager
def migration_lock(connection: Any, timeout: float) -> Iterator[None]:
    """Hold the database's own lock on its session (PostgreSQL's advisory lock, MariaDB's and
    MySQL's GET_LOCK) while migrating; another holder makes this wait up to `timeout` seconds,
    then a CommandError. SQLite is one file, written by one process: nothing to take."""
    vendor = connection.vendor
    if vendor not in ("postgresql", "mysql"):
        yield
        return
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            deadline = time.monotonic() + timeout
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [PG_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise CommandError(f"Another migrate holds the lock on this database ({timeout:g} s waited).")
                time.sleep(0.5)
        else:
            cursor.execute("SELECT GET_LOCK(%s, %s)", [NAME, max(0, round(timeout))])
            if cursor.fetchone()[0] != 1:
                raise CommandError(f"Another migrate holds the lock on this database ({timeout:g} s waited).")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_unlock(%s)", [PG_KEY])
            else:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [NAME])
