"""Northflank's template (northflank.json, synced into Northflank by GitOps): one run builds the
branch with the Heroku buildpacks, runs the release as a job from that build, then deploys the
build to a web service and one service per background process, with a secret group for the
variables (DATABASE_URL linked from a PostgreSQL add-on, or a MySQL add-on's parts). Northflank's
own layout for an app with several Heroku process types: a build service, deployment services and
a secret group.
Nodes and keys: the template-node and API reference pages in `sources`."""

from __future__ import annotations

from typing import Any

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
from django_platform.platforms.northflank import MYSQL_ALIASES

STEPS = ("spec", "spec", "steps")
GRACE = 30  # gracePeriodSeconds when absent (Northflank's default)
MIN_GRACE, MAX_GRACE = 15, 600  # the range the API accepts
DEFAULT_PORT = 8000  # the generated gunicorn config binds $PORT, else 8000: the template sets PORT
PLAN = "nf-compute-20"  # the smallest deployment plan; change it freely (a default only where absent)
BUILD_PLAN = "nf-compute-400-16"  # the build plan of Northflank's own example template
# The add-on's secrets, linked into the secret group under the names the app reads: PostgreSQL's
# connection string as DATABASE_URL; MySQL's parts (its connection strings are no URLs).
LINKS = {"postgresql": {"POSTGRES_URI": "DATABASE_URL"}, "mysql": MYSQL_ALIASES}


def _name(needs: Needs, suffix: str, limit: int = 39) -> str:
    """A resource's name as the API takes it: a letter first, within the kind's length (39 for an
    add-on, 54 for a service)."""
    base = needs.name if needs.name[:1].isalpha() else f"app-{needs.name}"
    return f"{base[: limit - len(suffix) - 1].rstrip('-')}-{suffix}"


def _grace(needs: Needs) -> int:
    """A grace period above gunicorn's graceful timeout, inside the range the API accepts."""
    return min(MAX_GRACE, max(MIN_GRACE, needs.graceful + 1))


def _node(kind: str, ref: str) -> tuple[Step, ...]:
    return (*STEPS, Pick(kind=kind, ref=ref))


def _port(get: Get) -> int:
    """The port the web service listens on: its PORT variable where the user set one."""
    for step in _steps(get):
        if (step.get("kind"), step.get("ref")) == ("DeploymentService", "web"):
            environment = step["spec"].get("runtimeEnvironment")
            value = environment.get("PORT", MISSING) if isinstance(environment, dict) else MISSING
            try:
                return int(value) if value is not MISSING else DEFAULT_PORT
            except (TypeError, ValueError):
                return DEFAULT_PORT
    return DEFAULT_PORT


def _internal() -> dict[str, str]:
    """The build the job and the services run: the one this run of the template made."""
    return {"id": "${refs.build.id}", "branch": "${args.GIT_BRANCH}", "buildId": "${refs.built.id}"}


def _runtime(step: dict[str, Any] | None) -> str:
    """Where a node's command override goes: "docker" for an image built from a Dockerfile (the
    node says so), "buildpack" otherwise."""
    deployment = step["spec"].get("deployment") if step else None
    if isinstance(deployment, dict) and "docker" in deployment and "buildpack" not in deployment:
        return "docker"
    return "buildpack"


def _command(node: tuple[Step, ...], command: str, existing: dict[str, Any] | None = None) -> list[Edit]:
    runtime = (*node, "spec", "deployment", _runtime(existing))
    return [Edit((*runtime, "configType"), "customCommand"), Edit((*runtime, "customCommand"), command)]


def _variables(needs: Needs) -> list[Edit]:
    group = _node("SecretGroup", "variables")
    links = LINKS[needs.database]  # Needs.database is one of them
    found = [
        Edit(
            group,
            {
                "spec": {
                    "name": _name(needs, "variables", 100),
                    "type": "secret",
                    # Build arguments and runtime variables: the buildpack's collectstatic reads them too.
                    "secretType": "environment-arguments",
                    "priority": 10,
                    "secrets": {"variables": {}, "files": {}},
                }
            },
            "item",
        ),
        Edit((*group, "spec", "secrets", "variables", "DJANGO_SETTINGS_MODULE"), needs.settings_module),
    ]
    # Secrets are the template's arguments: their values are argument overrides, kept by Northflank
    # and never in the repository.
    for name in (needs.secret_key, *needs.secrets):
        if name == "DATABASE_URL":
            continue  # linked from the add-on, below
        found += [
            Edit(("arguments", name), "", "default"),
            Edit((*group, "spec", "secrets", "variables", name), f"${{args.{name}}}", "default"),
        ]
    link = {"keys": [{"keyName": key, "aliases": [alias]} for key, alias in links.items()]}
    found.append(Edit((*group, "spec", "addonDependencies", Pick(addonId="${refs.database.id}")), link, "item"))
    return found


def _source(needs: Needs) -> dict[str, Any]:
    """The repository the build service builds: the checkout's GitHub or GitLab origin, else an
    argument to give."""
    if needs.repository is None:
        return {"projectUrl": "${args.GIT_REPOSITORY}", "projectType": "github"}
    host, repo, _branch = needs.repository
    return {"projectUrl": f"https://{host}.com/{repo}", "projectType": host}


def _chain(needs: Needs, existing: dict[str, Any] | None) -> list[Edit]:
    """The nodes before the services: the database, the variables, the build and the release."""
    found = []
    if needs.repository is None:
        found.append(Edit(("arguments", "GIT_REPOSITORY"), "", "default"))
    addon = {"name": _name(needs, "db"), "type": needs.database, "version": "latest", "tlsEnabled": True}
    addon["billing"] = {"deploymentPlan": PLAN, "storage": 4096, "replicas": 1}
    found.append(Edit(_node("Addon", "database"), {"spec": addon}, "item"))
    found += _variables(needs)
    build = {
        "name": _name(needs, "build", 54),
        "billing": {"buildPlan": BUILD_PLAN},
        "vcsData": _source(needs),
        # Heroku's Python buildpack installs the requirements and runs collectstatic.
        "buildSettings": {"buildpack": {"builder": "HEROKU_24"}},
        "buildConfiguration": {"branchRestrictions": ["${args.GIT_BRANCH}"]},
        # Builds run from the template, so that no build deploys before its release has run.
        "disabledCI": True,
    }
    built = {"id": "${refs.build.id}", "type": "service", "branch": "${args.GIT_BRANCH}"}
    job = _node("ManualJob", "release")
    job_spec = {"name": _name(needs, "release", 54), "billing": {"deploymentPlan": PLAN}, "backoffLimit": 0}
    return [
        *found,
        Edit(_node("BuildService", "build"), {"spec": build}, "item"),
        Edit(_node("Build", "built"), {"condition": "success", "spec": built}, "item"),
        Edit(job, {"spec": {**job_spec, "deployment": {"internal": _internal()}}}, "item"),
        *_command(job, release_command(needs, _run(existing) if existing else None), existing),
        Edit(_node("JobRun", "released"), {"condition": "success", "spec": {"jobId": "${refs.release.id}"}}, "item"),
    ]


def _service(needs: Needs, name: str, command: str, existing: dict[str, Any] | None) -> list[Edit]:
    node = _node("DeploymentService", name)
    spec = {"name": _name(needs, name, 54), "billing": {"deploymentPlan": PLAN}}
    return [
        Edit(node, {"spec": {**spec, "deployment": {"instances": 1, "internal": _internal()}}}, "item"),
        *_command(node, command, existing),
        # SIGKILL follows SIGTERM after the grace period.
        Edit((*node, "spec", "deployment", "gracePeriodSeconds"), _grace(needs), "at_least"),
    ]


def edits(needs: Needs, get: Get) -> list[Edit]:
    branch = needs.repository[2] if needs.repository else "main"
    port = _port(get)
    nodes = {(step.get("kind"), str(step.get("ref"))): step for step in _steps(get)}
    # A template with a web service of its own (not ours: no build node of ours) keeps its
    # structure: only its services' keys are ours, and platform_check says what it lacks.
    adopted = ("DeploymentService", "web") in nodes and ("BuildService", "build") not in nodes
    found = [
        Edit(("apiVersion",), "v1.2", "default"),
        Edit(("name",), needs.name, "default"),
        Edit(("arguments", "PROJECT_ID"), needs.name, "default"),
        Edit(("arguments", "GIT_BRANCH"), branch, "default"),
        Edit(("spec", "kind"), "Workflow", "default"),
        Edit(("spec", "spec", "type"), "sequential", "default"),
        Edit(("spec", "spec", "context", "projectId"), "${args.PROJECT_ID}", "default"),
    ]
    web = _node("DeploymentService", "web")
    if adopted:
        found.append(Edit((*web, "spec", "runtimeEnvironment", "DJANGO_SETTINGS_MODULE"), needs.settings_module))
    else:
        found += _chain(needs, nodes.get(("ManualJob", "release")))
    found += [
        *_service(needs, "web", needs.web, nodes.get(("DeploymentService", "web"))),
        Edit((*web, "spec", "runtimeEnvironment", "PORT"), str(port), "default"),
        Edit((*web, "spec", "ports", Pick(name="http")), {"protocol": "HTTP", "public": True}, "item"),
        Edit((*web, "spec", "ports", Pick(name="http"), "internalPort"), port),
    ]
    if needs.health:
        probe = (*web, "spec", "healthChecks", Pick(type="readinessProbe"))
        timing = {"initialDelaySeconds": 5, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3}
        found += [
            Edit(probe, {"protocol": "HTTP", "path": needs.health, "port": port, **timing}, "item"),
            Edit((*probe, "path"), needs.health),
            Edit((*probe, "port"), port),
        ]
    for name, command in needs.processes.items():
        existing = nodes.get(("DeploymentService", name))
        if existing is not None or not adopted:
            found += _service(needs, name, command, existing)
    return found


def _steps(get: Get) -> list[dict[str, Any]]:
    return [step for step in mappings(get(STEPS)) if isinstance(step.get("spec"), dict)]


def _run(step: dict[str, Any]) -> str:
    deployment = step["spec"].get("deployment")
    runtime = deployment.get(_runtime(step)) if isinstance(deployment, dict) else None
    return str(runtime.get("customCommand", "")) if isinstance(runtime, dict) else ""


def read(get: Get) -> Declared:
    steps = _steps(get)
    services = {str(s.get("ref")): s for s in steps if s.get("kind") == "DeploymentService"}
    web = services.get("web")
    if web is None:
        return Declared(None, None, None, None, None)
    spec = web["spec"]
    checks = mappings(spec.get("healthChecks"))
    ready = next((c for c in checks if c.get("type") == "readinessProbe" and c.get("protocol") == "HTTP"), {})
    deployment = spec.get("deployment") if isinstance(spec.get("deployment"), dict) else {}
    grace = deployment.get("gracePeriodSeconds", MISSING)
    ports = mappings(spec.get("ports"))
    public = next((p for p in ports if p.get("public")), None)
    environment = spec.get("runtimeEnvironment") if isinstance(spec.get("runtimeEnvironment"), dict) else {}
    listens = environment.get("PORT", DEFAULT_PORT)
    internal = int_or_none(public.get("internalPort")) if public else None
    # The release: the jobs the template runs (a JobRun node naming them).
    ran = {str(s["spec"].get("jobId")) for s in steps if s.get("kind") == "JobRun"}
    jobs = [s for s in steps if s.get("kind") == "ManualJob" and f"${{refs.{s.get('ref')}.id}}" in ran]
    return Declared(
        health=text_or_none(ready.get("path")),
        release=[line for job in jobs for line in commands(_run(job)) or []],
        stop=GRACE if grace is MISSING else int_or_none(grace),
        processes={name: _run(step) for name, step in services.items()},
        port=(f"port {internal}", f"port {listens}") if internal is not None else None,
        build=None,  # the buildpack runs collectstatic itself
    )


MANIFEST = Manifest(
    "northflank",
    "northflank.json",
    "json",
    edits,
    read,
    notes=(
        "Create a template in Northflank, enable GitOps with this repository, its branch and the path "
        "/northflank.json, and give the template's secret arguments their values as argument overrides "
        "(kept by Northflank, never in the repository); the argument PROJECT_ID names the project it deploys "
        "into. Each run of the template builds the branch, runs the release job, then deploys: run it to deploy "
        "(its settings can run it when the file changes).",
        "A template with a web service of its own keeps its structure: platform_manifest owns that service's "
        "command, health check, grace period and port, and platform_check says what the template lacks.",
    ),
    sources=(
        "https://northflank.com/docs/v1/application/infrastructure-as-code/gitops-on-northflank",
        "https://northflank.com/docs/v1/application/infrastructure-as-code/template-nodes",
        "https://northflank.com/docs/v1/application/migrate-from-heroku (build service, deployment services, "
        "secret group for an app with several process types)",
        "https://northflank.com/docs/v1/api/services/create-deployment-service",
        "https://northflank.com/docs/v1/api/services/create-combined-service (healthChecks, buildSettings)",
        "https://northflank.com/docs/v1/api/project/addons/create-addon",
        "https://northflank.com/docs/v1/application/databases-and-persistence/connect-database-secrets-to-workloads",
        "https://northflank.com/docs/v1/application/databases-and-persistence/deploy-databases-on-northflank/"
        "deploy-postgresql-on-northflank (the add-on's POSTGRES_URI connection string)",
        "https://northflank.com/docs/v1/application/databases-and-persistence/deploy-databases-on-northflank/"
        "deploy-mysql-on-northflank (the add-on's HOST, PORT, USERNAME and PASSWORD secrets)",
    ),
)
