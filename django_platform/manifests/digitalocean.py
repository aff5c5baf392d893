"""DigitalOcean App Platform's .do/app.yaml (the app spec): the web service's run command, health
check and termination grace period, a PRE_DEPLOY job for the release, one worker per background
process, variables with their scope. Keys: https://docs.digitalocean.com/products/app-platform/reference/app-spec/"""

from __future__ import annotations

from django_platform.manifests.base import (
    Declared,
    Get,
    Manifest,
    Needs,
    commands,
    int_or_none,
    mappings,
    release_command,
    text_or_none,
)
from django_platform.manifests.edits import MISSING, Edit, Pick, Step

GRACE = 120  # termination.grace_period_seconds when absent
# A variable the user sets in the dashboard (or binds, `${db.DATABASE_URL}`): encrypted, run time only.
SECRET = {"type": "SECRET", "scope": "RUN_TIME"}


ENGINES = {"postgresql": "PG", "mysql": "MYSQL"}


def _database(needs: Needs, get: Get) -> tuple[str, list[Edit]]:
    """The database component the app binds DATABASE_URL to: the spec's first, else a new one."""
    databases = get(("databases",))
    named = [d.get("name") for d in databases if isinstance(d, dict)] if isinstance(databases, list) else []
    if named and isinstance(named[0], str):
        return named[0], []
    return "db", [
        Edit(("databases", Pick(name="db")), {"engine": ENGINES[needs.database], "production": False}, "item")
    ]


def _source(needs: Needs, component: tuple[Step, ...]) -> list[Edit]:
    """The component's source, the checkout's origin on GitHub or GitLab (the spec needs one)."""
    if needs.repository is None:
        return []
    host, repo, branch = needs.repository
    return [Edit((*component, host), {"repo": repo, "branch": branch, "deploy_on_push": True}, "default")]


def _variables(needs: Needs, component: tuple[Step, ...], database: str) -> list[Edit]:
    envs = (*component, "envs")
    bound = {"value": f"${{{database}.DATABASE_URL}}", "scope": "RUN_TIME"}  # the component's binding
    found = [
        Edit((*envs, Pick(key=needs.secret_key)), SECRET, "item"),
        Edit((*envs, Pick(key="DJANGO_SETTINGS_MODULE"), "value"), needs.settings_module),
        Edit((*envs, Pick(key="DJANGO_SETTINGS_MODULE"), "scope"), "RUN_AND_BUILD_TIME", "default"),
    ]
    for name in needs.secrets:
        found.append(Edit((*envs, Pick(key=name)), bound if name == "DATABASE_URL" else SECRET, "item"))
    return found


def edits(needs: Needs, get: Get) -> list[Edit]:
    web = ("services", Pick())
    database, created = _database(needs, get)
    found = [
        Edit(("name",), needs.name, "default"),
        Edit((*web, "name"), "web", "default"),
        *_source(needs, web),
        Edit((*web, "environment_slug"), "python", "default"),
        Edit((*web, "run_command"), needs.web),
        Edit((*web, "termination", "grace_period_seconds"), needs.graceful + 1, "at_least"),
        *_variables(needs, web, database),
    ]
    if needs.health:
        found.append(Edit((*web, "health_check", "http_path"), needs.health))
    job = ("jobs", Pick(kind="PRE_DEPLOY"))
    found += [
        Edit((*job, "name"), "release", "default"),
        *_source(needs, job),
        Edit((*job, "environment_slug"), "python", "default"),
        Edit((*job, "run_command"), release_command(needs, get((*job, "run_command")))),
        *_variables(needs, job, database),
    ]
    for name, command in needs.processes.items():
        worker = ("workers", Pick(name=name))
        found += [
            *_source(needs, worker),
            Edit((*worker, "environment_slug"), "python", "default"),
            Edit((*worker, "run_command"), command),
            *_variables(needs, worker, database),
        ]
    return [*found, *created]


def read(get: Get) -> Declared:
    services = mappings(get(("services",)))
    if not services:
        return Declared(None, None, None, None, None)
    web = services[0]
    health = web.get("health_check")
    termination = web.get("termination")
    grace = termination.get("grace_period_seconds", MISSING) if isinstance(termination, dict) else MISSING
    release = [j for j in mappings(get(("jobs",))) if j.get("kind") == "PRE_DEPLOY"]
    processes = {"web": str(web.get("run_command", ""))}
    processes.update({str(w.get("name")): str(w.get("run_command", "")) for w in mappings(get(("workers",)))})
    return Declared(
        health=text_or_none(health.get("http_path")) if isinstance(health, dict) else None,
        release=[line for job in release for line in commands(job.get("run_command", MISSING)) or []],
        stop=GRACE if grace is MISSING else int_or_none(grace),
        processes=processes,
        port=None,  # App Platform sets PORT to the service's http_port
    )


MANIFEST = Manifest(
    "digitalocean",
    ".do/app.yaml",
    "yaml",
    edits,
    read,
    header="# DigitalOcean App Platform spec; the keys django-platform owns are kept up to date by\n"
    "# `python manage.py platform_manifest`: edit the others freely.\n",
    notes=(
        "Create the app with `doctl apps create --spec .do/app.yaml` (the source is the checkout's GitHub or "
        "GitLab origin; elsewhere add it to the spec), then set the secret key's value in the dashboard.",
    ),
    sources=(
        "https://docs.digitalocean.com/products/app-platform/reference/app-spec/",
        "https://docs.digitalocean.com/products/app-platform/how-to/configure-termination",
        "https://github.com/digitalocean/sample-django (.do/app.yaml)",
    ),
)
