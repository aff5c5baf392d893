"""Render's render.yaml Blueprint: the web service (build, start, pre-deploy, health path, shutdown
delay, variables) and one worker service per background process.
Keys: https://render.com/docs/blueprint-spec"""

from __future__ import annotations

from django_platform.manifests.base import (
    COLLECTSTATIC,
    Declared,
    Get,
    Manifest,
    Needs,
    commands,
    int_or_none,
    release_command,
    text_or_none,
)
from django_platform.manifests.edits import MISSING, Edit, Pick, Step

SHUTDOWN_DELAY = 30  # maxShutdownDelaySeconds when absent


def _service(needs: Needs, service: tuple[Step, ...]) -> list[Edit]:
    return [
        Edit((*service, "runtime"), "python", "default"),
        Edit((*service, "buildCommand"), f"pip install -r requirements.txt && {COLLECTSTATIC}", "default"),
    ]


def _database(needs: Needs, get: Get) -> tuple[str, list[Edit]]:
    """The Render Postgres the app's DATABASE_URL comes from: the Blueprint's first, else a new one
    ("" for a MySQL project: Render has no managed MySQL, its URL is the user's)."""
    if needs.database != "postgresql":
        return "", []
    databases = get(("databases",))
    named = [d.get("name") for d in databases if isinstance(d, dict)] if isinstance(databases, list) else []
    if named and isinstance(named[0], str):
        return named[0], []
    name = f"{needs.name}-db"
    return name, [Edit(("databases", Pick(name=name)), {"plan": "free"}, "item")]


def _variables(needs: Needs, service: tuple[Step, ...], database: str) -> list[Edit]:
    variables = (*service, "envVars")
    found = [
        Edit((*variables, Pick(key=needs.secret_key)), {"generateValue": True}, "item"),
        Edit((*variables, Pick(key="DJANGO_SETTINGS_MODULE"), "value"), needs.settings_module),
    ]
    for name in needs.secrets:
        source: dict[str, object]
        if name == "DATABASE_URL" and database:
            source = {"fromDatabase": {"name": database, "property": "connectionString"}}
        else:  # a value the user gives in the dashboard
            source = {"sync": False}
        found.append(Edit((*variables, Pick(key=name)), source, "item"))
    return found


def edits(needs: Needs, get: Get) -> list[Edit]:
    web = ("services", Pick(type="web"))
    database, created = _database(needs, get)
    found = [Edit((*web, "name"), needs.name, "default"), *_service(needs, web)]
    found += [
        Edit((*web, "startCommand"), needs.web),
        Edit((*web, "preDeployCommand"), release_command(needs, get((*web, "preDeployCommand")))),
        Edit((*web, "maxShutdownDelaySeconds"), needs.graceful + 1, "at_least"),
        *_variables(needs, web, database),
    ]
    if needs.health:
        found.append(Edit((*web, "healthCheckPath"), needs.health))
    for name, command in needs.processes.items():
        worker = ("services", Pick(type="worker", name=f"{needs.name}-{name}"))
        found += [*_service(needs, worker), Edit((*worker, "startCommand"), command)]
        found += _variables(needs, worker, database)
    return [*found, *created]


def read(get: Get) -> Declared:
    services = get(("services",))
    services = [s for s in services if isinstance(s, dict)] if isinstance(services, list) else []
    web = next((s for s in services if s.get("type") == "web"), None)
    if web is None:
        return Declared(None, None, None, None, None)
    processes = {"web": str(web.get("startCommand", ""))}
    workers = [s for s in services if s.get("type") == "worker"]
    processes.update({str(s.get("name")): str(s.get("startCommand", "")) for s in workers})
    delay = web.get("maxShutdownDelaySeconds", MISSING)
    return Declared(
        health=text_or_none(web.get("healthCheckPath")),
        release=commands(web.get("preDeployCommand", MISSING)) or [],
        stop=SHUTDOWN_DELAY if delay is MISSING else int_or_none(delay),
        processes=processes,
        port=None,  # Render sets PORT itself
        build=commands(web.get("buildCommand", MISSING)),
    )


MANIFEST = Manifest(
    "render",
    "render.yaml",
    "yaml",
    edits,
    read,
    header="# Render Blueprint; the keys django-platform owns are kept up to date by\n"
    "# `python manage.py platform_manifest`: edit the others freely.\n",
    notes=("Create the Blueprint once in Render's dashboard (New > Blueprint); pushes then sync it.",),
    sources=(
        "https://render.com/docs/blueprint-spec",
        "https://render.com/docs/deploys#deploy-steps",
        "https://github.com/render-oss/skills (skills/render-create/templates/render-yaml/django.yaml: "
        "Render's own Django Blueprint, its database and DATABASE_URL fromDatabase)",
    ),
)
