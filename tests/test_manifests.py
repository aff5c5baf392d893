"""platform_manifest and the manifest checks: each format written from nothing, updated in place
(every byte outside our keys kept, comments and CRLF included), drift caught by --check, writers
racing or killed mid-write, what we write validated against the platforms' published definitions
(Upsun's schema, vendored) or their documented keys, and the checks' disagreements."""

from __future__ import annotations

import difflib
import json
import os
import re
import signal
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import CheckMessage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from django_platform.checks import judging
from django_platform.checks.manifests import check_manifest
from django_platform.manifests import MODULES, manifest_for, splice, yamlspans
from django_platform.manifests.edits import Edit, Pick
from django_platform.manifests.files import getter
from django_platform.parsers import jsonspans
from django_platform.platforms import get_platform

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DATA = Path(__file__).resolve().parent / "data" / "manifests"
PLATFORMS = sorted(MODULES)
CELERY = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}


def run(tmp_path: Path, platform: str, *args: str, **overrides: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with override_settings(**{"WSGI_APPLICATION": "proj.wsgi.application", **overrides}):
        call_command(
            "platform_manifest", "--platform", platform, "--path", str(tmp_path), *args, stdout=out, stderr=err
        )
    return out.getvalue(), err.getvalue()


def path_of(tmp_path: Path, platform: str) -> Path:
    manifest = manifest_for(platform)
    assert manifest is not None
    return tmp_path / manifest.path


def load(platform: str, text: str) -> Any:
    manifest = manifest_for(platform)
    assert manifest is not None
    if manifest.kind == "toml":
        return tomllib.loads(text)
    if manifest.kind == "json":
        return json.loads(text)
    return YAML(typ="safe", pure=True).load(text)


def with_celery(tmp_path: Path) -> dict[str, Any]:
    """A project whose settings call for a Celery worker, its app in proj/celery.py."""
    (tmp_path / "proj").mkdir(exist_ok=True)
    (tmp_path / "proj" / "__init__.py").write_text("")
    (tmp_path / "proj" / "celery.py").write_text("app = None\n")
    return CELERY


# --- written from nothing ---------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_new_manifest_has_what_the_app_needs(tmp_path: Path, platform: str) -> None:
    out, _ = run(tmp_path, platform, ROOT_URLCONF="tests.urls_health")
    path = path_of(tmp_path, platform)
    assert f"Wrote {path} for {platform}." in out
    document = load(platform, path.read_text())
    web, release, health = "gunicorn proj.wsgi", "python manage.py platform_migrate", "/readyz"
    web_command = web
    if platform == "fly":
        assert document["processes"] == {"app": web}
        assert document["deploy"]["release_command"] == release
        assert document["http_service"]["checks"][0]["path"] == health
        assert (document["kill_signal"], document["kill_timeout"]) == ("SIGINT", 5)  # graceful 4 s inside it
        assert document["http_service"]["internal_port"] == 8000
        assert document["env"]["DJANGO_SETTINGS_MODULE"] == "tests.settings"
    elif platform == "render":
        service = document["services"][0]
        assert (service["type"], service["startCommand"], service["preDeployCommand"]) == ("web", web, release)
        assert service["healthCheckPath"] == health
        assert service["maxShutdownDelaySeconds"] == 30
        assert {"key": "DJANGO_SECRET_KEY", "generateValue": True} in service["envVars"]
        assert "collectstatic --noinput" in service["buildCommand"]
    elif platform == "railway":
        assert document["deploy"]["startCommand"] == web
        assert document["deploy"]["preDeployCommand"] == [release]
        assert document["deploy"]["healthcheckPath"] == health
        assert isinstance(document["deploy"]["drainingSeconds"], int)  # a string fails the deploy
        assert document["build"]["buildCommand"] == "python manage.py collectstatic --noinput"
    elif platform == "digitalocean":
        service = document["services"][0]
        assert (service["run_command"], service["health_check"]["http_path"]) == (web, health)
        assert document["jobs"][0]["kind"] == "PRE_DEPLOY"
        assert document["jobs"][0]["run_command"] == release
        assert {"key": "DJANGO_SECRET_KEY", "type": "SECRET", "scope": "RUN_TIME"} in service["envs"]
    elif platform == "upsun":
        app = next(iter(document["applications"].values()))
        assert app["web"]["commands"]["start"] == web
        assert app["web"]["upstream"]["socket_family"] == "tcp"
        assert app["hooks"]["build"].splitlines()[-1] == "python manage.py collectstatic --noinput"
        assert app["hooks"]["deploy"].splitlines()[-1] == release
    elif platform == "northflank":
        steps = {(s["kind"], s["ref"]): s["spec"] for s in document["spec"]["spec"]["steps"]}
        kinds = [s["kind"] for s in document["spec"]["spec"]["steps"]]
        # Built, migrated by a job from that build, then deployed: in this order.
        assert kinds == ["Addon", "SecretGroup", "BuildService", "Build", "ManualJob", "JobRun", "DeploymentService"]
        web = steps[("DeploymentService", "web")]
        assert web["deployment"]["buildpack"] == {"configType": "customCommand", "customCommand": web_command}
        assert steps[("ManualJob", "release")]["deployment"]["buildpack"]["customCommand"] == release
        assert web["healthChecks"][0]["path"] == health and web["healthChecks"][0]["port"] == 8000
        assert web["deployment"]["gracePeriodSeconds"] == 30 and web["runtimeEnvironment"] == {"PORT": "8000"}
        variables = steps[("SecretGroup", "variables")]["secrets"]["variables"]
        assert variables["DJANGO_SECRET_KEY"] == "${args.DJANGO_SECRET_KEY}"  # an argument override
        assert document["arguments"]["DJANGO_SECRET_KEY"] == ""  # no value in the repository
        link = steps[("SecretGroup", "variables")]["addonDependencies"][0]
        keys = [{"keyName": "POSTGRES_URI", "aliases": ["DATABASE_URL"]}]
        assert link == {"addonId": "${refs.database.id}", "keys": keys}
    else:  # app.json, scalingo.json: the Procfile holds the commands
        assert document["env"]["DJANGO_SECRET_KEY"] == {"generator": "secret"}
        assert "web" in document["formation"]
    # Run again: nothing to do, and --check agrees.
    before = path.read_bytes()
    out, _ = run(tmp_path, platform, ROOT_URLCONF="tests.urls_health")
    assert "is up to date; nothing to do." in out
    assert run(tmp_path, platform, "--check", ROOT_URLCONF="tests.urls_health")[0].endswith(
        f"is up to date for {platform}.\n"
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize("platform", ["fly", "render", "digitalocean", "upsun", "heroku", "scalingo", "northflank"])
def test_every_process_the_settings_need_is_written(tmp_path: Path, platform: str) -> None:
    run(tmp_path, platform, "--celery-app", "proj", **with_celery(tmp_path))
    document = load(platform, path_of(tmp_path, platform).read_text())
    worker = "celery -A proj worker --loglevel INFO"
    if platform == "fly":
        assert document["processes"]["worker"] == worker
        assert document["http_service"]["processes"] == ["app"]  # the router sends web requests only
    elif platform == "render":
        from django_platform.manifests.needs import service_name

        workers = [s for s in document["services"] if s["type"] == "worker"]
        assert [(w["name"], w["startCommand"]) for w in workers] == [(f"{service_name(tmp_path)}-worker", worker)]
    elif platform == "digitalocean":
        assert document["workers"][0]["name"] == "worker"
        assert document["workers"][0]["run_command"] == worker
    elif platform == "upsun":
        app = next(iter(document["applications"].values()))
        assert app["workers"]["worker"]["commands"]["start"] == worker
    elif platform == "northflank":
        services = [s for s in document["spec"]["spec"]["steps"] if s["kind"] == "DeploymentService"]
        assert [s["ref"] for s in services] == ["web", "worker"]
        assert services[1]["spec"]["deployment"]["buildpack"]["customCommand"] == worker
        assert "ports" not in services[1]["spec"]  # nothing routes to a worker
    else:
        assert set(document["formation"]) == {"web", "worker"}


def test_railway_says_a_worker_is_a_service_of_its_own(tmp_path: Path) -> None:
    out, _ = run(tmp_path, "railway", "--celery-app", "proj", **with_celery(tmp_path))
    assert "each background process is a service of its own" in out


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_database_add_on_and_the_secret_variables(tmp_path: Path) -> None:
    postgres = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
    run(tmp_path, "heroku", DATABASES=postgres)
    assert json.loads((tmp_path / "app.json").read_text())["addons"] == ["heroku-postgresql"]
    run(tmp_path, "render", DATABASES=postgres)
    blueprint = load("render", (tmp_path / "render.yaml").read_text())
    database = blueprint["databases"][0]["name"]  # a Render Postgres, DATABASE_URL from it
    from_database = {"fromDatabase": {"name": database, "property": "connectionString"}}
    assert {"key": "DATABASE_URL", **from_database} in blueprint["services"][0]["envVars"]
    mysql = tmp_path / "mysql"
    mysql.mkdir()
    run(mysql, "northflank", DATABASES={"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}})
    template = load("northflank", (mysql / "northflank.json").read_text())
    nodes = {(s["kind"], s["ref"]): s["spec"] for s in template["spec"]["spec"]["steps"]}
    assert nodes[("Addon", "database")]["type"] == "mysql"
    # Its connection strings are no URLs: the parts, under the names the Northflank platform reads.
    (link,) = nodes[("SecretGroup", "variables")]["addonDependencies"]
    linked = {k["keyName"]: k["aliases"] for k in link["keys"]}
    assert linked == {
        "HOST": ["MYSQL_HOST"],
        "PORT": ["MYSQL_PORT"],
        "DATABASE": ["MYSQL_DATABASE"],
        "USERNAME": ["MYSQL_USER"],
        "PASSWORD": ["MYSQL_PASSWORD"],
    }
    assert "DATABASE_URL" not in template["arguments"]
    run(mysql, "render", DATABASES={"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}})
    blueprint = load("render", (mysql / "render.yaml").read_text())
    assert "databases" not in blueprint  # no managed MySQL on Render: the URL is asked for in the dashboard
    assert {"key": "DATABASE_URL", "sync": False} in blueprint["services"][0]["envVars"]


def test_a_platform_without_a_manifest_is_told_what_it_reads(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Qoddi reads no manifest from the repository") as info:
        run(tmp_path, "qoddi")
    assert info.value.returncode == 2
    assert list(tmp_path.iterdir()) == []


# --- updated in place ---------------------------------------------------------------------------

FLY_TOML = """\
# fly.toml app configuration file generated for mysite
app = 'mysite'
primary_region = 'cdg'
kill_timeout = 30   # our requests can take long

[build]

[env]
  PORT = '8080'   # the app's own

[http_service]
  internal_port = 8000
  force_https = true
  auto_stop_machines = 'stop'
  processes = ['app']

[[vm]]
  memory = '1gb'
  cpus = 1
"""

RENDER_YAML = """\
# Exported from Render on 2026-05-01
services:
- type: web
  name: mysite
  runtime: python
  plan: starter      # paid
  buildCommand: './build.sh'
  startCommand: 'gunicorn mysite.wsgi:application'
  envVars:
  - key: DATABASE_URL
    fromDatabase:
      name: mysitedb
      property: connectionString
  - key: WEB_CONCURRENCY
    value: 4
- type: redis
  name: cache
  ipAllowList: []

databases:
- name: mysitedb
  plan: free
"""

RAILWAY_JSON = """{
    "$schema": "https://railway.com/railway.schema.json",
    "build": {
        "builder": "DOCKERFILE",
        "dockerfilePath": "Dockerfile"
    },
    "deploy": {
        "startCommand": "gunicorn mysite.wsgi",
        "restartPolicyType": "ON_FAILURE",
        "drainingSeconds": 45
    }
}
"""

APP_JSON = """{"name": "mysite", "repository": "https://example.com/mysite", "addons": [{"plan": "heroku-redis"}],
 "env": {"DJANGO_SECRET_KEY": {"description": "keep it secret", "generator": "secret"}}}
"""

# A template exported from Northflank (4-space indentation), its web service built from a Dockerfile.
NORTHFLANK_JSON = """{
    "apiVersion": "v1.2",
    "name": "mysite",
    "description": "Production",
    "options": {"autorun": false, "concurrencyPolicy": "queue"},
    "arguments": {
        "PROJECT_ID": "mysite-prod",
        "GIT_BRANCH": "release"
    },
    "spec": {
        "kind": "Workflow",
        "spec": {
            "type": "sequential",
            "context": {"projectId": "${args.PROJECT_ID}"},
            "steps": [
                {
                    "kind": "DeploymentService",
                    "ref": "web",
                    "spec": {
                        "name": "mysite-web",
                        "billing": {"deploymentPlan": "nf-compute-50"},
                        "deployment": {
                            "instances": 2,
                            "internal": {"id": "mysite-build", "branch": "release", "buildSHA": "latest"},
                            "docker": {"configType": "default"},
                            "gracePeriodSeconds": 60
                        },
                        "runtimeEnvironment": {"PORT": "8080", "WEB_CONCURRENCY": "3"},
                        "ports": [
                            {"name": "http", "internalPort": 8080, "public": true, "protocol": "HTTP",
                             "domains": ["www.example.com"]}
                        ]
                    }
                }
            ]
        }
    }
}
"""

EXISTING = {
    "northflank": NORTHFLANK_JSON,
    "fly": FLY_TOML,
    "render": RENDER_YAML,
    "railway": RAILWAY_JSON,
    "upsun": (DATA / "upsun-django4.yaml").read_text(),
    "heroku": APP_JSON,
}


def owned_lines_only(old: str, new: str, allowed: list[str]) -> None:
    """Every line the write removed or added holds one of the keys we own (or their values)."""
    # JSON needs a comma after what was the last member: that line is kept otherwise.
    unchanged = [line.rstrip(",") for line in old.splitlines()]
    for line in difflib.ndiff(unchanged, [line.rstrip(",") for line in new.splitlines()]):
        if line[:2] in ("- ", "+ ") and line != "+ ":  # a blank line before a new table is ours too
            assert any(word in line for word in allowed), f"changed a line that is not ours: {line!r}"


OWNED = {
    "northflank": [
        # Its own web service: our command (on its Dockerfile's image), settings module, health check.
        '"customCommand": "gunicorn proj.wsgi"',
        "DJANGO_SETTINGS_MODULE",
        '"healthChecks"',
        '"readinessProbe"',
        '"protocol": "HTTP"',
        '"path": "/readyz"',
        '"port": 8080',
        "Seconds",
        "failureThreshold",
        "{",
        "}",
        "]",
    ],
    "fly": [
        "builder",  # this project has no Dockerfile: Heroku's buildpacks build it
        "kill_signal",
        "release_command",
        "[deploy]",
        "[processes]",
        "app =",
        "DJANGO_SETTINGS_MODULE",
        "internal_port",
        "checks",
        "path",
        "method",
        "interval",
        "timeout",
        "grace_period",
    ],
    "render": [
        "startCommand",
        "preDeployCommand",
        "healthCheckPath",
        "maxShutdownDelaySeconds",
        "key:",
        "generateValue",
        "value: tests.settings",
        "sync",
    ],
    "railway": [
        "startCommand",
        "preDeployCommand",
        "healthcheckPath",
        "platform_migrate",
        "buildCommand",
        "]",
        'drainingSeconds": 45',
    ],
    "upsun": [
        "collectstatic",
        "deploy: python manage.py migrate",
        "platform_migrate",
        "socket_family",
        "start:",
        "variables:",
        "env:",
        "DJANGO_SETTINGS_MODULE",
    ],
    "heroku": [
        "DJANGO_SETTINGS_MODULE",
        "heroku-postgresql",
        "value",
        "formation",
        "web",
        "quantity",
        "}",
        "env",
        "generator",
        "description",
    ],
}


@pytest.mark.parametrize("crlf", [False, True], ids=["LF", "CRLF"])
@pytest.mark.parametrize("platform", sorted(EXISTING))
def test_an_existing_manifest_keeps_every_byte_outside_our_keys(tmp_path: Path, platform: str, crlf: bool) -> None:
    path = path_of(tmp_path, platform)
    path.parent.mkdir(exist_ok=True)
    old = EXISTING[platform].replace("\n", "\r\n") if crlf else EXISTING[platform]
    path.write_bytes(old.encode())
    run(tmp_path, platform, ROOT_URLCONF="tests.urls_health")
    new = path.read_bytes().decode()
    if crlf:
        assert "\n" not in new.replace("\r\n", "")  # every line break stays CRLF
        new, old = new.replace("\r\n", "\n"), old.replace("\r\n", "\n")
    owned_lines_only(old, new, OWNED[platform])
    before, after = load(platform, old), load(platform, new)
    if platform == "fly":
        assert after["kill_timeout"] == 30  # the user's longer window stands
        assert after["http_service"]["internal_port"] == 8080  # follows the app's own PORT
        assert "# our requests can take long" in new and "[[vm]]" in new
        assert after["vm"] == before["vm"] and after["primary_region"] == "cdg"
        assert after["build"] == {"builder": "heroku/builder:24"}
    elif platform == "render":
        web = after["services"][0]
        assert web["buildCommand"] == "./build.sh"  # theirs: a default only where absent
        assert web["plan"] == "starter" and "plan: starter      # paid" in new
        assert web["envVars"][:2] == before["services"][0]["envVars"]
        assert after["services"][1:] == before["services"][1:] and after["databases"] == before["databases"]
    elif platform == "railway":
        assert after["deploy"]["drainingSeconds"] == 45
        assert after["build"] == {**before["build"], "buildCommand": "python manage.py collectstatic --noinput"}
        assert '        "restartPolicyType": "ON_FAILURE",' in new  # their 4-space indentation, kept
    elif platform == "upsun":
        app = after["applications"]["app"]
        assert app["hooks"]["deploy"] == "python manage.py platform_migrate"  # in place of the plain migrate
        assert "python3.10 -m pip install --upgrade pip" in app["hooks"]["build"]
        assert app["web"]["locations"] == before["applications"]["app"]["web"]["locations"]
        assert after["services"] == before["services"] and after["routes"] == before["routes"]
    elif platform == "northflank":
        steps, old_steps = after["spec"]["spec"]["steps"], before["spec"]["spec"]["steps"]
        assert [s["kind"] for s in steps] == ["DeploymentService"]  # its structure: no node added
        web, theirs = steps[0]["spec"], old_steps[0]["spec"]
        assert web["deployment"]["docker"] == {"configType": "customCommand", "customCommand": "gunicorn proj.wsgi"}
        assert web["deployment"]["gracePeriodSeconds"] == 60 and web["deployment"]["instances"] == 2
        assert web["ports"] == theirs["ports"] and web["billing"] == theirs["billing"]
        assert web["healthChecks"][0]["port"] == 8080  # follows the app's own PORT
        assert after["options"] == before["options"] and after["arguments"] == before["arguments"]
        assert '                            "type": "readinessProbe",' in new  # their 4-space indentation
    elif platform == "heroku":
        assert after["env"]["DJANGO_SECRET_KEY"]["description"] == "keep it secret"
        assert after["addons"] == [{"plan": "heroku-redis"}, "heroku-postgresql"]  # the database a deploy needs
    # A second run changes nothing.
    assert "is up to date; nothing to do." in run(tmp_path, platform, ROOT_URLCONF="tests.urls_health")[0]


def test_fly_builds_with_buildpacks_only_without_a_build_of_the_projects(tmp_path: Path) -> None:
    run(tmp_path, "fly")
    assert load("fly", (tmp_path / "fly.toml").read_text())["build"] == {"builder": "heroku/builder:24"}
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "Dockerfile").write_text("FROM python:3.13-slim\n")  # fly launch's: it builds the image
    run(docker, "fly")
    assert "build" not in load("fly", (docker / "fly.toml").read_text())
    own = tmp_path / "image"
    own.mkdir()
    (own / "fly.toml").write_text('app = "x"\n[build]\n  image = "registry.example.com/x:1"\n')
    run(own, "fly")
    assert load("fly", (own / "fly.toml").read_text())["build"] == {"image": "registry.example.com/x:1"}


def test_a_utf8_bom_is_kept(tmp_path: Path) -> None:
    (tmp_path / "app.json").write_bytes(b"\xef\xbb\xbf" + APP_JSON.encode())
    run(tmp_path, "heroku")
    raw = (tmp_path / "app.json").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and json.loads(raw[3:])["formation"] == {"web": {"quantity": 1}}


@pytest.mark.parametrize(
    ("platform", "text", "problem"),
    [
        ("render", "services: just a string\n", "services must be a list"),
        ("render", "services:\n  - type: web\n    startCommand: [a, b\n", "line"),
        ("fly", "[deploy]\nrelease_command = \n", "fly.toml cannot be updated"),
        ("fly", "deploy = 'x'\n", "deploy must be a table"),
        ("railway", '{"deploy": [}', "character"),
        ("railway", '{"deploy": {"startCommand": {"a": 1}}}', "deploy.startCommand must be a single value"),
        ("upsun", "a: 1\n---\nb: 2\n", "cannot be updated"),
    ],
)
def test_what_cannot_be_edited_is_left_alone_with_the_reason(
    tmp_path: Path, platform: str, text: str, problem: str
) -> None:
    path = path_of(tmp_path, platform)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    with pytest.raises(CommandError, match=problem) as info:
        run(tmp_path, platform)
    assert info.value.returncode == 2
    assert path.read_text() == text


# --- drift, diff, dry run -------------------------------------------------------------------------


def test_check_catches_drift_and_diff_shows_it(tmp_path: Path) -> None:
    run(tmp_path, "fly")
    path = tmp_path / "fly.toml"
    path.write_text(path.read_text().replace("platform_migrate", "migrate"))
    drifted = path.read_text()
    with pytest.raises(CommandError, match=r"^fly.toml is out of date for fly: run python manage.py") as info:
        run(tmp_path, "fly", "--check")
    assert info.value.returncode == 1
    out, _ = run(tmp_path, "fly", "--diff")
    assert '-release_command = "python manage.py migrate"' in out
    assert '+release_command = "python manage.py platform_migrate"' in out
    out, _ = run(tmp_path, "fly", "--dry-run")
    assert 'release_command = "python manage.py platform_migrate"' in out and "Would write" in out
    assert path.read_text() == drifted  # none of them wrote
    with pytest.raises(CommandError):  # --check with --diff: the diff, then exit 1
        run(tmp_path, "fly", "--check", "--diff")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fly.toml"]


def test_check_of_a_missing_manifest_fails(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        run(tmp_path, "render", "--check")
    assert info.value.returncode == 1
    assert not (tmp_path / "render.yaml").exists()


# --- racing and killed writers ---------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["fly", "render", "railway"])  # TOML, YAML, JSON
def test_concurrent_writers_leave_one_complete_file(tmp_path: Path, platform: str) -> None:
    path = path_of(tmp_path, platform)
    path.write_text(EXISTING[platform])
    errors: list[BaseException] = []

    def write() -> None:
        try:
            call_command("platform_manifest", "--platform", platform, "--path", str(tmp_path), stdout=StringIO())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(6)]
    # Settings overridden once for all the threads (override_settings is not per thread).
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert "platform_migrate" in path.read_text() and load(platform, path.read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("platform", ["fly", "render", "railway"])  # TOML, YAML, JSON
def test_a_writer_killed_mid_write_leaves_the_old_file_whole(tmp_path: Path, platform: str) -> None:
    """SIGKILL at random points of a write (in a forked child, the settings already loaded): the
    file is always the old text or the new one, and the next write cleans what the child left."""
    path = path_of(tmp_path, platform)
    old = EXISTING[platform]
    path.write_text(old)
    run(tmp_path, platform, "--dry-run")  # warm: the child only writes
    new_text = None
    for attempt in range(12):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's lines are measured in the child, which is killed
            try:
                run(tmp_path, platform)
            finally:
                os._exit(0)
        time.sleep(0.001 * attempt)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        text = path.read_text()
        assert text == old or ("platform_migrate" in text and load(platform, text))
        if text != old:
            new_text = text
            path.write_text(old)
    run(tmp_path, platform)
    assert new_text is None or path.read_text() == new_text
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# --- validated against the platforms' definitions --------------------------------------------------

# The keys each platform documents, where it publishes no schema we can vendor (its page in each
# line); every key we write must be one of them, of the documented type.
DOCUMENTED: dict[str, dict[str, type | tuple[type, ...]]] = {
    # https://fly.io/docs/reference/configuration/
    "fly": {
        "app": str,
        "build": dict,
        "build.builder": str,
        "kill_signal": str,
        "kill_timeout": int,
        "env": dict,
        "env.DJANGO_SETTINGS_MODULE": str,
        "deploy": dict,
        "deploy.release_command": str,
        "processes": dict,
        "processes.*": str,
        "http_service": dict,
        "http_service.internal_port": int,
        "http_service.force_https": bool,
        "http_service.processes": list,
        "http_service.checks": list,
        "http_service.checks.path": str,
        "http_service.checks.method": str,
        "http_service.checks.interval": str,
        "http_service.checks.timeout": str,
        "http_service.checks.grace_period": str,
    },
    # https://render.com/docs/blueprint-spec
    "render": {
        "services": list,
        "services.type": str,
        "services.name": str,
        "services.runtime": str,
        "services.buildCommand": str,
        "services.startCommand": str,
        "services.preDeployCommand": str,
        "services.healthCheckPath": str,
        "services.maxShutdownDelaySeconds": int,
        "services.envVars": list,
        "services.envVars.key": str,
        "services.envVars.value": str,
        "services.envVars.generateValue": bool,
        "services.envVars.sync": bool,
        "services.envVars.fromDatabase": dict,
        "services.envVars.fromDatabase.name": str,
        "services.envVars.fromDatabase.property": str,
        "databases": list,
        "databases.name": str,
        "databases.plan": str,
    },
    # https://docs.railway.com/config-as-code/reference
    "railway": {
        "$schema": str,
        "build": dict,
        "build.buildCommand": str,
        "deploy": dict,
        "deploy.startCommand": str,
        "deploy.preDeployCommand": list,
        "deploy.healthcheckPath": str,
        "deploy.drainingSeconds": int,
    },
    # https://docs.digitalocean.com/products/app-platform/reference/app-spec/
    "digitalocean": {
        "name": str,
        "services": list,
        "services.name": str,
        "services.environment_slug": str,
        "services.run_command": str,
        "services.termination": dict,
        "services.termination.grace_period_seconds": int,
        "services.envs": list,
        "services.envs.key": str,
        "services.envs.type": str,
        "services.envs.scope": str,
        "services.envs.value": str,
        "services.health_check": dict,
        "services.health_check.http_path": str,
        "jobs": list,
        "jobs.kind": str,
        "jobs.name": str,
        "jobs.environment_slug": str,
        "jobs.run_command": str,
        "jobs.envs": list,
        "jobs.envs.key": str,
        "jobs.envs.type": str,
        "jobs.envs.scope": str,
        "jobs.envs.value": str,
        "workers": list,
        "workers.name": str,
        "workers.environment_slug": str,
        "workers.run_command": str,
        "workers.envs": list,
        "workers.envs.key": str,
        "workers.envs.type": str,
        "workers.envs.scope": str,
        "workers.envs.value": str,
        "databases": list,
        "databases.name": str,
        "databases.engine": str,
        "databases.production": bool,
        "*.github": dict,
        "*.github.repo": str,
        "*.github.branch": str,
        "*.github.deploy_on_push": bool,
    },
    # https://devcenter.heroku.com/articles/app-json-schema
    "heroku": {
        "name": str,
        "env": dict,
        "env.*": dict,
        "env.*.generator": str,
        "env.*.value": str,
        "formation": dict,
        "formation.*": dict,
        "formation.*.quantity": int,
        "addons": list,
    },
    # Northflank's template nodes (…/infrastructure-as-code/template-nodes) hold the API's request
    # bodies: create addon, create project secret, create build service, create deployment service
    # (…/docs/v1/api/project/…), healthChecks as on create combined service; a template's arguments
    # and workflow as on …/infrastructure-as-code/gitops-on-northflank.
    "northflank": {
        "apiVersion": str,
        "name": str,
        "arguments": dict,
        "arguments.*": str,
        "spec": dict,
        "spec.kind": str,
        "spec.spec": dict,
        "spec.spec.type": str,
        "spec.spec.context": dict,
        "spec.spec.context.projectId": str,
        "spec.spec.steps": list,
        "spec.spec.steps.kind": str,
        "spec.spec.steps.ref": str,
        "spec.spec.steps.condition": str,
        "spec.spec.steps.spec": dict,
        "spec.spec.steps.spec.name": str,
        "spec.spec.steps.spec.type": str,  # an add-on's type, a secret group's, a build's
        "spec.spec.steps.spec.version": str,
        "spec.spec.steps.spec.tlsEnabled": bool,
        "spec.spec.steps.spec.billing": dict,
        "spec.spec.steps.spec.billing.deploymentPlan": str,
        "spec.spec.steps.spec.billing.buildPlan": str,
        "spec.spec.steps.spec.billing.storage": int,
        "spec.spec.steps.spec.billing.replicas": int,
        "spec.spec.steps.spec.secretType": str,
        "spec.spec.steps.spec.priority": int,
        "spec.spec.steps.spec.secrets": dict,
        "spec.spec.steps.spec.secrets.variables": dict,
        "spec.spec.steps.spec.secrets.variables.*": str,
        "spec.spec.steps.spec.secrets.files": dict,
        "spec.spec.steps.spec.addonDependencies": list,
        "spec.spec.steps.spec.addonDependencies.addonId": str,
        "spec.spec.steps.spec.addonDependencies.keys": list,
        "spec.spec.steps.spec.addonDependencies.keys.keyName": str,
        "spec.spec.steps.spec.addonDependencies.keys.aliases": list,
        "spec.spec.steps.spec.vcsData": dict,
        "spec.spec.steps.spec.vcsData.projectUrl": str,
        "spec.spec.steps.spec.vcsData.projectType": str,
        "spec.spec.steps.spec.buildSettings": dict,
        "spec.spec.steps.spec.buildSettings.buildpack": dict,
        "spec.spec.steps.spec.buildSettings.buildpack.builder": str,
        "spec.spec.steps.spec.buildConfiguration": dict,
        "spec.spec.steps.spec.buildConfiguration.branchRestrictions": list,
        "spec.spec.steps.spec.disabledCI": bool,
        "spec.spec.steps.spec.id": str,  # the Build node's build service
        "spec.spec.steps.spec.branch": str,
        "spec.spec.steps.spec.jobId": str,
        "spec.spec.steps.spec.backoffLimit": int,
        "spec.spec.steps.spec.deployment": dict,
        "spec.spec.steps.spec.deployment.instances": int,
        "spec.spec.steps.spec.deployment.gracePeriodSeconds": int,
        "spec.spec.steps.spec.deployment.internal": dict,
        "spec.spec.steps.spec.deployment.internal.id": str,
        "spec.spec.steps.spec.deployment.internal.branch": str,
        "spec.spec.steps.spec.deployment.internal.buildId": str,
        "spec.spec.steps.spec.deployment.buildpack": dict,
        "spec.spec.steps.spec.deployment.buildpack.configType": str,
        "spec.spec.steps.spec.deployment.buildpack.customCommand": str,
        "spec.spec.steps.spec.runtimeEnvironment": dict,
        "spec.spec.steps.spec.runtimeEnvironment.*": str,
        "spec.spec.steps.spec.ports": list,
        "spec.spec.steps.spec.ports.name": str,
        "spec.spec.steps.spec.ports.protocol": str,
        "spec.spec.steps.spec.ports.public": bool,
        "spec.spec.steps.spec.ports.internalPort": int,
        "spec.spec.steps.spec.healthChecks": list,
        "spec.spec.steps.spec.healthChecks.type": str,
        "spec.spec.steps.spec.healthChecks.protocol": str,
        "spec.spec.steps.spec.healthChecks.path": str,
        "spec.spec.steps.spec.healthChecks.port": int,
        "spec.spec.steps.spec.healthChecks.initialDelaySeconds": int,
        "spec.spec.steps.spec.healthChecks.periodSeconds": int,
        "spec.spec.steps.spec.healthChecks.timeoutSeconds": int,
        "spec.spec.steps.spec.healthChecks.failureThreshold": int,
    },
    # https://doc.scalingo.com/platform/app/app-manifest
    "scalingo": {
        "name": str,
        "env": dict,
        "env.*": dict,
        "env.*.generator": str,
        "env.*.value": str,
        "formation": dict,
        "formation.*": dict,
        "formation.*.amount": int,
        "formation.*.size": str,
    },
}


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            name = f"{prefix}{key}"
            found.append((name, inner))
            found += flatten(inner, f"{name}.")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                found += flatten(item, prefix)
    return found


def documented(platform: str, name: str) -> type | tuple[type, ...] | None:
    keys = DOCUMENTED[platform]
    if name in keys:
        return keys[name]
    parts = name.split(".")
    for pattern, kind in keys.items():
        wanted = pattern.split(".")
        if len(wanted) == len(parts) and all(w in ("*", p) for w, p in zip(wanted, parts, strict=True)):
            return kind
    return None


@pytest.mark.parametrize("platform", sorted(DOCUMENTED))
def test_what_we_write_is_what_the_platform_documents(tmp_path: Path, platform: str) -> None:
    postgres = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
    with pytest.warns(UserWarning, match="Overriding setting DATABASES"):
        run(
            tmp_path,
            platform,
            "--celery-app",
            "proj",
            ROOT_URLCONF="tests.urls_health",
            DATABASES=postgres,
            **with_celery(tmp_path),
        )
    for name, value in flatten(load(platform, path_of(tmp_path, platform).read_text())):
        kind = documented(platform, name)
        assert kind is not None, f"{platform}: {name} is not a documented key"
        assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), (name, value)


def test_scalingo_formation_has_what_its_schema_requires(tmp_path: Path) -> None:
    """Scalingo's published schema (Scalingo/developers-documentation, scalingo.schema.json, checked
    by hand: not vendored) requires `amount` and `size` (S, M, L, XL or 2XL) in each formation
    entry; a size of the user's stands."""
    path = tmp_path / "scalingo.json"
    path.write_text('{"name": "shop", "formation": {"web": {"amount": 2, "size": "L"}}}\n')
    run(tmp_path, "scalingo", "--celery-app", "proj", **with_celery(tmp_path))
    formation = json.loads(path.read_text())["formation"]
    assert formation == {"web": {"amount": 2, "size": "L"}, "worker": {"amount": 1, "size": "M"}}


def test_northflank_values_are_inside_the_api_ranges(tmp_path: Path) -> None:
    """The limits the API reference gives for what we write (names, the grace period, the probe,
    the port's name, the enums), and the references between the nodes resolve in order."""
    tmp_path = tmp_path / "2048-a-rather-long-project-directory-name-for-a-site"  # a digit first, long
    tmp_path.mkdir()
    run(tmp_path, "northflank", "--celery-app", "proj", ROOT_URLCONF="tests.urls_health", **with_celery(tmp_path))
    document = load("northflank", (tmp_path / "northflank.json").read_text())
    name = re.compile(r"^[a-zA-Z]((-|\s)?[a-zA-Z0-9]+((-|\s)[a-zA-Z0-9]+)*)?$")
    defined: set[str] = set()
    for step in document["spec"]["spec"]["steps"]:
        spec = step["spec"]
        for ref in re.findall(r"\$\{refs\.(\w+)\.id\}", json.dumps(spec)):
            assert ref in defined, f"{step['ref']} refers to {ref} before it runs"
        defined.add(step["ref"])
        if "name" in spec:
            limit = {"Addon": 39, "SecretGroup": 100}.get(step["kind"], 54)
            assert name.match(spec["name"]) and 3 <= len(spec["name"]) <= limit, spec["name"]
        deployment = spec.get("deployment", {})
        assert 15 <= deployment.get("gracePeriodSeconds", 15) <= 600
        kinds = ("default", "customProcess", "customCommand", "customEntrypointCustomCommand", "original")
        assert (
            deployment.get("buildpack", {})
            .get("configType", "customCommand")
            .replace("originalEntrypointCustomCommand", "original")
            in kinds
        )
        for port in spec.get("ports", []):
            assert 1 <= len(port["name"]) <= 8 and port["protocol"] in ("HTTP", "HTTP/2", "TCP", "UDP")
        for check in spec.get("healthChecks", []):
            assert check["protocol"] in ("HTTP", "CMD", "TCP")
            assert check["type"] in ("livenessProbe", "readinessProbe", "startupProbe")
            assert 1 <= check["initialDelaySeconds"] <= 180 and 10 <= check["periodSeconds"] <= 600
            assert 1 <= check["timeoutSeconds"] <= 60 and 1 <= check["failureThreshold"] <= 255
        if step["kind"] == "SecretGroup":
            assert spec["secretType"] in ("environment-arguments", "environment", "arguments")
    variables = {a for a in re.findall(r"\$\{args\.(\w+)\}", json.dumps(document))}
    assert variables <= set(document["arguments"])  # every argument used is declared


def test_northflank_grace_period_stays_inside_the_api_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A graceful timeout longer than the API's 600 s maximum is written as 600 (Northflank would
    refuse the template), a short one as its 15 s minimum."""
    for graceful, grace in (("900", 600), ("3", 15)):
        monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", graceful)
        (tmp_path / "northflank.json").unlink(missing_ok=True)
        run(tmp_path, "northflank")
        template = load("northflank", (tmp_path / "northflank.json").read_text())
        web = next(s["spec"] for s in template["spec"]["spec"]["steps"] if s.get("ref") == "web")
        assert web["deployment"]["gracePeriodSeconds"] == grace


def test_upsun_config_validates_against_the_schema_upsunvalidator_ships(tmp_path: Path) -> None:
    """tests/data/manifests/upsun.schema.json: upsunvalidator 0.3.2's schemas/data/providers/upsun.json
    (MIT, github.com/Jeck-ai/upsunvalidator), vendored as is."""
    import jsonschema

    schema = json.loads((DATA / "upsun.schema.json").read_text())
    run(tmp_path, "upsun", "--celery-app", "proj", ROOT_URLCONF="tests.urls_health", **with_celery(tmp_path))
    jsonschema.validate(load("upsun", (tmp_path / ".upsun" / "config.yaml").read_text()), schema)
    upsun = tmp_path / "existing"
    (upsun / ".upsun").mkdir(parents=True)
    (upsun / ".upsun" / "config.yaml").write_text(EXISTING["upsun"])
    run(upsun, "upsun")
    jsonschema.validate(load("upsun", (upsun / ".upsun" / "config.yaml").read_text()), schema)


# --- the splicer, on its own -------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, indent=st.sampled_from([None, 0, 2, 4, "\t"]))
def test_json_spans_read_what_json_reads(value: Any, indent: Any) -> None:
    text = json.dumps(value, indent=indent)
    assert splice.plain(jsonspans.parse(text)) == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(
    theirs=st.dictionaries(st.text(st.characters(codec="ascii"), min_size=1, max_size=6), JSON_VALUES, max_size=5),
    indent=st.sampled_from([None, 2, 4, "\t"]),
)
def test_json_edits_keep_the_users_keys(theirs: dict[str, Any], indent: Any) -> None:
    theirs.pop("deploy", None)
    text = json.dumps(theirs, indent=indent)
    edits = [Edit(("deploy", "startCommand"), "gunicorn x"), Edit(("deploy", "drainingSeconds"), 5, "at_least")]
    new = splice.apply(text, edits, jsonspans.parse, yaml=False)
    assert json.loads(new) == {**theirs, "deploy": {"startCommand": "gunicorn x", "drainingSeconds": 5}}
    assert splice.apply(new, edits, jsonspans.parse, yaml=False) == new


@pytest.mark.parametrize("text", ["", "[", '{"a": 1} x', '{"a" 1}', '{"a": 1,}', "nul", '{"a": [1 2]}', "[" * 300])
def test_json_spans_refuse_what_json_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"character|nested|extra data"):
        jsonspans.parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hooks:\n  build: |\n    set -eu\n\n    pip install x\n\n  deploy: y\n", "    pip install x\n    NEW\n\n"),
        ("hooks:\n  build: |+\n    a\n\n", "    a\n    NEW\n"),
        ("hooks:\n  build: |\n    a", "    a\n    NEW"),
    ],
)
def test_a_line_joins_a_block_script_where_it_ends(text: str, expected: str) -> None:
    new = splice.apply(text, [Edit(("hooks", "build"), "NEW", "line")], yamlspans.parse, yaml=True)
    assert expected in new
    assert YAML(typ="safe", pure=True).load(new)["hooks"]["build"].rstrip("\n").splitlines()[-1] == "NEW"


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("on", '"on"'),
        ("true", '"true"'),
        ("1.0", '"1.0"'),
        ("a: b", '"a: b"'),
        ("x #y", '"x #y"'),
        ("/readyz", "/readyz"),
    ],
)
def test_yaml_scalars_read_back_as_the_same_string(value: str, rendered: str) -> None:
    new = splice.apply("k: 0\n", [Edit(("k",), value)], yamlspans.parse, yaml=True)
    assert new == f"k: {rendered}\n"
    assert YAML(typ="safe", pure=True).load(new) == {"k": value}


def test_yaml_flow_collections_and_empty_documents() -> None:
    edits = [Edit(("deploy", "cmd"), "x"), Edit(("list",), "y", "member")]
    assert splice.apply("deploy: {}\nlist: [a]\n", edits, yamlspans.parse, yaml=True) == (
        'deploy: {"cmd": "x"}\nlist: [a, "y"]\n'
    )
    assert splice.apply("# only a comment", edits[:1], yamlspans.parse, yaml=True) == (
        "# only a comment\ndeploy:\n  cmd: x\n"
    )
    assert splice.apply("items:\n- a: 1\n", [Edit(("items", Pick(a=2), "b"), 3)], yamlspans.parse, yaml=True) == (
        "items:\n- a: 1\n- a: 2\n  b: 3\n"
    )


# --- the checks -------------------------------------------------------------------------------------


def findings(tmp_path: Path, platform: str, **overrides: Any) -> list[CheckMessage]:
    with (
        override_settings(
            **{"BASE_DIR": tmp_path, "WSGI_APPLICATION": "proj.wsgi.application", "ALLOWED_HOSTS": ["*"], **overrides}
        ),
        judging(get_platform(platform)),
    ):
        return check_manifest()


def ids(messages: list[CheckMessage]) -> list[str]:
    return sorted(m.id or "" for m in messages)


def test_a_written_manifest_agrees_with_the_app(tmp_path: Path) -> None:
    for platform in PLATFORMS:
        run(tmp_path, platform, ROOT_URLCONF="tests.urls_health")
        assert findings(tmp_path, platform, ROOT_URLCONF="tests.urls_health") == [], platform
    assert findings(tmp_path / "nothing-here", "fly") == []  # no manifest: nothing to say
    assert findings(tmp_path, "qoddi") == []


@pytest.mark.parametrize(
    ("platform", "change", "expected"),
    [
        ("fly", ('path = "/readyz"', 'path = "/health/"'), ["W038", "W040"]),
        (
            "fly",
            ('release_command = "python manage.py platform_migrate"', 'release_command = "true"'),
            ["W038", "W041"],
        ),
        ("fly", ("platform_migrate", "migrate"), ["W038", "W042"]),
        ("fly", ("kill_timeout = 5", "kill_timeout = 3"), ["W038", "W043"]),
        ("fly", ("internal_port = 8000", "internal_port = 8080"), ["W038", "W045"]),
        ("fly", ("[env]", '[env]\nSTATICFILES_STORAGE = "x"'), ["W046"]),
        ("render", ("maxShutdownDelaySeconds: 30", "maxShutdownDelaySeconds: 30"), []),
        ("upsun", ("socket_family: tcp", "socket_family: unix"), ["W038", "W045"]),
        ("digitalocean", ("grace_period_seconds: 120", "grace_period_seconds: 1"), ["W038", "W043"]),
        ("railway", ('"/readyz"', '"/"'), ["W038", "W040"]),
        ("northflank", ('"path": "/readyz"', '"path": "/health/"'), ["W038", "W040"]),
        ("northflank", ('"kind": "JobRun"', '"kind": "Approval"'), ["W038", "W041"]),  # the job never runs
        ("northflank", ('"gracePeriodSeconds": 30', '"gracePeriodSeconds": 4'), ["W038", "W043"]),
        ("northflank", ('"internalPort": 8000', '"internalPort": 8080'), ["W038", "W045"]),
    ],
)
def test_disagreements_are_flagged(tmp_path: Path, platform: str, change: tuple[str, str], expected: list[str]) -> None:
    run(tmp_path, platform, ROOT_URLCONF="tests.urls_health")
    path = path_of(tmp_path, platform)
    text = path.read_text()
    assert change[0] in text
    path.write_text(text.replace(*change))
    assert ids(findings(tmp_path, platform, ROOT_URLCONF="tests.urls_health")) == [
        f"django_platform.{i}" for i in expected
    ]


def test_a_northflank_template_of_its_own_is_told_what_it_lacks(tmp_path: Path) -> None:
    """A template with its own web service keeps its structure: its web service gets our keys, and
    the release it does not run is said."""
    (tmp_path / "northflank.json").write_text(NORTHFLANK_JSON)
    run(tmp_path, "northflank", ROOT_URLCONF="tests.urls_health")
    assert ids(findings(tmp_path, "northflank", ROOT_URLCONF="tests.urls_health")) == ["django_platform.W041"]
    path = tmp_path / "northflank.json"
    path.write_text(path.read_text().replace('"PORT": "8080"', '"PORT": "http"'))
    run(tmp_path, "northflank", ROOT_URLCONF="tests.urls_health")
    # The app cannot read that PORT: the router's port and the app's disagree.
    assert ids(findings(tmp_path, "northflank", ROOT_URLCONF="tests.urls_health")) == [
        "django_platform.W041",
        "django_platform.W045",
    ]
    template = load("northflank", (tmp_path / "northflank.json").read_text())
    assert template["spec"]["spec"]["steps"][0]["spec"]["healthChecks"][0]["port"] == 8000  # PORT unreadable
    # A worker the settings need is not added to a structure of its own (its build is theirs): said.
    run(tmp_path, "northflank", "--celery-app", "proj", ROOT_URLCONF="tests.urls_health", **with_celery(tmp_path))
    assert [
        s["kind"] for s in load("northflank", (tmp_path / "northflank.json").read_text())["spec"]["spec"]["steps"]
    ] == ["DeploymentService"]


def test_a_missing_process_is_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))  # the Celery app, found as platform_check finds it
    run(tmp_path, "fly")
    celery = with_celery(tmp_path)
    messages = findings(tmp_path, "fly", **celery)
    assert ids(messages) == ["django_platform.W038", "django_platform.W044"]
    assert "fly.toml has no process for worker, which the settings need." in [m.msg for m in messages]
    run(tmp_path, "upsun", "--celery-app", "proj", **celery)
    assert findings(tmp_path, "upsun", **celery) == []


@pytest.mark.parametrize("kind", ["directory", "fifo", "binary", "broken"])
def test_an_unreadable_manifest_is_said_not_raised(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "fly.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe secret=hunter2")
    else:
        path.write_text("app = 'x\nsecret = 'hunter2'\n")
    messages = findings(tmp_path, "fly")
    assert ids(messages) == ["django_platform.W039"]
    assert "hunter2" not in messages[0].msg


# --- edges ----------------------------------------------------------------------------------------


def test_settings_that_name_no_application_are_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="WSGI_APPLICATION must be a dotted path") as info:
        run(tmp_path, "fly", WSGI_APPLICATION=None)
    assert info.value.returncode == 2
    (tmp_path / "fly.toml").write_text("app = 'x'\n")
    assert findings(tmp_path, "fly", WSGI_APPLICATION=None) == []  # the settings' own checks say it


def test_unreadable_and_unwritable_paths_are_command_errors(tmp_path: Path) -> None:
    (tmp_path / "render.yaml").mkdir()
    with pytest.raises(CommandError, match=r"render.yaml cannot be read \(IsADirectoryError\)"):
        run(tmp_path, "render")
    (tmp_path / ".do").symlink_to("nowhere/at-all")  # a dangling link where the directory goes
    with pytest.raises(CommandError, match=r"\.do cannot be created \(FileExistsError\)"):
        run(tmp_path, "digitalocean")
    (tmp_path / "app.json").write_text("{}\n")
    (tmp_path / "app.json.bak").hardlink_to(tmp_path / "app.json")
    with pytest.raises(CommandError, match="has other hard links"):
        run(tmp_path, "heroku")
    assert (tmp_path / "app.json").read_text() == "{}\n"


def test_a_failed_write_is_a_command_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A full disk or a read-only mount (root writes through permissions, so no directory here can refuse).
    from django_platform.management import base

    def full(path: Path, text: str, *, bom: bool = False) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(base, "atomic_write", full)
    with pytest.raises(CommandError, match=r"scalingo.json cannot be written \(OSError\)"):
        run(tmp_path, "scalingo")


def test_a_celery_project_without_its_app_is_told(tmp_path: Path) -> None:
    # A package no other test made importable (a Celery app found there would be written).
    _, err = run(tmp_path, "fly", WSGI_APPLICATION="nocelery.wsgi.application", **CELERY)
    assert "No Celery app found" in err


@pytest.mark.parametrize(
    ("platform", "text"),
    [
        ("fly", "app = 'x'\n[env]\nPORT = 'eighty'\n"),
        ("render", "services:\n- type: redis\n  name: cache\n"),
        ("digitalocean", "name: x\n"),
        ("upsun", "routes: {}\n"),
    ],
)
def test_a_manifest_that_declares_little_is_only_out_of_date(tmp_path: Path, platform: str, text: str) -> None:
    path = path_of(tmp_path, platform)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    expected = ["django_platform.W038", "django_platform.W041"] if platform == "fly" else ["django_platform.W038"]
    assert ids(findings(tmp_path, platform)) == expected


@pytest.mark.parametrize(
    ("kind", "text", "edit", "problem"),
    [
        ("yaml", "deploy: x\n", Edit(("deploy", "cmd"), "y"), "deploy must be a mapping"),
        ("yaml", "deploy:\n  cmd:\n    a: 1\n", Edit(("deploy", "cmd"), "y"), "deploy.cmd must be a single value"),
        ("toml", "[http_service]\nchecks = 'x'\n", Edit(("http_service", "checks", Pick(), "path"), "/"), "array of"),
        ("toml", "[deploy.release_command]\na = 1\n", Edit(("deploy", "release_command"), "x"), "single value"),
    ],
)
def test_conflicts_name_the_path(kind: str, text: str, edit: Edit, problem: str) -> None:
    from django_platform.manifests import tomledit
    from django_platform.manifests.edits import Conflict

    def apply() -> str:
        if kind == "toml":
            return tomledit.apply(text, [edit])
        return splice.apply(text, [edit], yamlspans.parse, yaml=True)

    with pytest.raises(Conflict, match=problem):
        apply()


def test_a_new_item_joins_an_array_of_tables() -> None:
    from django_platform.manifests import tomledit

    text = "[[checks]]\na = 1  # first\n"
    new = tomledit.apply(text, [Edit(("checks", Pick(a=2), "b"), 3)])
    assert new == text + "\n[[checks]]\na = 2\nb = 3\n"
    spaced = "[[checks]]\na = 1\n\n"  # a blank line there already: none added
    assert tomledit.apply(spaced, [Edit(("checks", Pick(a=2), "b"), 3)]) == spaced + "[[checks]]\na = 2\nb = 3\n"


def test_yaml_values_read_as_yaml_types() -> None:
    root = yamlspans.parse("a: 1.5\nb: 0x1F\nc: .inf\nd: null\ne: false\nf: 07\n")
    assert splice.plain(root) == {"a": 1.5, "b": "0x1F", "c": ".inf", "d": None, "e": False, "f": 7}
    with pytest.raises(ValueError, match="nested deeper than 200 levels"):
        yamlspans.parse("[" * 250 + "]" * 250)
    with pytest.raises(ValueError, match="line 2"):
        yamlspans.parse("a: 1\n  b: [\n")


def test_lists_of_plain_values_in_yaml() -> None:
    edits = [Edit(("list",), "b", "member"), Edit(("new",), "c", "member")]
    assert splice.apply("list:\n- a\n", edits, yamlspans.parse, yaml=True) == 'list:\n- a\n- b\nnew: ["c"]\n'


def test_ci_checks_the_one_manifest_the_project_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No --platform and no platform variables (CI): the only manifest present names the platform."""
    from django_platform.manifests import manifest_path

    for name in MODULES:
        manifest = manifest_for(name)
        assert manifest is not None and manifest.path == manifest_path(name) and manifest.platform == name
    monkeypatch.setenv("DJANGO_PLATFORM", "local")
    monkeypatch.delenv("DJANGO_PLATFORM")
    run(tmp_path, "render")
    out, err = StringIO(), StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        call_command("platform_manifest", "--path", str(tmp_path), "--check", stdout=out, stderr=err)
    assert out.getvalue() == "render.yaml is up to date for render.\n"
    monkeypatch.setenv("DJANGO_PLATFORM", "fly")  # the variable wins
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"), pytest.raises(CommandError, match=r"fly\.toml"):
        call_command("platform_manifest", "--path", str(tmp_path), "--check", stdout=out, stderr=err)


# --- secrets in the manifests ------------------------------------------------------------------

SECRETS = ("s3cr3t-key-value-42", "pa55word-in-url", "tok-render-9f8e7d", "sk_live_app_json_1")
WITH_SECRETS = {
    "northflank": f"""{{"apiVersion": "v1.2", "arguments": {{"DJANGO_SECRET_KEY": "{SECRETS[0]}"}}}}\n""",
    "fly": f"""app = 'x'\n[env]\n  DJANGO_SECRET_KEY = '{SECRETS[0]}'\n  DATABASE_URL = 'postgres://u:{SECRETS[1]}@db/x'\n""",
    "render": f"""services:\n- type: web\n  name: x\n  envVars:\n  - key: API_TOKEN\n    value: {SECRETS[2]}\n""",
    "heroku": f"""{{"env": {{"STRIPE_SECRET_KEY": {{"value": "{SECRETS[3]}"}}}}}}\n""",
}


@pytest.mark.parametrize("platform", sorted(WITH_SECRETS))
def test_what_the_command_prints_masks_the_manifests_secrets(tmp_path: Path, platform: str) -> None:
    path = path_of(tmp_path, platform)
    path.write_text(WITH_SECRETS[platform])
    printed = [*run(tmp_path, platform, "--dry-run"), *run(tmp_path, platform, "--diff")]
    with pytest.raises(CommandError) as info:
        run(tmp_path, platform, "--check")
    out, err = StringIO(), StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"), pytest.raises(CommandError):
        call_command(
            "platform_manifest", "--platform", platform, "--path", str(tmp_path), "--check", stdout=out, stderr=err
        )
    printed += [out.getvalue(), err.getvalue(), str(info.value)]
    assert "********" in "".join(printed)
    for secret in SECRETS:
        assert all(secret not in text for text in printed), secret
    run(tmp_path, platform)
    assert any(secret in path.read_text() for secret in SECRETS)  # the file keeps them: only printing masks


# --- any document the user could have -------------------------------------------------------------

KEYS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_"), min_size=1, max_size=8)
SCALARS = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(st.characters(codec="utf-8"), max_size=12)
DOCUMENTS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=12
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(theirs=DOCUMENTS, flow=st.sampled_from([False, None]), indent=st.sampled_from([(2, 0), (2, 2), (4, 2), (4, 4)]))
def test_yaml_edits_keep_any_document_the_user_has(theirs: dict[str, Any], flow: Any, indent: tuple[int, int]) -> None:
    theirs.pop("deploy", None)
    yaml = YAML()
    yaml.default_flow_style = flow
    yaml.indent(mapping=indent[0], sequence=indent[0] + indent[1], offset=indent[1])
    stream = StringIO()
    yaml.dump({**theirs, "deploy": {"a": 1}}, stream)
    text = stream.getvalue()
    try:  # ruamel.yaml dumps some flow scalars ("?#") as YAML no parser reads back: not a user's file
        yamlspans.parse(text)
    except ValueError:
        reject()
    edits = [Edit(("deploy", "cmd"), "gunicorn x"), Edit(("deploy", "hooks", "build"), "collectstatic", "line")]
    new = splice.apply(text, edits, yamlspans.parse, yaml=True)
    safe = YAML(typ="safe", pure=True)
    try:  # as YAML reads the user's file (ruamel's dump of "\x85" reads back as " ")
        before = safe.load(text)
    except YAMLError:  # YAML 1.2 the 1.1 reference loader refuses ("{_: :0}", a plain ":0" in flow)
        reject()
    before["deploy"].update({"cmd": "gunicorn x", "hooks": {"build": "collectstatic"}})
    assert safe.load(new) == before
    ours = text.rindex("deploy:")  # our key comes last: every byte of the user's before it is kept
    assert new.startswith(text[:ours])
    assert splice.apply(new, edits, yamlspans.parse, yaml=True) == new


@settings(max_examples=150, deadline=None)
@given(theirs=DOCUMENTS)
def test_toml_edits_keep_any_document_the_user_has(theirs: dict[str, Any]) -> None:
    import tomlkit

    from django_platform.manifests import tomledit

    def tomlable(value: Any) -> Any:  # TOML has no null, and no array mixing tables with values
        if isinstance(value, dict):
            return {k: tomlable(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [tomlable(v) for v in value if v is not None and not isinstance(v, (dict, list))]
        return value

    theirs = tomlable({k: v for k, v in theirs.items() if k not in ("deploy", "processes")})
    text = tomlkit.dumps(theirs)
    edits = [Edit(("deploy", "release_command"), "python manage.py platform_migrate"), Edit(("processes", "app"), "x")]
    new = tomledit.apply(text, edits)
    assert tomllib.loads(new) == {
        **theirs,
        "deploy": {"release_command": "python manage.py platform_migrate"},
        "processes": {"app": "x"},
    }
    assert tomledit.apply(new, edits) == new


def test_a_round_trip_dump_would_change_the_users_bytes_the_splicer_keeps() -> None:
    """Why YAML is spliced rather than dumped by ruamel.yaml's round-trip mode: measured on Upsun's
    own Django example, the dump alone (no edit at all) rewrites lines of the user's."""
    text = EXISTING["upsun"]
    yaml = YAML()
    yaml.preserve_quotes = True
    stream = StringIO()
    yaml.dump(yaml.load(text), stream)
    changed = [
        line for line in difflib.ndiff(text.splitlines(), stream.getvalue().splitlines()) if line[:2] in ("- ", "+ ")
    ]
    assert changed, "ruamel.yaml now round-trips this file byte for byte: the splicer could give way to it"
    assert splice.apply(text, [], yamlspans.parse, yaml=True) == text


def test_an_item_of_the_users_stands_whole_in_toml() -> None:
    from django_platform.manifests import tomledit

    text = "[[services]]\nname = 'web'\nport = 1\n"
    edit = Edit(("services", Pick(name="web")), {"port": 2}, "item")
    assert tomledit.apply(text, [edit]) == text
    assert tomllib.loads(tomledit.apply("", [edit])) == {"services": [{"name": "web", "port": 2}]}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_mysql_project_gets_no_postgresql_add_on(tmp_path: Path) -> None:
    run(tmp_path, "heroku", DATABASES={"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}})
    assert "addons" not in json.loads((tmp_path / "app.json").read_text())


def test_a_probe_host_refused_by_allowed_hosts(tmp_path: Path) -> None:
    """Railway probes with Host healthcheck.railway.app: configure() allows it; a settings.py that
    sets ALLOWED_HOSTS after configure() and serves the health paths from urls.py only refuses it."""
    health = {"ROOT_URLCONF": "tests.urls_health", "MIDDLEWARE": []}
    run(tmp_path, "railway", **health)
    messages = findings(tmp_path, "railway", ALLOWED_HOSTS=["www.example.com"], **health)
    assert ids(messages) == ["django_platform.W049"]
    assert "healthcheck.railway.app" in messages[0].msg
    assert findings(tmp_path, "railway", ALLOWED_HOSTS=[".railway.app"], **health) == []
    middleware = {**health, "MIDDLEWARE": ["django_platform.health.middleware.HealthMiddleware"]}
    assert findings(tmp_path, "railway", ALLOWED_HOSTS=["www.example.com"], **middleware) == []  # it answers first


@pytest.mark.parametrize(
    ("platform", "change", "expected"),
    [
        ("railway", ('"buildCommand": "python manage.py collectstatic --noinput"', '"buildCommand": "true"'), ["W047"]),
        ("railway", ('"buildCommand": "python manage.py collectstatic --noinput"', '"buildCommand": "./build.sh"'), []),
        ("upsun", ("python manage.py collectstatic --noinput", "echo built"), ["W038", "W047"]),
        (
            "render",
            ("DJANGO_SETTINGS_MODULE", "DISABLE_COLLECTSTATIC\n        value: '1'\n      - key: X"),
            ["W038", "W048"],
        ),
    ],
)
def test_a_build_that_collects_no_static_files(
    tmp_path: Path, platform: str, change: tuple[str, str], expected: list[str]
) -> None:
    run(tmp_path, platform)
    path = path_of(tmp_path, platform)
    text = path.read_text()
    assert change[0] in text
    path.write_text(text.replace(*change, 1))
    assert ids(findings(tmp_path, platform)) == [f"django_platform.{i}" for i in expected]


def test_the_web_commands_server_stands_as_in_the_procfile(tmp_path: Path) -> None:
    """--server granian writes Granian's launcher; a later run without the flag keeps it (the
    manifest's web command stands, as the Procfile's web line does), and --wsgi goes back."""
    asgi = {"ASGI_APPLICATION": "proj.asgi.application"}
    run(tmp_path, "fly", "--server", "granian", **asgi)
    granian = "python -m django_platform.granian proj.asgi:application"
    assert load("fly", (tmp_path / "fly.toml").read_text())["processes"]["app"] == granian
    assert "up to date" in run(tmp_path, "fly", **asgi)[0]
    run(tmp_path, "fly", "--wsgi", **asgi)
    assert load("fly", (tmp_path / "fly.toml").read_text())["processes"]["app"] == "gunicorn proj.wsgi"
    # A project's own Celery flags stand too.
    text = (tmp_path / "fly.toml").read_text()
    app = 'app = "gunicorn proj.wsgi"\n'
    (tmp_path / "fly.toml").write_text(text.replace(app, app + "worker = 'celery -A proj worker --without-gossip'\n"))
    run(tmp_path, "fly", "--celery-app", "proj", **with_celery(tmp_path))
    assert load("fly", (tmp_path / "fly.toml").read_text())["processes"]["worker"] == (
        "celery -A proj worker --without-gossip"
    )
    (tmp_path / "fly.toml").write_text("processes = 'not a table'\n")  # not read: the write says why
    with pytest.raises(CommandError, match="processes must be a table"):
        run(tmp_path, "fly")


def test_a_render_workers_own_celery_flags_stand(tmp_path: Path) -> None:
    """Render's worker services are named `<project>-<process>`: read back as the process, so the
    project's own flags stand as they do in the Procfile and in fly.toml."""
    from django_platform.manifests.needs import service_name

    run(tmp_path, "render", "--celery-app", "proj", **with_celery(tmp_path))
    name = f"{service_name(tmp_path)}-worker"
    text = (tmp_path / "render.yaml").read_text()
    worker = next(s for s in load("render", text)["services"] if s.get("name") == name)
    generated = worker["startCommand"]
    assert generated.startswith("celery -A proj worker")
    own = "celery -A proj worker --without-gossip --concurrency 2"
    (tmp_path / "render.yaml").write_text(text.replace(generated, own))
    run(tmp_path, "render", "--celery-app", "proj", **with_celery(tmp_path))
    services = load("render", (tmp_path / "render.yaml").read_text())["services"]
    assert [s["startCommand"] for s in services if s.get("name") == name] == [own]


@pytest.mark.parametrize(
    ("url", "head", "source"),
    [
        ("git@github.com:acme/mysite.git", "ref: refs/heads/main", ("github", "acme/mysite", "main")),
        ("https://gitlab.com/acme/my.site", "ref: refs/heads/prod", ("gitlab", "acme/my.site", "prod")),
        ("https://bitbucket.org/acme/mysite.git", "ref: refs/heads/main", None),
        ("git@github.com:acme/mysite.git", "0123abcd", None),  # a detached HEAD names no branch
    ],
)
def test_the_spec_builds_from_the_checkouts_origin(
    tmp_path: Path, url: str, head: str, source: tuple[str, str, str] | None
) -> None:
    from django_platform.manifests.needs import repository

    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {url}\n')
    (tmp_path / ".git" / "HEAD").write_text(head + "\n")
    assert repository(tmp_path) == source
    run(tmp_path, "digitalocean")
    spec = load("digitalocean", (tmp_path / ".do" / "app.yaml").read_text())
    components = [spec["services"][0], spec["jobs"][0]]
    if source is None:
        assert all("github" not in c and "gitlab" not in c for c in components)
    else:
        assert all(c[source[0]] == {"repo": source[1], "branch": source[2], "deploy_on_push": True} for c in components)
    assert repository(tmp_path / "elsewhere") is None
    # Northflank's build service builds the same repository (an argument to give where it is unknown).
    run(tmp_path, "northflank")
    template = load("northflank", (tmp_path / "northflank.json").read_text())
    build = next(s["spec"] for s in template["spec"]["spec"]["steps"] if s["kind"] == "BuildService")
    if source is None:
        assert build["vcsData"]["projectUrl"] == "${args.GIT_REPOSITORY}" and "GIT_REPOSITORY" in template["arguments"]
    else:
        assert build["vcsData"] == {"projectUrl": f"https://{source[0]}.com/{source[1]}", "projectType": source[0]}
        assert template["arguments"]["GIT_BRANCH"] == source[2] and "GIT_REPOSITORY" not in template["arguments"]


def test_the_database_the_platform_binds(tmp_path: Path) -> None:
    """A new spec gets a database component and DATABASE_URL bound to it; a spec with its own
    database binds to that one. Upsun: a database service and the relationship, unless the
    project has its own service."""
    run(tmp_path, "digitalocean")
    spec = load("digitalocean", (tmp_path / ".do" / "app.yaml").read_text())
    assert spec["databases"] == [{"name": "db", "engine": "PG", "production": False}]
    bound = {"key": "DATABASE_URL", "value": "${db.DATABASE_URL}", "scope": "RUN_TIME"}
    assert bound in spec["services"][0]["envs"] and bound in spec["jobs"][0]["envs"]
    theirs = tmp_path / "theirs"
    (theirs / ".do").mkdir(parents=True)
    (theirs / ".do" / "app.yaml").write_text("databases:\n- name: maindb\n  engine: PG\n  cluster_name: prod\n")
    run(theirs, "digitalocean")
    spec = load("digitalocean", (theirs / ".do" / "app.yaml").read_text())
    assert [d["name"] for d in spec["databases"]] == ["maindb"]
    assert {"key": "DATABASE_URL", "value": "${maindb.DATABASE_URL}", "scope": "RUN_TIME"} in spec["services"][0][
        "envs"
    ]
    run(tmp_path, "upsun")
    config = load("upsun", (tmp_path / ".upsun" / "config.yaml").read_text())
    assert config["services"] == {"db": {"type": "postgresql:16"}}
    assert next(iter(config["applications"].values()))["relationships"] == {"database": "db:postgresql"}
    upsun = tmp_path / "upsun"
    (upsun / ".upsun").mkdir(parents=True)
    (upsun / ".upsun" / "config.yaml").write_text(EXISTING["upsun"])
    run(upsun, "upsun")
    assert load("upsun", (upsun / ".upsun" / "config.yaml").read_text())["services"] == {
        "db": {"type": "postgresql:16"}
    }


def test_a_build_that_migrates_is_flagged(tmp_path: Path) -> None:
    """Render's own Django template migrates in its buildCommand (render-oss/skills): the schema
    changes before the release is judged, and a failed deploy keeps them."""
    (tmp_path / "render.yaml").write_text(
        "services:\n  - type: web\n    runtime: python\n    name: mysite\n"
        "    buildCommand: pip install -r requirements.txt && python manage.py collectstatic --noinput && "
        "python manage.py migrate\n    startCommand: gunicorn project.wsgi:application --bind 0.0.0.0:$PORT\n"
    )
    assert ids(findings(tmp_path, "render")) == [
        "django_platform.W038",
        "django_platform.W041",
        "django_platform.W051",
    ]


def test_a_manifest_that_starts_the_web_process_needs_no_procfile(tmp_path: Path) -> None:
    """fly.toml starts the web process: no E012 without a Procfile; app.json starts none: E012."""
    from django_platform.checks.deployfiles import check_procfile

    def procfile_findings(platform: str) -> list[str]:
        with override_settings(BASE_DIR=tmp_path), judging(get_platform(platform)):
            return [m.id or "" for m in check_procfile()]

    assert procfile_findings("fly") == ["django_platform.E012"]
    run(tmp_path, "fly")
    assert procfile_findings("fly") == []
    run(tmp_path, "heroku")
    assert procfile_findings("heroku") == ["django_platform.E012"]


RELEASE_STEPS = "python manage.py migrate --noinput && python manage.py createcachetable"
OWN_RELEASE = {
    "fly": f'[deploy]\nrelease_command = "{RELEASE_STEPS}"\n',
    "render": f"services:\n  - type: web\n    name: shop\n    preDeployCommand: {RELEASE_STEPS}\n",
    "railway": f'{{"deploy": {{"preDeployCommand": ["{RELEASE_STEPS}"]}}}}\n',
    "digitalocean": f"name: shop\njobs:\n  - name: release\n    kind: PRE_DEPLOY\n    run_command: {RELEASE_STEPS}\n",
}


@pytest.mark.parametrize("platform", sorted(OWN_RELEASE))
def test_the_manifests_own_release_steps_stay_beside_the_safe_release(platform: str, tmp_path: Path) -> None:
    """Its migrate becomes platform_migrate; createcachetable, after it, stays; --check then
    finds nothing to change."""
    path = path_of(tmp_path, platform)
    path.parent.mkdir(exist_ok=True)
    path.write_text(OWN_RELEASE[platform])
    run(tmp_path, platform)
    declared = manifest_for(platform)
    assert declared is not None
    assert declared.read(getter(declared.kind, path.read_text())).release == [
        "python manage.py platform_migrate",
        "python manage.py createcachetable",
    ]
    out, _ = run(tmp_path, platform, "--check")
    assert "up to date" in out


def test_northflanks_release_job_keeps_its_own_steps(tmp_path: Path) -> None:
    import json

    run(tmp_path, "northflank")
    path = path_of(tmp_path, "northflank")
    template = json.loads(path.read_text())
    job = next(s for s in template["spec"]["spec"]["steps"] if s.get("ref") == "release")
    job["spec"]["deployment"]["buildpack"]["customCommand"] = RELEASE_STEPS
    path.write_text(json.dumps(template, indent=2) + "\n")
    run(tmp_path, "northflank")
    declared = manifest_for("northflank")
    assert declared is not None
    assert declared.read(getter(declared.kind, path.read_text())).release == [
        "python manage.py platform_migrate",
        "python manage.py createcachetable",
    ]
    assert "up to date" in run(tmp_path, "northflank", "--check")[0]
