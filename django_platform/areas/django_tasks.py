"""Django's Tasks (django.tasks in 6.0+, the django-tasks backport before): on a platform, TASKS
with django-tasks-db's database backend when its app is installed, so that tasks neither run
inside the request (ImmediateBackend, Django's default) nor never (DummyBackend)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django_platform.areas.base import Setting, choose
from django_platform.platforms import Context
from django_platform.report import Report, Source

SETTING = "TASKS"
DB_APP = "django_tasks_db"
DB_BACKEND = "django_tasks_db.DatabaseBackend"
# Backends that run a task in the request, or drop it: fine in tests, never on a platform.
IN_PROCESS = ("ImmediateBackend", "DummyBackend")


def has_app(installed: Iterable[str], app: str) -> bool:
    """`app` in INSTALLED_APPS, by its module or an AppConfig path inside it."""
    return any(entry == app or entry.startswith(app + ".") for entry in installed)


def build_django_tasks(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any]:
    if not has_app(current.get("INSTALLED_APPS") or (), DB_APP):
        return {}
    queued = (
        {"default": {"BACKEND": DB_BACKEND}},
        Source("platform", "django_tasks_db is installed: tasks run in a worker process"),
    )
    # Locally no db_worker may run: Django's default (ImmediateBackend) stays.
    changed, value = choose(SETTING, current, report, default=None if ctx.platform.development else queued)
    return {SETTING: value} if changed else {}


def backend_kind(path: str) -> str:
    """'in-process' for Immediate and Dummy, 'database' for django-tasks-db, 'other'."""
    if path.rpartition(".")[2] in IN_PROCESS:
        return "in-process"
    return "database" if path.split(".")[0] == DB_APP else "other"


SETTINGS = (
    Setting(
        "TASKS",
        (),
        "on a platform, with `django_tasks_db` in `INSTALLED_APPS` and no `TASKS` in `settings.py`: "
        "django-tasks-db's database backend (run by `manage.py db_worker`); else Django's default",
    ),
)
