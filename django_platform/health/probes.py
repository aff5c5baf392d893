"""Readiness checks: one per dependency the settings name, each run in its own daemon thread
against one deadline, so a hung database answers 503 in time instead of hanging the probe (and a
hung check is joined by the next probe, not started again).

Results say ok, failed (with the exception's class name) or timeout: never an exception's message,
which can hold a host name, a user or a URL."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger("django_platform.health")
PROBE_FILE = "django-platform-health-probe"
_SKIPPED_CACHES = ("django.core.cache.backends.dummy.DummyCache",)
_SKIPPED_ENGINES = ("django.db.backends.dummy",)


class _Run:
    """One run of one check in a daemon thread (a thread blocked on a dead socket never holds up
    the worker's exit)."""

    def __init__(self, check: Callable[[], None]) -> None:
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(check,), daemon=True, name="django-platform-health")
        self.thread.start()

    def _run(self, check: Callable[[], None]) -> None:
        try:
            check()
        except BaseException as exc:
            self.error = exc
        finally:
            self.finished.set()


_lock = threading.Lock()
_running: dict[tuple[int, str], _Run] = {}


def _start(name: str, check: Callable[[], None]) -> _Run:
    key = (os.getpid(), name)  # a forked worker never waits on its parent's threads
    with _lock:
        run = _running.get(key)
        if run is None or run.finished.is_set():
            run = _running[key] = _Run(check)
        return run


def database(alias: str) -> Callable[[], None]:
    def check() -> None:
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            # This thread's own connection: never left open. SQLite's wrapper ignores close() on an
            # in-memory database (to keep its data); this thread's connection holds none the
            # process needs, and left to the garbage collector it warns (ResourceWarning, 3.13+).
            BaseDatabaseWrapper.close(connection)

    return check


def cache(alias: str) -> Callable[[], None]:
    def check() -> None:
        backend = caches[alias]
        key = f"django-platform:health:{uuid.uuid4().hex}"
        token = uuid.uuid4().hex
        backend.set(key, token, 30)
        try:
            if backend.get(key) != token:
                raise LookupError("the value written was not read back")
        finally:
            backend.delete(key)

    return check


def storage(alias: str) -> Callable[[], None]:
    def check() -> None:
        # Read only: a probe every few seconds must not write (S3 PUTs cost money and time).
        storages[alias].exists(PROBE_FILE)

    return check


def broker(url: str, options: dict[str, Any], timeout: float) -> Callable[[], None]:
    def check() -> None:
        # Local: kombu comes with Celery, an optional extra.
        from kombu.connection import Connection

        connect: Any = Connection  # kombu has no type hints
        with connect(url, connect_timeout=timeout, transport_options=options) as connection:
            connection.ensure_connection(max_retries=0)  # kombu's retries sleep 2 s and more
            connection.default_channel  # noqa: B018 - virtual transports (Redis) connect here

    return check


def planned(settings: Any, timeout: float) -> list[tuple[str, Callable[[], None]]]:
    """The checks for what the settings use."""
    result: list[tuple[str, Callable[[], None]]] = []
    for alias, conf in (getattr(settings, "DATABASES", None) or {}).items():
        if conf.get("ENGINE") not in _SKIPPED_ENGINES:
            result.append((f"database:{alias}", database(alias)))
    for alias, conf in (getattr(settings, "CACHES", None) or {}).items():
        if conf.get("BACKEND") not in _SKIPPED_CACHES:
            result.append((f"cache:{alias}", cache(alias)))
    if "default" in (getattr(settings, "STORAGES", None) or {}):
        result.append(("storage:default", storage("default")))
    url = getattr(settings, "CELERY_BROKER_URL", None)
    if url and isinstance(url, str) and not url.startswith("memory://"):
        try:
            # Local: kombu comes with Celery, an optional extra.
            import kombu  # noqa: F401
        except ImportError:
            pass  # no Celery installed: nothing uses the broker from this process
        else:
            options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {})
            result.append(("broker", broker(url, options, timeout)))
    return result


def run(checks: list[tuple[str, Callable[[], None]]], timeout: float) -> dict[str, str]:
    """{name: "ok" | "failed (ExceptionClass)" | "timeout"}, within `timeout` seconds in all."""
    runs = [(name, _start(name, check)) for name, check in checks]
    deadline = time.monotonic() + timeout
    results: dict[str, str] = {}
    for name, handle in runs:
        if not handle.finished.wait(max(0.0, deadline - time.monotonic())):
            results[name] = "timeout"
            logger.warning("Readiness: %s did not answer within %.1f s.", name, timeout)
        elif handle.error is not None:
            kind = type(handle.error).__name__
            results[name] = f"failed ({kind})"
            logger.warning("Readiness: %s failed (%s).", name, kind)
        else:
            results[name] = "ok"
    return results


# Databases known fully migrated (per process: a schema does not go back), and when each not yet
# migrated one was last asked.
_migrated: set[str] = set()
_asked: dict[str, tuple[float, object]] = {}
RECHECK = 1.0


def pending_migrations(timeout: float) -> dict[str, object]:
    """Per database not known migrated: the number of migrations not applied, or why it could
    not tell ("failed (OperationalError)", "timeout"); empty when every one is migrated."""
    pending: dict[str, object] = {}
    for alias, conf in settings.DATABASES.items():
        if alias in _migrated or conf.get("ENGINE") in _SKIPPED_ENGINES:
            continue
        asked = _asked.get(alias)
        if asked is not None and time.monotonic() - asked[0] < RECHECK:
            pending[alias] = asked[1]
            continue
        found: list[int] = []

        def count(alias: str = alias, found: list[int] = found) -> None:
            connection = connections[alias]
            try:
                executor = MigrationExecutor(connection)
                found.append(len(executor.migration_plan(executor.loader.graph.leaf_nodes())))
            finally:
                BaseDatabaseWrapper.close(connection)  # this thread's own connection

        name = f"migrations:{alias}"
        outcome = run([(name, count)], timeout)[name]
        if outcome == "ok" and found and found[0] == 0:
            _migrated.add(alias)
            continue
        answer: object = found[0] if outcome == "ok" and found else outcome
        _asked[alias] = (time.monotonic(), answer)
        pending[alias] = answer
    return pending
