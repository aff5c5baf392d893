"""A server settings.py chose for itself: one it read from a variable of its own is kept over the
platform's add-on, one the add-on replaces is named. Shared by the cache, broker and channel-layer
areas, which read the same Redis add-ons."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django_platform.parsers.env import read_from
from django_platform.parsers.urlparts import server_of
from django_platform.platforms import Context
from django_platform.report import Report, Source


def read_variable(ctx: Context, value: object, asked: str) -> str | None:
    """The variable settings.py read `value` from (`os.environ["UPSTASH_URL"]`), None where none
    holds it or where `asked`, the variable that chooses this setting, is set: it outranks."""
    name = read_from(value, ctx.env)
    return None if name is None or name == asked or ctx.value(asked) else name


def settings_source(name: str) -> Source:
    return Source("settings.py", f"settings.py ({name})", [name])


def platforms_redis(ctx: Context, name: str) -> bool:
    """Whether `name` is one of the platform's own Redis variables, whose rediss:// serves a
    self-signed certificate; another provider's URL keeps its certificate verified."""
    return bool(re.fullmatch(ctx.platform.redis_variables, name))


def note_replaced(report: Report, what: str, servers: Iterable[object], by: str, asked: str) -> None:
    """Say that the platform's add-on (`by`) replaced settings.py's `what`, naming its servers."""
    where = ", ".join(filter(None, (server_of(s) for s in servers)))
    report.note(
        f"settings.py's {what}{f' (at {where})' if where else ''} replaced by {by}, the platform's: set {asked} in "
        "the environment, or read another variable in settings.py, to keep another."
    )
