"""The migrations a database has not applied yet, judged against the code still serving."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

from django_platform.schema.safety import Finding, judge

Plan = list[tuple[Any, bool]]


def release_plan(connection: Any) -> tuple[Plan, list[Finding]]:
    """What `migrate` would apply on `connection`, and the findings for it."""
    executor = MigrationExecutor(connection)
    plan: Plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return plan, _judged(executor, plan, connection)


def _judged(executor: Any, plan: Plan, connection: Any) -> list[Finding]:  # pragma: no cover
    # Run in subprocesses on real databases (tests/test_migration_safety.py): coverage does not
    # follow them.
    if not plan or not executor.loader.applied_migrations:
        # Nothing to apply, or a first deploy: no old code serves against this database.
        return []
    # The state the applied migrations leave (what the old code runs against): the executor's
    # own method, which migrate itself uses (not in django-stubs).
    state = executor._create_project_state(with_applied_migrations=True)
    created: set[tuple[str, str]] = set()
    found: list[Finding] = []
    for migration, backwards in plan:
        if not backwards:
            found += judge(migration, state, connection.vendor, connection, created)
    return found


def judged_in_time(alias: str, timeout: float) -> list[Finding] | str:
    """The findings for database `alias`, from a thread of its own with a deadline (an unreachable
    host must not hang platform_check); a string says why nothing was judged."""
    result: list[list[Finding] | str] = []

    def run() -> None:
        connection = connections[alias]
        try:
            result.append(release_plan(connection)[1])
        except Exception as exc:  # a database that does not answer: said by its class only
            result.append(f"the database {alias!r} did not answer ({type(exc).__name__})")
        finally:
            BaseDatabaseWrapper.close(connection)  # this thread's own connection

    thread = threading.Thread(target=run, daemon=True, name=f"django-platform-migrations-{alias}")
    thread.start()
    thread.join(timeout)
    return result[0] if result else f"the database {alias!r} did not answer within {timeout:g} s"
