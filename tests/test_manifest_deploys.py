"""First deploys driven by the written manifest: `platform_manifest` on the laptop, then the build,
release and run phases read from the file it wrote (not from this test's table): the build's
commands, the release command, the web command, the variables it declares and the health path the
platform probes, each phase with only its own variables (tests/platform_envs.py), against real
PostgreSQL, Redis and S3. Heroku's `app.json` and Scalingo's `scalingo.json` hold no commands: their
phases come from the Procfile, and the app's variables from the manifest (a generated secret key
as `heroku app:setup` and review apps make it)."""

from __future__ import annotations

import dataclasses
import json
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from django_platform.deploy.procfile import process_types
from tests.e2e_support import copy_project, manage
from tests.lifecycle import LIFECYCLES, honcho, phase_env, run_step
from tests.platform_envs import INFORMATION, SECRET
from tests.services import PgCluster, port_open, unavailable, wait_for
from tests.test_lifecycle import ADDONS, MYSQL, RECIPES, get, s3_endpoint, serve_styled_admin_and_health_check

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

pytestmark = [pytest.mark.services, pytest.mark.e2e]
__all__ = ["s3_endpoint"]  # the module's S3 server, shared with the lifecycle tests

# What the platform's build runs that no manifest says: Fly's Dockerfile (fly launch writes it),
# DigitalOcean's and Northflank's Heroku Python buildpack run collectstatic themselves.
BUILT_BY_THE_PLATFORM = ["python manage.py collectstatic --noinput"]


@dataclasses.dataclass
class Phases:
    build: list[str]
    release: list[str]
    web: str
    variables: dict[str, str]  # the variables the manifest gives the app (with values)
    health: str | None


def script(text: str) -> list[str]:
    """A hook's or a build command's steps, without the shell options and the install the platform's
    builder has already done here (the test's virtualenv)."""
    steps = [step.strip() for line in text.splitlines() for step in line.split("&&")]
    return [s for s in steps if s and s != "set -eu" and not s.startswith("pip install")]


def phases(platform: str, path: Path) -> Phases:
    text = path.read_text()
    if platform in ("heroku", "scalingo"):
        doc = json.loads(text)
        variables = {}
        for name, spec in doc["env"].items():
            variables[name] = secrets.token_urlsafe(50) if spec.get("generator") == "secret" else spec["value"]
        types = process_types((path.parent / "Procfile").read_text())
        assert set(doc["formation"]) == set(types) - {"release", "postdeploy"}  # a dyno for each process
        release = types.get("release") or types["postdeploy"]
        return Phases(BUILT_BY_THE_PLATFORM, [release], types["web"], variables, None)
    if platform == "fly":
        doc = tomllib.loads(text)
        checks = doc["http_service"].get("checks", [{}])
        return Phases(
            BUILT_BY_THE_PLATFORM,
            [doc["deploy"]["release_command"]],
            doc["processes"]["app"],
            dict(doc.get("env", {})),
            checks[0].get("path"),
        )
    if platform == "northflank":
        doc = json.loads(text)
        nodes = {(n["kind"], n["ref"]): n["spec"] for n in doc["spec"]["spec"]["steps"]}
        group = nodes[("SecretGroup", "variables")]["secrets"]["variables"]
        web = nodes[("DeploymentService", "web")]
        # An argument (`${args.…}`) or the add-on's link is the platform's to fill: the recipe's
        # value stands in. The group is build arguments too: the buildpack's collectstatic reads it.
        variables = {k: v for k, v in {**group, **web.get("runtimeEnvironment", {})}.items() if "${" not in v}
        job = nodes[("ManualJob", "release")]
        assert ("JobRun", "released") in nodes  # the template runs it, before the services deploy
        return Phases(
            BUILT_BY_THE_PLATFORM,
            [job["deployment"]["buildpack"]["customCommand"]],
            web["deployment"]["buildpack"]["customCommand"],
            variables,
            web["healthChecks"][0]["path"],
        )
    if platform == "railway":
        doc = json.loads(text)
        return Phases(
            script(doc["build"]["buildCommand"]),
            list(doc["deploy"]["preDeployCommand"]),
            doc["deploy"]["startCommand"],
            {},
            doc["deploy"].get("healthcheckPath"),
        )
    doc = YAML(typ="safe", pure=True).load(text)
    if platform == "render":
        web = next(s for s in doc["services"] if s["type"] == "web")
        variables = {v["key"]: str(v["value"]) for v in web.get("envVars", []) if "value" in v}
        return Phases(
            script(web["buildCommand"]),
            [web["preDeployCommand"]],
            web["startCommand"],
            variables,
            web["healthCheckPath"],
        )
    if platform == "digitalocean":
        web = doc["services"][0]
        job = next(j for j in doc["jobs"] if j["kind"] == "PRE_DEPLOY")
        # A binding (`${db.DATABASE_URL}`) is the platform's to fill: the recipe's value stands in.
        variables = {v["key"]: str(v["value"]) for v in web.get("envs", []) if "${" not in str(v.get("value", "${"))}
        return Phases(
            BUILT_BY_THE_PLATFORM, [job["run_command"]], web["run_command"], variables, web["health_check"]["http_path"]
        )
    app = next(iter(doc["applications"].values()))  # upsun
    return Phases(
        script(app["hooks"]["build"]),
        script(app["hooks"]["deploy"]),
        app["web"]["commands"]["start"],
        {k: str(v) for k, v in app.get("variables", {}).get("env", {}).items()},
        None,  # Upsun has no HTTP health check
    )


@pytest.mark.parametrize(
    "platform", ["fly", "render", "railway", "digitalocean", "upsun", "heroku", "scalingo", "northflank"]
)
def test_a_first_deploy_from_the_written_manifest(
    platform: str, pg_tls: PgCluster, pg_plain: PgCluster, mariadb: dict[str, Any], s3_endpoint: str, tmp_path: Path
) -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    lifecycle = LIFECYCLES[platform]
    project = copy_project(tmp_path / "project")
    # On the laptop: the gunicorn config and the manifest, committed (no Procfile: these platforms
    # start what the manifest says).
    if platform in ("heroku", "scalingo"):
        manage(project, {}, "platform_procfile", "--platform", platform)
    else:
        (project / "Procfile").unlink()
    manage(project, {}, "platform_gunicorn", "--platform", platform)
    manage(project, {}, "platform_manifest", "--platform", platform)
    names = {"fly.toml", "render.yaml", "railway.json", "app.yaml", "config.yaml", "app.json", "scalingo.json"}
    names.add("northflank.json")
    manifest = next(p for p in project.rglob("*") if p.name in names)
    steps = phases(platform, manifest)
    database, run_only = RECIPES[lifecycle.database](pg_tls, pg_plain, mariadb, tmp_path)
    if lifecycle.database in MYSQL:  # the user adds the driver for the platform's MySQL add-on
        with (project / "requirements" / "production.txt").open("a") as requirements:
            requirements.write("mysqlclient\n")
    secret = {} if platform == "upsun" else {"DJANGO_SECRET_KEY": SECRET}
    config = {**secret, **ADDONS, "AWS_S3_ENDPOINT_URL": s3_endpoint, **database, **steps.variables}

    build = phase_env(lifecycle, "build", config, run_only)
    if not lifecycle.config_at_build:  # a Docker build: only what the Dockerfile sets
        build = {**build, **({} if platform == "fly" else steps.variables)}
    for command in steps.build:
        run_step(project, command, build)
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    for command in steps.release:
        run_step(project, command, phase_env(lifecycle, "release", config, run_only))

    run = phase_env(lifecycle, "run", config, run_only)
    serve_styled_admin_and_health_check(project, dataclasses.replace(lifecycle, web_command=steps.web), run)
    if steps.health:  # the path the manifest has the platform probe, with its Host
        with honcho(project, run, command=steps.web) as (_proc, port):
            probe = lifecycle.health_host or "127.0.0.1"
            assert wait_for(lambda: get(port, steps.health or "", probe, router=False)[0] == 200, timeout=20)

    document = json.loads(manage(project, run, "platform_check", "--deploy", "--format", "json"))
    assert [f["id"] for f in document["findings"] if f["id"] not in INFORMATION] == []
    assert manage(project, {}, "platform_manifest", "--check").endswith(f"is up to date for {platform}.\n")
