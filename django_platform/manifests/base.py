"""What a platform's manifest is: where it lives, its format, the keys we own in it (derived from
what the app needs), and how to read back what it declares for the checks. One module per platform
in this package holds that platform's keys and their sources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django_platform.deploy.release_line import merged_release
from django_platform.manifests.edits import MISSING, Edit, Step
from django_platform.platforms.base import RELEASE_COMMAND

Get = Callable[[Sequence[Step]], Any]  # the value at a path in the file, MISSING where absent

RELEASE = RELEASE_COMMAND
COLLECTSTATIC = "python manage.py collectstatic --noinput"


class Needs(NamedTuple):
    """What the app needs from the platform, from its settings and the generated Procfile."""

    name: str  # the project's name, as services are named (lowercase, dashes)
    web: str  # the web command
    processes: dict[str, str]  # the other processes the settings call for (worker, beat...)
    release: str  # the release command
    health: str  # the readiness path, "" where no health path is wired
    graceful: int  # gunicorn's graceful timeout on this platform, in seconds
    settings_module: str
    secret_key: str  # the variable the secret key comes from
    secrets: tuple[str, ...]  # other variables the app needs, set by the user or an add-on
    database: str  # the database's engine family ("postgresql", "mysql")
    python: str  # "3.12"
    # (host, "owner/name", branch) of the checkout's origin remote, where it is GitHub's or GitLab's.
    repository: tuple[str, str, str] | None = None
    dockerfile: bool = False  # the project builds its image from a Dockerfile of its own


class Declared(NamedTuple):
    """What a manifest says, for platform_check (None: the format has no such key, or the file
    leaves it out and the platform's default is unknown)."""

    health: str | None  # the health-check path
    release: list[str] | None  # the release commands (a hook's lines)
    stop: int | None  # seconds between the stop signal and the kill
    processes: dict[str, str] | None  # process name -> command, web included
    port: tuple[str, str] | None  # (where the router sends requests, where the app listens)
    build: list[str] | None = None  # the build's commands, where the manifest holds the build
    python: str | None = None  # the Python it asks the build for ("3.12"), where the manifest says it


class Manifest:
    """One platform's manifest. `edits` lists the keys we own for `needs` (`get` reads the file as
    it is, for values that follow the user's, such as a port); `read` what the file declares."""

    def __init__(
        self,
        platform: str,
        path: str,
        kind: str,
        edits: Callable[[Needs, Get], list[Edit]],
        read: Callable[[Get], Declared],
        *,
        header: str = "",
        workers: bool = True,
        starts_web: bool = True,
        notes: Sequence[str] = (),
        sources: Sequence[str] = (),
    ) -> None:
        self.platform, self.path, self.kind = platform, path, kind
        self.edits, self.read = edits, read
        # Written at the top of a new file (a comment naming the command, a $schema).
        self.header = header
        # Whether the format can hold processes beside web (Railway's file is one service).
        self.workers = workers
        # Whether the platform starts the web process from it (app.json's kind leaves that to the
        # Procfile).
        self.starts_web = starts_web
        self.notes, self.sources = tuple(notes), tuple(sources)


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def mappings(value: Any) -> list[dict[str, Any]]:
    """The items of a list that are mappings (nothing where the value is not a list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def release_command(needs: Needs, current: Any) -> str:
    """The release command with the steps of the manifest's own kept, its migrate replaced
    (`python manage.py migrate && python manage.py createcachetable` keeps the second)."""
    if isinstance(current, list) and len(current) == 1:
        current = current[0]
    return merged_release(needs.release, current)[0] if isinstance(current, str) else needs.release


def commands(value: Any) -> list[str] | None:
    """A command or script as its lines ("a && b" and lists split too), None where absent."""
    if value is MISSING or value is None:
        return None
    parts = value if isinstance(value, list) else [value]
    lines: list[str] = []
    for part in parts:
        for line in str(part).splitlines():
            lines += [piece.strip() for piece in line.split("&&") if piece.strip()]
    return lines


def formation(get: Get) -> Declared:
    """What app.json and scalingo.json declare: the process types of their formation (the
    Procfile holds the commands and the release)."""
    found = get(("formation",))
    processes = {str(name): "" for name in found} if isinstance(found, dict) else None
    return Declared(health=None, release=None, stop=None, processes=processes, port=None)
