"""The migrations the database has not applied yet, judged against the code still serving
(django_platform/schema): platform_check --deploy asks, where the database answers."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, Warning
from django.db import DEFAULT_DB_ALIAS

from django_platform.schema.plan import judged_in_time
from django_platform.schema.safety import BREAKS, UNKNOWN

E030 = "Migration {finding}: it breaks the code still serving while the release runs."
W030 = "Migration {finding}."
W031 = "Migration {finding}: requests that write to the table wait until it is done."
TIMEOUT = 5.0


def migration_messages(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[CheckMessage], str | None]:
    """(messages, None), or ([], why nothing was judged: the database did not answer)."""
    found = judged_in_time(alias, TIMEOUT)
    if isinstance(found, str):
        return [], found
    messages: list[CheckMessage] = []
    for finding in found:
        if finding.kind == BREAKS:
            messages.append(Error(E030.format(finding=finding), hint=finding.recipe, id="django_platform.E030"))
        elif finding.kind == UNKNOWN:
            messages.append(Warning(W030.format(finding=finding), hint=finding.recipe, id="django_platform.W030"))
        else:
            messages.append(Warning(W031.format(finding=finding), hint=finding.recipe, id="django_platform.W031"))
    return messages, None
