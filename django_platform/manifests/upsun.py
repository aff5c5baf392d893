"""Upsun's .upsun/config.yaml: the application's start command, its build and deploy hooks, one
worker per background process, and a route for a new file. Keys: https://docs.upsun.com/create-apps/app-reference/single-runtime-image.html;
validated in the tests against the schema upsunvalidator ships."""

from __future__ import annotations

from typing import Any

from django_platform.manifests.base import COLLECTSTATIC, Declared, Get, Manifest, Needs, commands
from django_platform.manifests.edits import Edit

COLLECTSTATIC_LINES = ("python manage.py collectstatic", "python3 manage.py collectstatic")
# A plain migrate in the deploy hook: replaced by the release that judges migrations first.
MIGRATE_LINES = (
    "python manage.py migrate",
    "python manage.py migrate --noinput",
    "python3 manage.py migrate",
    "./manage.py migrate",
)


def _application(needs: Needs, get: Get) -> str:
    applications = get(("applications",))
    if isinstance(applications, dict) and applications:
        return str(next(iter(applications)))
    return needs.name


# A new database service and the relationship the platform reads DATABASE_URL from ("database");
# versions Upsun offers: https://docs.upsun.com/add-services/postgresql.html, /add-services/mysql.html.
SERVICES = {"postgresql": ("postgresql:16", "postgresql"), "mysql": ("mariadb:11.4", "mysql")}
DATABASE_TYPES = ("postgresql", "mariadb", "mysql", "oracle-mysql")


def _database(needs: Needs, get: Get, app: tuple[str, str]) -> list[Edit]:
    """Where the project has no database service yet: one, and the app's relationship to it."""
    services = get(("services",))
    types = (
        [str(s.get("type", "")) for s in services.values() if isinstance(s, dict)] if isinstance(services, dict) else []
    )
    if any(t.split(":")[0] in DATABASE_TYPES for t in types):
        return []  # the project's own service: its relationship is the project's too
    kind, endpoint = SERVICES[needs.database]
    return [
        Edit(("services", "db", "type"), kind, "default"),
        Edit((*app, "relationships", "database"), f"db:{endpoint}", "default"),
    ]


def edits(needs: Needs, get: Get) -> list[Edit]:
    app: tuple[str, str] = ("applications", _application(needs, get))
    found = [
        Edit((*app, "type"), f"python:{needs.python}", "default"),
        Edit((*app, "web", "commands", "start"), needs.web),
        # The generated gunicorn config binds $PORT: Upsun sets it for a TCP upstream (its default).
        Edit((*app, "web", "upstream", "socket_family"), "tcp"),
        # A new hook starts as Upsun's Python guide has it; the user's own hook keeps its lines.
        Edit((*app, "hooks", "build"), f"set -eu\npip install -r requirements.txt\n{COLLECTSTATIC}", "default"),
        Edit((*app, "hooks", "build"), COLLECTSTATIC, "line", replaces=COLLECTSTATIC_LINES),
        Edit((*app, "hooks", "deploy"), f"set -eu\n{needs.release}", "default"),
        Edit((*app, "hooks", "deploy"), needs.release, "line", replaces=MIGRATE_LINES),
        Edit((*app, "variables", "env", "DJANGO_SETTINGS_MODULE"), needs.settings_module),
    ]
    for name, command in needs.processes.items():
        found.append(Edit((*app, "workers", name, "commands", "start"), command))
    found += _database(needs, get, app)
    found.append(Edit(("routes", "https://{default}/", "type"), "upstream", "default"))
    found.append(Edit(("routes", "https://{default}/", "upstream"), f"{app[1]}:http", "default"))
    return found


def _at(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def read(get: Get) -> Declared:
    applications = get(("applications",))
    if not isinstance(applications, dict) or not applications:
        return Declared(None, None, None, None, None)
    app = next(iter(applications.values()))
    app = app if isinstance(app, dict) else {}
    processes = {"web": str(_at(app, "web", "commands", "start") or "")}
    workers = _at(app, "workers")
    for name, worker in (workers if isinstance(workers, dict) else {}).items():
        processes[str(name)] = str(_at(worker, "commands", "start") or "")
    family = _at(app, "web", "upstream", "socket_family")
    runtime = str(_at(app, "type") or "")
    return Declared(
        health=None,  # Upsun has no HTTP health check
        release=commands(_at(app, "hooks", "deploy")) or [],
        stop=None,
        processes=processes,
        port=("a unix socket ($SOCKET)", "$PORT") if family == "unix" else None,
        build=commands(_at(app, "hooks", "build")) or [],
        # The image the app runs on ("python:3.12"): Upsun's Python, whatever .python-version says.
        python=runtime.partition(":")[2] if runtime.startswith("python:") else None,
    )


MANIFEST = Manifest(
    "upsun",
    ".upsun/config.yaml",
    "yaml",
    edits,
    read,
    header="# Upsun configuration; the keys django-platform owns are kept up to date by\n"
    "# `python manage.py platform_manifest`: edit the others freely.\n",
    notes=("A database service of the project's own keeps its relationship: name it `database` for DATABASE_URL.",),
    sources=(
        "https://docs.upsun.com/create-apps/app-reference/single-runtime-image.html",
        "https://docs.upsun.com/create-apps/hooks/hooks-comparison.html",
        "https://docs.upsun.com/languages/python.html",
    ),
)
