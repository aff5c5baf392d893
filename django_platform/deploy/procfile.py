"""The Procfile: its body for a platform, its process types, and the lines the block replaces."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from django_platform.deploy.files import outside_block, split_lines
from django_platform.deploy.gunicorn_cli import GunicornCall, gunicorn_call
from django_platform.platforms import Platform

_PROCESS_LINE = re.compile(r"^(?P<type>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")


def wsgi_target(wsgi_application: str | None) -> str:
    """WSGI_APPLICATION ("proj.wsgi.application") as gunicorn's APP_MODULE ("proj.wsgi")."""
    module, _, attr = (wsgi_application or "").rpartition(".")
    if not module:
        raise ImproperlyConfigured("WSGI_APPLICATION must be a dotted path like 'project.wsgi.application'.")
    return module if attr == "application" else f"{module}:{attr}"


def procfile_body(
    platform: Platform,
    wsgi_application: str | None,
    workers: Sequence[str] = (),
    background: Sequence[tuple[str, str]] = (),
) -> str:
    """The platform's lines, the `background` processes the settings call for, then the --worker
    commands as worker, worker2, ... (numbered past a name already taken)."""
    lines = platform.procfile_lines(wsgi_target(wsgi_application))
    lines += [f"{kind}: {command}" for kind, command in background]
    taken = set(process_types("\n".join(lines)))
    number = 1
    for command in workers:
        if not command.strip() or "\n" in command:
            raise ImproperlyConfigured("--worker takes a one-line command.")
        while (name := f"worker{number if number > 1 else ''}") in taken:
            number += 1
        taken.add(name)
        lines.append(f"{name}: {command.strip()}")
    return "\n".join(lines)


def web_command(root: Path) -> str:
    """The Procfile's web command in `root`, "" without one (no file, unreadable, no web line)."""
    try:
        text = (root / "Procfile").read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return ""
    return process_types(text).get("web", "")


def web_call(root: Path, env: Mapping[str, str], wsgi_application: str | None) -> GunicornCall | None:
    """The gunicorn command of the Procfile's web line in `root`, as the platform's shell runs it."""
    default_app = str(wsgi_application or "").rpartition(".")[0] or None
    return gunicorn_call(web_command(root), env, default_app=default_app)


def process_types(text: str) -> dict[str, str]:
    """Process type -> command, as Procfile runners read it (other lines are ignored)."""
    found = {}
    for line in split_lines(text):
        match = _PROCESS_LINE.match(line.strip())
        if match:
            found[match.group("type")] = match.group("command").strip()
    return found


def idle_release(text: str, platform: Platform) -> bool:
    """Whether the Procfile has a release: line of its own (outside the block) that the platform
    never runs, since it runs another process type for the release phase (Scalingo's postdeploy:)."""
    release = platform.release_process
    return bool(release) and release != "release" and "release" in process_types(outside_block(text))


def comment_out_types(text: str, types: Sequence[str]) -> str:
    """Keep a replaced Procfile line as a comment rather than lose it."""
    out = []
    for line in split_lines(text, keepends=True):
        match = _PROCESS_LINE.match(line.strip())
        out.append(f"# replaced by django-platform: {line}" if match and match.group("type") in types else line)
    return "".join(out)
