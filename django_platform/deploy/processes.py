"""The background processes a project needs beside `web`, from its settings: a Celery worker and,
with periodic tasks, one beat; or django-tasks-db's db_worker."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.django_tasks import backend_kind, has_app
from django_platform.areas.tasks import uses_celery

BEAT_APP = "django_celery_beat"
# Beat keeps last-run times in a file; the app's directory may be read-only in a container.
BEAT_FILE = "/tmp/celerybeat-schedule"  # noqa: S108
DB_WORKER = "python manage.py db_worker --queue-name '*'"


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def celery_app(packages: Iterable[str]) -> str:
    """The package whose celery.py defines the app (Celery's Django layout: proj/celery.py)."""
    tried = []
    for package in dict.fromkeys(p for p in packages if p):
        tried.append(f"{package}/celery.py")
        if _exists(f"{package}.celery"):
            return package
    raise ImproperlyConfigured(
        f"settings.py has CELERY_ settings but there is no Celery app in {' or '.join(tried) or 'the project'}: "
        "pass --celery-app with the module that defines it."
    )


def has_periodic_tasks(values: Mapping[str, Any]) -> bool:
    return bool(values.get("CELERY_BEAT_SCHEDULE")) or has_app(values.get("INSTALLED_APPS") or (), BEAT_APP)


def background(values: Mapping[str, Any], packages: Sequence[str], celery: str | None = None) -> list[tuple[str, str]]:
    """(process type, command) of the workers the settings `values` call for. `packages`: where
    to look for the Celery app (the settings' and the WSGI module's); `celery`: the app, given."""
    found: list[tuple[str, str]] = []
    if uses_celery(values, {}):
        app = celery or celery_app(packages)
        found.append(("worker", f"celery -A {app} worker --loglevel INFO"))
        if has_periodic_tasks(values):
            beat = f"celery -A {app} beat --loglevel INFO"
            if has_app(values.get("INSTALLED_APPS") or (), BEAT_APP):
                beat += " --scheduler django_celery_beat.schedulers:DatabaseScheduler"
            else:
                beat += f" --schedule {BEAT_FILE}"
            found.append(("beat", beat))
    tasks = values.get("TASKS") or {}
    backend = str(tasks.get("default", {}).get("BACKEND", "")) if isinstance(tasks, Mapping) else ""
    if backend and backend_kind(backend) == "database":
        found.append(("tasks" if found else "worker", DB_WORKER))
    return found


def settings_values() -> dict[str, Any]:
    """The configured settings as a mapping (what background() reads)."""
    from django.conf import settings

    names = [n for n in dir(settings) if n.startswith("CELERY_") or n in ("TASKS", "INSTALLED_APPS")]
    return {n: getattr(settings, n) for n in names}


def project_packages() -> list[str]:
    from django.conf import settings

    modules = [getattr(settings, "SETTINGS_MODULE", "") or "", str(settings.WSGI_APPLICATION or "")]
    return [m.split(".")[0] for m in modules if m]
