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
    text_or_none,
)
from django_platform.manifests.edits import MISSING, Edit, Pick, Step

SHUTDOWN_DELAY = 30  # maxShutdownDelaySeconds when absent


def _service(needs: Needs, service: tuple[Step, ...]) -> list[Edit]:
    return [
        Edit((*service, "runtime"), "python", "default"),
        Edit((*service, "buildCommand"), f"pip install -r requirements.txt && {COLLECTSTATIC}", "default"),
    ]


def _variables(needs: Needs, service: tuple[Step, ...]) -> list[Edit]:
    variables = (*service, "envVars")
    found = [
        Edit((*variables, Pick(key=needs.secret_key)), {"generateValue": True}, "item"),
        Edit((*variables, Pick(key="DJANGO_SETTINGS_MODULE"), "value"), needs.settings_module),
    ]
    # Values the user (or a database's connection string) gives in the dashboard: sync false.
    found += [Edit((*variables, Pick(key=name)), {"sync": False}, "item") for name in needs.secrets]
    return found


def edits(needs: Needs, get: Get) -> list[Edit]:
    web = ("services", Pick(type="web"))
    found = [Edit((*web, "name"), needs.name, "default"), *_service(needs, web)]
    found += [
        Edit((*web, "startCommand"), needs.web),
        Edit((*web, "preDeployCommand"), needs.release),
        Edit((*web, "maxShutdownDelaySeconds"), needs.graceful + 1, "at_least"),
        *_variables(needs, web),
    ]
    if needs.health:
        found.append(Edit((*web, "healthCheckPath"), needs.health))
    for name, command in needs.processes.items():
        worker = ("services", Pick(type="worker", name=f"{needs.name}-{name}"))
        found += [*_service(needs, worker), Edit((*worker, "startCommand"), command), *_variables(needs, worker)]
    return found


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
    sources=("https://render.com/docs/blueprint-spec", "https://render.com/docs/deploys#deploy-steps"),
)
