"""The migrations a deployed release has, recorded in the project (`deployed-migrations.txt`), for
judging the next release where the database cannot be asked (CI, a laptop): the migrations the
graph has beyond that record are those the next release will apply.

The file is written from the migration graph of the checkout (`platform_migrate --record`, once a
release is out: its code is what the checkout holds) and committed; it lists each app's last
migration, one `app_label.migration_name` per line. Pure: nothing here opens a connection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.migrations.loader import MigrationLoader

from django_platform.schema.safety import Finding, judge

STATE_FILE = "deployed-migrations.txt"
HEADER = (
    "# The last migration of each app in the release deployed last: platform_check --deploy judges the\n"
    "# migrations beyond these when the database cannot be asked. Written by\n"
    "# `python manage.py platform_migrate --record` once a release is out; commit it.\n"
)
Node = tuple[str, str]


class BadRecord(ValueError):
    """The record cannot be read: the message names the line and what is wrong."""


def render(loader: MigrationLoader) -> str:
    """The file's text for the graph as it is: its leaf nodes, sorted."""
    leaves = sorted(loader.graph.leaf_nodes())
    return HEADER + "".join(f"{app}.{name}\n" for app, name in leaves)


def parse(text: str) -> list[Node]:
    """The recorded nodes; comments and blank lines skipped."""
    nodes: list[Node] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        app, dot, name = line.partition(".")
        if not dot or not app or not name or any(c.isspace() for c in line):
            raise BadRecord(f"line {number} is not app_label.migration_name")
        nodes.append((app, name))
    return nodes


def unknown_nodes(loader: MigrationLoader, recorded: Iterable[Node]) -> list[Node]:
    """Recorded migrations the graph no longer has (squashed away, renamed, an app removed)."""
    return [node for node in recorded if node not in loader.graph.nodes]


def plan_beyond(loader: MigrationLoader, recorded: list[Node]) -> list[Any]:
    """The migrations to apply after the recorded ones, in the order migrate applies them."""
    graph = loader.graph
    applied: set[Node] = set()
    for node in recorded:
        applied.update(graph.forwards_plan(node))
    plan: list[Any] = []
    seen: set[Node] = set(applied)
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append(graph.nodes[node])
    return plan


def judged_against(loader: MigrationLoader, recorded: list[Node], vendor: str, connection: Any) -> list[Finding]:
    """The findings for the migrations beyond the record, the old code running against the state
    the recorded ones leave. `connection` only names column types (no query is made)."""
    plan = plan_beyond(loader, recorded)
    if not plan or not recorded:
        return []  # nothing new, or nothing deployed yet: no old code serves
    state = loader.project_state(nodes=recorded, at_end=True)
    created: set[tuple[str, str]] = set()
    found: list[Finding] = []
    for migration in plan:
        found += judge(migration, state, vendor, connection, created)
    return found
