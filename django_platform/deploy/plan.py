"""What the platform runs: the web line (which server, which application), the release line and
the processes the settings call for. platform_procfile writes it as a Procfile, platform_manifest
into the platform's manifest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

from django_platform.deploy.files import managed_block
from django_platform.deploy.processes import Processes, background, project_packages, settings_values
from django_platform.deploy.procfile import (
    asgi_declared,
    dropped_wrapper,
    process_types,
    procfile_body,
    served_application,
    server_of,
    serves_asgi_module,
)
from django_platform.deploy.release_line import merged_release, migrates, steps_of
from django_platform.deploy.web_options import carried
from django_platform.platforms import Platform
from django_platform.platforms.base import RELEASE_COMMAND


class Plan(NamedTuple):
    body: str  # the Procfile block's lines
    application: str  # the served application's dotted path
    setting: str  # the setting it comes from
    reason: str  # why ASGI ("" for WSGI)
    note: str  # said beside the write (the project declares ASGI, the web line stays WSGI)
    processes: Processes


def current_types(path: Path) -> dict[str, str]:
    """The process types the Procfile runs today: its managed block's, or the whole file's before
    it has one (the first adoption, where the project's own Celery lines are kept)."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:  # missing, or unreadable: the write says so
        return {}
    block = managed_block(text)
    return process_types(text if block is None else block)


def plan(
    root: Path,
    platform: Platform,
    env: Mapping[str, str],
    *,
    asgi: bool = False,
    wsgi: bool = False,
    server: str | None = None,
    celery_app: str | None = None,
    workers: Sequence[str] = (),
    running: Mapping[str, str] | None = None,
) -> Plan:
    """The processes for `platform`, from the settings and the Procfile in `root` (its web line's
    server and the project's own Celery commands stand; `running`: the commands a manifest starts,
    which stand over the Procfile's). ImproperlyConfigured with our own words."""
    current = {**current_types(root / "Procfile"), **(running or {})}
    processes = background(settings_values(), project_packages(), celery_app, current, multi_node=platform.multi_node)
    kept = "gunicorn" if wsgi else server_of(current.get("web", ""))
    chosen = server or kept
    if chosen != "gunicorn" and wsgi:
        raise ImproperlyConfigured(f"--server {chosen} serves ASGI: it cannot go with --wsgi.")
    reason, note = _asgi(root, current, env, asgi=asgi, wsgi=wsgi)
    if chosen != "gunicorn" and not reason:
        reason, note = (f"--server {chosen}" if server else f"the web line running now starts {chosen}"), ""
    application, setting = served_application(bool(reason))
    body = procfile_body(platform, application, workers, processes.found, setting, chosen, current)
    note = " ".join(filter(None, (note, *_adopted(platform, current, chosen))))
    return Plan(body, application, setting, reason, note, processes)


def _adopted(platform: Platform, current: Mapping[str, str], chosen: str) -> list[str]:
    """What the block's lines do not keep of the lines they replace, each said once (at adoption:
    the block's own lines leave nothing out)."""
    said = []
    web = current.get("web", "")
    replaced = carried(web).replaced if chosen == "gunicorn" else []
    if replaced:
        said.append(f"The web line's own gunicorn options give way to the generated config: {', '.join(replaced)}.")
    steps = steps_of(web)[:-1]
    if steps:
        listed = ", ".join(f"{step}{_why_dropped(step, platform)}" for step in steps)
        said.append(f"The web line's steps before its server are not kept: {listed}.")
    theirs = current.get(platform.release_process or "", "")
    if theirs and merged_release(RELEASE_COMMAND, theirs)[1]:
        said.append(
            f"The release phase runs platform_migrate first, then the release line's own command ({theirs}): a "
            "migrate of its own then finds nothing left to do."
        )
    dropped = dropped_wrapper(web)
    if dropped:
        said.append(
            f"The web line's {dropped} (the nginx buildpack) is not kept: it listens on $PORT, where the generated "
            "server binds, and expects the app on its socket. WhiteNoise serves the static files."
        )
    return said


def _why_dropped(step: str, platform: Platform) -> str:
    """Where a step the web line ran before its server belongs instead."""
    if migrates(step):
        where = "the release phase runs platform_migrate" if platform.release_process else platform.release_hint
        return f" ({where})" if where else ""
    if "collectstatic" in step.split():
        return f" (at build: {platform.collectstatic_at_build})" if platform.collectstatic_at_build else " (at build)"
    return ""


def _asgi(root: Path, current: Mapping[str, str], env: Mapping[str, str], *, asgi: bool, wsgi: bool) -> tuple[str, str]:
    """(why the web line serves ASGI, "" for WSGI; a note). A flag decides; else the server the
    Procfile's web line serves now stands (an earlier --asgi or --wsgi, the project's own line);
    else what the project declares."""
    if wsgi or asgi:
        return ("--asgi" if asgi else ""), ""
    kept = serves_asgi_module(current.get("web", ""), env)
    if kept:
        return "the Procfile's web line serves ASGI", ""
    declared = asgi_declared(root, env)
    if kept is None or not declared:
        return declared, ""
    return (
        "",
        f"The Procfile's web line serves WSGI, kept; the project declares ASGI ({declared}): --asgi switches.",
    )
