"""First deploys as the platforms run them: for each platform profile, build (collectstatic with the
builder's variables only), release (migrate against a real database with the platform's TLS
setting), run (the Procfile's web process under honcho with the run-time variables only), then a
styled admin page through the router's headers and default host, and a health check with the
platform's health-check Host. The platforms' recipes (docs/reference/platforms/) are these."""

from __future__ import annotations

import base64
import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from django_platform.deploy.procfile import process_types
from tests.e2e_support import copy_project, manage
from tests.lifecycle import LIFECYCLES, Lifecycle, honcho, phase_env, run_step
from tests.platform_envs import INFORMATION, SECRET
from tests.services import PgCluster, port_open, s3_server, unavailable, wait_for

pytestmark = [pytest.mark.services, pytest.mark.e2e]

# Add-ons a correctly set-up example project uses (it sends no mail: no email add-on).
ADDONS = {
    "REDIS_URL": "redis://127.0.0.1:6379/13",
    "AWS_STORAGE_BUCKET_NAME": "lifecycle",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
Credentials = tuple[dict[str, str], dict[str, str]]  # (config vars, run-time-only variables)


def pg_url(cluster: PgCluster) -> str:
    return f"postgres://{cluster.user}:{quote(cluster.password, safe='')}@127.0.0.1:{cluster.port}/{cluster.name}"


def tls_url(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # A database that requires TLS, its URL without sslmode (Heroku Postgres): the platform decides.
    return {"DATABASE_URL": pg_url(tls)}, {}


def internal_url(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    return {"DATABASE_URL": pg_url(plain)}, {}  # postgres:link, Render/Fly/Railway internal URLs


def cloudcontrol(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # The seed's way: add-on credentials in the JSON file at $CRED_FILE (shared MySQL add-on).
    creds = tmp / "creds.json"
    creds.write_text(
        json.dumps(
            {
                "MYSQLS": {
                    "MYSQLS_DATABASE": mysql["name"],
                    "MYSQLS_HOSTNAME": f"{mysql['host']}:{mysql['port']}",
                    "MYSQLS_USERNAME": mysql["user"],
                    "MYSQLS_PASSWORD": mysql["password"],
                }
            }
        )
    )
    return {}, {"CRED_FILE": str(creds)}


def qoddi(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # The seed's way for MySQL: separate variables; SSL is off on Qoddi's datastores.
    return {
        "DATABASE_HOST": f"{mysql['host']}:{mysql['port']}",
        "DATABASE_NAME": mysql["name"],
        "DATABASE_USERNAME": mysql["user"],
        "DATABASE_PASSWORD": mysql["password"],
    }, {}


def upsun(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # The relationship "database" and its service variables (scheme pgsql://), at run time only.
    relationships = {
        "database": [
            {
                "scheme": "pgsql",
                "host": "127.0.0.1",
                "port": plain.port,
                "path": plain.name,
                "username": plain.user,
                "password": plain.password,
            }
        ]
    }
    password = quote(plain.password, safe="")
    return {}, {
        "PLATFORM_RELATIONSHIPS": base64.b64encode(json.dumps(relationships).encode()).decode(),
        "DATABASE_URL": f"pgsql://{plain.user}:{password}@127.0.0.1:{plain.port}/{plain.name}",
        "DATABASE_SCHEME": "pgsql",
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_PORT": str(plain.port),
        "DATABASE_PATH": plain.name,
        "DATABASE_USERNAME": plain.user,
        "DATABASE_PASSWORD": plain.password,
    }


def scalingo(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # The MySQL add-on's URL, JDBC parameters included, under both of its names.
    url = (
        f"mysql://{mysql['user']}:{quote(str(mysql['password']), safe='')}@{mysql['host']}:{mysql['port']}/"
        f"{mysql['name']}?useSSL=true&verifyServerCertificate=false"
    )
    return {"SCALINGO_MYSQL_URL": url, "DATABASE_URL": url}, {}


def bound_at_run(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # ${db.DATABASE_URL}: the binding exists at run time only; managed databases require TLS.
    return {}, {"DATABASE_URL": pg_url(tls) + "?sslmode=require"}


def clevercloud(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> Credentials:
    # The add-ons' separate variables: no DATABASE_URL, no REDIS_URL.
    return {
        "POSTGRESQL_ADDON_HOST": "127.0.0.1",
        "POSTGRESQL_ADDON_PORT": str(plain.port),
        "POSTGRESQL_ADDON_DB": plain.name,
        "POSTGRESQL_ADDON_USER": plain.user,
        "POSTGRESQL_ADDON_PASSWORD": plain.password,
        "REDIS_URL": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
    }, {}


# The database recipes of the shared table (Lifecycle.database).
RECIPES: dict[str, Callable[[PgCluster, PgCluster, dict[str, Any], Path], Credentials]] = {
    "internal": internal_url,
    "tls": tls_url,
    "tls_at_run": bound_at_run,
    "cloudcontrol": cloudcontrol,
    "qoddi": qoddi,
    "upsun": upsun,
    "scalingo": scalingo,
    "clevercloud": clevercloud,
}
MYSQL = ("cloudcontrol", "qoddi", "scalingo")  # recipes whose database is MariaDB


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server("lifecycle") as url:
        yield url


def get(port: int, path: str, host: str, *, router: bool = True) -> tuple[int, str, str]:
    """A request as the platform's router forwards it (or, router=False, as a health check probes)."""
    headers = {"Host": host}
    if router:
        headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Request-Id": "r-1"})
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback only
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, "", error.read().decode(errors="replace")


READY = {"database:default": "ok", "cache:default": "ok", "storage:default": "ok"}


def serve_styled_admin_and_health_check(project: Path, lifecycle: Lifecycle, run: dict[str, str]) -> None:
    """The Procfile's web process under honcho: the admin page and its hashed stylesheet through the
    router's headers and default host, and the health check with the platform's own Host."""
    with honcho(project, run, command=lifecycle.web_command) as (_proc, port):
        status, _, page = get(port, "/admin/login/", lifecycle.public_host)
        assert status == 200, page[:2000]
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
        assert css, "the admin's stylesheet is not served under its hashed name"
        status, content_type, body = get(port, css.group(1), lifecycle.public_host)
        assert (status, content_type.split(";")[0]) == (200, "text/css")
        assert "body" in body
        # The health paths as the platform's probe asks: its Host (or the instance's address),
        # plain HTTP, no router headers.
        probe = lifecycle.health_host or "127.0.0.1"
        assert get(port, "/healthz", probe, router=False) == (200, "application/json", '{"status": "ok"}')
        # Probed as platforms probe: again until it passes, within their grace period. The first
        # probe of a fresh worker imports the storage client (boto3), which can outlast the 2 s
        # deadline on a loaded machine: a 503 then, the next probe 200.
        answers: list[tuple[int, str]] = []

        def ready() -> bool:
            status, _, body = get(port, "/readyz", probe, router=False)
            answers.append((status, body))
            return (status, json.loads(body)) == (200, {"status": "ok", "checks": READY})

        assert wait_for(ready, timeout=20), answers[-3:]
        assert get(port, "/ping", lifecycle.public_host)[0] == 200
        assert wait_for(lambda: '"GET /ping HTTP/1.1" 200' in (project / "honcho.log").read_text())
        assert '/readyz HTTP/1.1" 200' not in (project / "honcho.log").read_text()  # successful probes: not logged


def release(project: Path, lifecycle: Lifecycle, env: dict[str, str]) -> None:
    if lifecycle.release_process:
        run_step(project, process_types((project / "Procfile").read_text())[lifecycle.release_process], env)
    else:
        manage(project, env, "migrate", "--noinput")


def test_every_platform_has_a_lifecycle_with_a_database_recipe() -> None:
    from django_platform.platforms import PLATFORMS

    profiles = {p.name for p in PLATFORMS if p.name not in ("local", "heroku-ci")}
    assert set(LIFECYCLES) == profiles
    assert {lc.database for lc in LIFECYCLES.values()} <= set(RECIPES)


@pytest.mark.parametrize("platform", sorted(LIFECYCLES))
def test_first_deploy(
    platform: str, pg_tls: PgCluster, pg_plain: PgCluster, mariadb: dict[str, Any], s3_endpoint: str, tmp_path: Path
) -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    lifecycle = LIFECYCLES[platform]
    project = copy_project(tmp_path / "project")
    # On the developer's laptop: the deployment files, committed with the code.
    manage(project, {}, "platform_procfile", "--platform", platform)
    manage(project, {}, "platform_gunicorn", "--platform", platform)
    database, run_only = RECIPES[lifecycle.database](pg_tls, pg_plain, mariadb, tmp_path)
    if lifecycle.database in MYSQL:  # the user adds the driver for the platform's MySQL add-on
        with (project / "requirements" / "production.txt").open("a") as requirements:
            requirements.write("mysqlclient\n")
    secret = {} if platform == "upsun" else {"DJANGO_SECRET_KEY": SECRET}
    config = {**secret, **ADDONS, "AWS_S3_ENDPOINT_URL": s3_endpoint, **database}

    manage(project, phase_env(lifecycle, "build", config, run_only), "collectstatic", "--noinput")
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    release(project, lifecycle, phase_env(lifecycle, "release", config, run_only))

    run = phase_env(lifecycle, "run", config, run_only)
    serve_styled_admin_and_health_check(project, lifecycle, run)

    document = json.loads(manage(project, run, "platform_check", "--deploy", "--format", "json"))
    assert document["platform"] == platform
    # Clean: at most the note that nothing sends mail (the example project sends none).
    assert [f["id"] for f in document["findings"] if f["id"] not in INFORMATION] == []
    settings = {s["setting"]: s["value"] for s in document["settings"]}
    if lifecycle.tls:
        key, value = lifecycle.tls
        assert settings[f"DATABASES.default.OPTIONS.{key}"] == value


SPLIT = Path(__file__).resolve().parent / "projects" / "split"


@pytest.mark.parametrize("platform", ["heroku", "fly"])  # a buildpack build, and a Docker build
def test_first_deploy_of_a_split_settings_project(
    platform: str, pg_tls: PgCluster, pg_plain: PgCluster, mariadb: dict[str, Any], tmp_path: Path
) -> None:
    """settings/base.py + production.py, a requirements.txt that only includes others, the project's
    own static storage, HSTS choices of its own, and no mail sent."""
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    lifecycle = LIFECYCLES[platform]
    project = tmp_path / "project"
    shutil.copytree(SPLIT, project, ignore=shutil.ignore_patterns("__pycache__"))
    manage(project, {}, "platform_procfile", "--platform", platform)
    manage(project, {}, "platform_gunicorn", "--platform", platform)
    database, run_only = RECIPES[lifecycle.database](pg_tls, pg_plain, mariadb, tmp_path)
    config = {"DJANGO_SECRET_KEY": SECRET, "REDIS_URL": "redis://127.0.0.1:6379/13", **database}

    manage(project, phase_env(lifecycle, "build", config, run_only), "collectstatic", "--noinput")
    assert (project / "collected" / "manifest.json").is_file()  # the project's own storage and name
    release(project, lifecycle, phase_env(lifecycle, "release", config, run_only))
    run = phase_env(lifecycle, "run", config, run_only)
    serve_styled_admin_and_health_check(project, lifecycle, run)

    document = json.loads(manage(project, run, "platform_check", "--deploy", "--format", "json"))
    assert [f["id"] for f in document["findings"] if f["id"] not in INFORMATION] == []
    sources = {s["setting"]: (s["value"], s["source"]) for s in document["settings"]}
    assert sources["SECURE_HSTS_INCLUDE_SUBDOMAINS"] == (False, "settings.py")
    assert sources["SECURE_HSTS_SECONDS"] == (2592000, "settings.py")
    assert sources["STORAGES.staticfiles"] == ({"BACKEND": "mysite.storage.StaticStorage"}, "settings.py")
