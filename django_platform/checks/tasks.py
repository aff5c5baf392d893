"""Background work that loses tasks or runs them twice on a platform: an in-process task backend,
a broker or result store on the instance's own memory or disk, a queue no process consumes, and
more than one scheduler."""

from __future__ import annotations

import re
from typing import Any, cast

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.files.storage import default_storage

from django_platform.areas.django_tasks import backend_kind, has_app
from django_platform.checks import target_platform
from django_platform.checks.disk import _is_local_storage
from django_platform.deploy.files import project_dir
from django_platform.deploy.procfile import process_types

E018 = "CELERY_BROKER_URL uses {scheme}://, which keeps tasks in this {where}: on {platform} they are lost."
E019 = "The Procfile starts {count} Celery beat schedulers ({types}): every periodic task runs {count} times."
W015 = "CELERY_RESULT_BACKEND keeps results on this instance's disk ({scheme}), which {platform} does not keep."
W016 = "TASKS uses {backend}: on {platform} tasks {effect}."
W017 = "{what} but the Procfile has no process running {runner}: queued tasks never run."
W018 = "The Procfile's {kind!r} process runs Celery beat inside the worker (-B): scaled to two, tasks run twice."
W020 = (
    "Background tasks run in their own {platform} instances, and the default storage is that instance's disk: "
    "files a task saves are invisible to the web process and lost at the next restart."
)

_BEAT = re.compile(r"\bcelery\b.*\sbeat\b")
_EMBEDDED_BEAT = re.compile(r"\bcelery\b.*\sworker\b.*\s(-B|--beat)\b")
_CELERY_WORKER = re.compile(r"\bcelery\b.*\sworker\b")


def _scheme(url: Any) -> str:
    return str(url or "").partition("://")[0].lower() if "://" in str(url or "") else ""


def check_brokers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development:
        return []
    messages: list[CheckMessage] = []
    scheme = _scheme(getattr(settings, "CELERY_BROKER_URL", ""))
    if scheme in ("memory", "filesystem"):
        where = "process's memory" if scheme == "memory" else "instance's disk"
        messages.append(
            Error(
                E018.format(scheme=scheme, where=where, platform=platform.label),
                hint="Attach a RabbitMQ or Redis add-on (its URL becomes the broker), or set CELERY_BROKER_URL.",
                id="django_platform.E018",
            )
        )
    results = str(getattr(settings, "CELERY_RESULT_BACKEND", "") or "")
    local = _scheme(results) == "file" or results.lower().startswith("db+sqlite")
    if local and platform.ephemeral_disk:
        messages.append(
            Warning(
                W015.format(scheme=results.partition("://")[0], platform=platform.label),
                hint="Keep results in Redis, or with django-celery-results in the database.",
                id="django_platform.W015",
            )
        )
    tasks = getattr(settings, "TASKS", None)
    backend = str(tasks.get("default", {}).get("BACKEND", "")) if isinstance(tasks, dict) else ""
    chosen = cast(Any, settings).is_overridden("TASKS") or has_app(settings.INSTALLED_APPS, "django_tasks")
    if backend and chosen and backend_kind(backend) == "in-process":
        dummy = backend.endswith("DummyBackend")
        messages.append(
            Warning(
                W016.format(
                    backend=backend.rpartition(".")[2],
                    platform=platform.label,
                    effect="never run" if dummy else "run inside the request that enqueues them",
                ),
                hint="pip install django-tasks-db, add 'django_tasks_db' to INSTALLED_APPS and remove TASKS: "
                "configure() then sets its database backend, and platform_procfile adds the db_worker process.",
                id="django_platform.W016",
            )
        )
    if _queued(backend) and platform.ephemeral_disk and _default_storage_is_local():
        messages.append(
            Warning(
                W020.format(platform=platform.label),
                hint="Use S3 for the default storage: AWS_STORAGE_BUCKET_NAME, AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY, extra [s3].",
                id="django_platform.W020",
            )
        )
    return messages


def _queued(backend: str) -> bool:
    """Tasks run in a worker process: Celery has a broker, or Tasks a queue backend."""
    return bool(getattr(settings, "CELERY_BROKER_URL", "")) or bool(backend and backend_kind(backend) != "in-process")


def _default_storage_is_local() -> bool:
    return _is_local_storage(default_storage)


def check_processes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    procfile = project_dir() / "Procfile"
    if platform.development or not platform.procfile or not procfile.is_file():
        return []  # no Procfile: E012; platforms without one start workers elsewhere
    types = process_types(procfile.read_text(encoding="utf-8-sig", errors="replace"))
    messages: list[CheckMessage] = []
    wanted = []
    if getattr(settings, "CELERY_BROKER_URL", ""):
        wanted.append(("Celery has a broker", "a Celery worker", _CELERY_WORKER))
    tasks = getattr(settings, "TASKS", None)
    backend = str(tasks.get("default", {}).get("BACKEND", "")) if isinstance(tasks, dict) else ""
    if backend and backend_kind(backend) == "database":
        wanted.append(("TASKS uses django-tasks-db", "manage.py db_worker", re.compile(r"\bdb_worker\b")))
    for what, runner, pattern in wanted:
        if not any(pattern.search(command) for command in types.values()):
            messages.append(
                Warning(
                    W017.format(what=what, runner=runner),
                    hint="Run: python manage.py platform_procfile (it adds the worker line).",
                    id="django_platform.W017",
                )
            )
    beats = [kind for kind, command in types.items() if _BEAT.search(command) or _EMBEDDED_BEAT.search(command)]
    if len(beats) > 1:
        messages.append(
            Error(
                E019.format(count=len(beats), types=", ".join(beats)),
                hint="Keep one beat process, scaled to one instance.",
                id="django_platform.E019",
            )
        )
    elif platform.multi_node:
        messages += [
            Warning(
                W018.format(kind=kind),
                hint="Run beat as its own process type (platform_procfile writes one), scaled to one instance.",
                id="django_platform.W018",
            )
            for kind, command in types.items()
            if _EMBEDDED_BEAT.search(command)
        ]
    return messages


CHECKS = (check_brokers, check_processes)
