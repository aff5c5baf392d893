"""The background processes a project needs beside `web`, from its settings: a Celery worker and,
with periodic tasks, one beat; or django-tasks-db's db_worker."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings

from django_platform.areas.celery import uses_celery
from django_platform.areas.django_tasks import backend_kind, has_app
from django_platform.deploy.procfile import module_exists

BEAT_APP = "django_celery_beat"
# Beat keeps last-run times in a file; the app's directory may be read-only in a container.
BEAT_FILE = "/tmp/celerybeat-schedule"  # noqa: S108
DB_WORKER = "python manage.py db_worker --queue-name '*'"


# Where projects define the app, as `celery -A` takes it: Celery's own layout (proj/celery.py,
# `-A proj`), cookiecutter-django's config/celery_app.py (`-A config.celery_app`).
_APP_MODULES = ("celery", "celery_app")
_APP_OPTION = re.compile(r"(?:^|\s)(?:-A|--app)(?:=|\s+)(?P<app>[A-Za-z_][\w.:]*)")
_CELERY = re.compile(r"(?:^|\s)celery\s")


def app_option(command: str) -> str | None:
    """The -A/--app of a `celery ...` command line, None for other commands."""
    match = _APP_OPTION.search(command) if _CELERY.search(f" {command} ") else None
    return match.group("app") if match else None


def celery_app(packages: Iterable[str], existing: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """(the `-A` value, where it was found), or (None, where we looked). The Procfile's own `-A`
    first (what the project runs today), then a celery.py or celery_app.py in each project package
    and its subpackages (a tasks/ subpackage)."""
    for kind, command in (existing or {}).items():
        app = app_option(command)
        if app:
            return app, f"the Procfile's {kind}: line"
    tried = []
    for package in dict.fromkeys(p for p in packages if p):
        for parent in [package, *_subpackages(package)]:
            for name in _APP_MODULES:
                tried.append(f"{parent.replace('.', '/')}/{name}.py")
                if module_exists(f"{parent}.{name}"):
                    return (parent if name == "celery" else f"{parent}.{name}"), tried[-1]
    return None, " or ".join(tried) or "the project"


def _subpackages(package: str) -> list[str]:
    """The package's direct subpackages, by their directories (nothing imported but the package)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    locations = list(spec.submodule_search_locations or []) if spec else []
    found = []
    for location in locations:
        for child in sorted(Path(location).iterdir()) if Path(location).is_dir() else []:
            if child.is_dir() and (child / "__init__.py").is_file() and child.name.isidentifier():
                found.append(f"{package}.{child.name}")
    return found


def has_periodic_tasks(values: Mapping[str, Any]) -> bool:
    return bool(values.get("CELERY_BEAT_SCHEDULE")) or has_app(values.get("INSTALLED_APPS") or (), BEAT_APP)


class Processes(NamedTuple):
    """The processes to write beside web and release, and what could not be written (said)."""

    found: list[tuple[str, str]]
    notes: list[str]


_EMBEDDED_BEAT = re.compile(r"(?<=\s)(?:-B|--beat)(?=\s|$)")


def _kept(kind: str, ours: str, app: str, existing: Mapping[str, str], multi_node: bool) -> tuple[str, str]:
    """The project's own command for this process when it runs the same Celery app and subcommand
    (its flags and prefixes, REMAP_SIGTERM=SIGQUIT or --without-gossip, are its choice); else ours.
    A worker's embedded beat (-B) goes where several instances run: it would run once per instance."""
    theirs = existing.get(kind, "")
    if app_option(theirs) != app or not re.search(rf"\s{kind}\s", f" {theirs} "):
        return ours, ""
    if kind == "worker" and multi_node and _EMBEDDED_BEAT.search(theirs):
        kept = re.sub(r"\s+", " ", _EMBEDDED_BEAT.sub("", theirs)).strip()
        return kept, "worker: removed -B (beat inside the worker runs once per instance): the beat process runs it."
    return theirs, ""


def background(
    values: Mapping[str, Any],
    packages: Sequence[str],
    celery: str | None = None,
    existing: Mapping[str, str] | None = None,
    *,
    multi_node: bool = True,
) -> Processes:
    """The workers the settings `values` call for. `packages`: where to look for the Celery app
    (the settings' and the WSGI module's); `celery`: the app, given; `existing`: the Procfile's
    process types today, whose Celery commands are kept."""
    found: list[tuple[str, str]] = []
    notes: list[str] = []
    existing = existing or {}
    if uses_celery(values, {}):
        app, where = (celery, "--celery-app") if celery else celery_app(packages, existing)
        if app is None:
            notes.append(
                f"No Celery app found in {where}: no worker process is written. Pass --celery-app with the module "
                "that defines it (celery -A takes it)."
            )
        else:
            command, note = _kept("worker", f"celery -A {app} worker --loglevel INFO", app, existing, multi_node)
            found.append(("worker", command))
            notes += [note] if note else []
            # A worker that ran beat inside it had periodic tasks (their schedule may live in the
            # Celery app, not in settings): the beat process takes them over.
            if has_periodic_tasks(values) or note:
                beat = f"celery -A {app} beat --loglevel INFO"
                if has_app(values.get("INSTALLED_APPS") or (), BEAT_APP):
                    beat += " --scheduler django_celery_beat.schedulers:DatabaseScheduler"
                else:
                    beat += f" --schedule {BEAT_FILE}"
                found.append(("beat", _kept("beat", beat, app, existing, multi_node)[0]))
    tasks = values.get("TASKS") or {}
    backend = str(tasks.get("default", {}).get("BACKEND", "")) if isinstance(tasks, Mapping) else ""
    if backend and backend_kind(backend) == "database":
        found.append(("tasks" if found else "worker", DB_WORKER))
    return Processes(found, notes)


def settings_values() -> dict[str, Any]:
    """The configured settings as a mapping (what background() reads)."""

    names = [n for n in dir(settings) if n.startswith("CELERY_") or n in ("TASKS", "INSTALLED_APPS")]
    return {n: getattr(settings, n) for n in names}


def project_packages() -> list[str]:
    modules = [getattr(settings, "SETTINGS_MODULE", "") or "", str(settings.WSGI_APPLICATION or "")]
    return [m.split(".")[0] for m in modules if m]
