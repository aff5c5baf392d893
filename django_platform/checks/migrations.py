"""The migrations the database has not applied yet, judged against the code still serving
(django_platform/schema): platform_check --deploy asks the database; where it does not answer,
the migrations beyond the committed record of the last release (deployed-migrations.txt) are
judged instead."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, Warning
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from django_platform.deploy.files import project_dir
from django_platform.schema.plan import judged_in_time
from django_platform.schema.recorded import STATE_FILE, BadRecord, judged_against, parse, unknown_nodes
from django_platform.schema.safety import BREAKS, UNKNOWN, Finding
from django_platform.textfile import Unreadable, read_text

E030 = "Migration {finding}: it breaks the code still serving while the release runs."
W030 = "Migration {finding}."
W031 = "Migration {finding}: requests that write to the table wait until it is done."
E031 = "{file} {problem}: the migrations of the next release cannot be judged against it."
RECORD_HINT = "Write it again once a release is out: python manage.py platform_migrate --record (and commit it)."
TIMEOUT = 5.0


def migration_messages(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[CheckMessage], str | None]:
    """(messages, None) when the database answered; else (messages from the record, a line saying
    what was judged instead, or why nothing was)."""
    found = judged_in_time(alias, TIMEOUT)
    if not isinstance(found, str):
        return as_messages(found), None
    return from_record(alias, found)


def from_record(alias: str, why: str) -> tuple[list[CheckMessage], str]:
    """The migrations beyond deployed-migrations.txt, judged without the database."""
    text = read_text(project_dir() / STATE_FILE)
    if isinstance(text, Unreadable):
        if text.missing:
            return [], f"not judged: {why}; commit {STATE_FILE} (platform_migrate --record) to judge them without it"
        return [unusable(text.problem)], f"not judged: {why}"
    try:
        recorded = parse(text)
    except BadRecord as exc:
        return [unusable(str(exc))], f"not judged: {why}"
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = unknown_nodes(loader, recorded)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown)
        return [unusable(f"names migrations this project does not have ({names})")], f"not judged: {why}"
    connection = connections[alias]  # names column types only: no query
    found = judged_against(loader, recorded, connection.vendor, connection)
    return as_messages(found), f"judged against {STATE_FILE}, the last release's record: {why}"


def unusable(problem: str) -> CheckMessage:
    return Error(E031.format(file=STATE_FILE, problem=problem), hint=RECORD_HINT, id="django_platform.E031")


def as_messages(found: list[Finding]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for finding in found:
        if finding.kind == BREAKS:
            messages.append(Error(E030.format(finding=finding), hint=finding.recipe, id="django_platform.E030"))
        elif finding.kind == UNKNOWN:
            messages.append(Warning(W030.format(finding=finding), hint=finding.recipe, id="django_platform.W030"))
        else:
            messages.append(Warning(W031.format(finding=finding), hint=finding.recipe, id="django_platform.W031"))
    return messages
