"""A real project's shape adopted as it is (#26), through a platform's build, release and run with
only each phase's variables: its own Procfile (a Celery worker with its flags, the app in
config/celery_app.py), Heroku's sample gunicorn.conf.py, gunicorn pinned as Heroku's sample pins
it, a django-redis cache with options, split settings whose default module is the base one, and,
on Fly.io, a Dockerfile that collects static files with placeholder URLs. What a user sees: pages
200, the hashed stylesheet served compressed, a task run by the worker, the gunicorn settings
gunicorn itself reports, settings.py's cache kept, `platform_check --deploy` clean."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from django_platform.deploy.procfile import process_types
from django_platform.platforms import BY_NAME
from tests.e2e_support import manage
from tests.lifecycle import LIFECYCLES, honcho, phase_env
from tests.platform_envs import INFORMATION, SECRET, clean_environ
from tests.services import PgCluster, port_open, unavailable, wait_for
from tests.test_adopt_gunicorn import print_config
from tests.test_lifecycle import ADDONS, MYSQL, RECIPES, get, release, s3_endpoint

pytestmark = [pytest.mark.services, pytest.mark.e2e]
__all__ = ["s3_endpoint"]  # the fixture, shared with test_lifecycle.py

ADOPTED = Path(__file__).resolve().parent / "projects" / "adopted"
PRODUCTION = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
# The Dockerfile's own lines: `ENV DJANGO_SETTINGS_MODULE=...` and the placeholders people write.
DOCKER_BUILD = {**PRODUCTION, "DATABASE_URL": "postgres://none", "REDIS_URL": "none", "SECRET_KEY": "dummy"}


# The five lifecycles the project was tried on: buildpack builds (Heroku, Scalingo), a Docker build
# (Fly.io), and the seed platforms (Qoddi, cloudControl, whose web line names its own config file).
@pytest.mark.parametrize("platform", ["heroku", "fly", "scalingo", "qoddi", "cloudcontrol"])
def test_a_real_project_shape_deploys_as_it_is(
    platform: str, pg_tls: PgCluster, pg_plain: PgCluster, mariadb: dict[str, Any], s3_endpoint: str, tmp_path: Path
) -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    lifecycle = LIFECYCLES[platform]
    project = tmp_path / "project"
    shutil.copytree(ADOPTED, project, ignore=shutil.ignore_patterns("__pycache__"))

    # On the laptop: the Procfile and gunicorn config adopted, committed with the code.
    # The project has a Procfile of its own: the first run says to add --force, which keeps its lines
    # (commented out where the block now has them).
    manage(project, PRODUCTION, "platform_procfile", "--platform", platform, "--force")
    assert "# replaced by django-platform: web: gunicorn config.wsgi" in (project / "Procfile").read_text()
    adopted = manage(project, PRODUCTION, "platform_gunicorn", "--platform", platform, "--force")
    if BY_NAME[platform].gunicorn_config == "gunicorn.conf.py":
        assert "reuse_port" in adopted  # Heroku's sample sets it in an else: commented out, and said
    lines = process_types((project / "Procfile").read_text())
    assert lines["worker"] == (
        "REMAP_SIGTERM=SIGQUIT celery -A config.celery_app worker --without-gossip --loglevel=INFO"
    ), "the project's worker flags are kept"
    assert "web" in lines

    database, run_only = RECIPES[lifecycle.database](pg_tls, pg_plain, mariadb, tmp_path)
    if lifecycle.database in MYSQL:  # the user adds the driver for the platform's MySQL add-on (W010 says so)
        with (project / "requirements.txt").open("a") as requirements:
            requirements.write("mysqlclient\n")
    redis = "redis://127.0.0.1:6379/12"
    # A bucket for uploads (the worker instances share no disk with web: W020 otherwise).
    bucket = {k: v for k, v in ADDONS.items() if k.startswith("AWS_")}
    config = {
        **PRODUCTION,
        "DJANGO_SECRET_KEY": SECRET,
        "REDIS_URL": redis,
        **bucket,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
    }
    config.update(database)

    build = phase_env(lifecycle, "build", config, run_only)
    if not lifecycle.config_at_build:  # a Docker build: the Dockerfile's own values only
        assert not build.keys() & {"DATABASE_URL", "REDIS_URL"}
        build = {**build, **DOCKER_BUILD}
    manage(project, build, "collectstatic", "--noinput")
    manifest = json.loads((project / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert (project / "staticfiles" / f"{hashed}.gz").is_file(), "collected without compression"

    release(project, lifecycle, phase_env(lifecycle, "release", config, run_only))
    run = phase_env(lifecycle, "run", config, run_only)

    # The configuration gunicorn really runs is the generated one, the sample's reuse_port gone.
    own_file = re.search(r"(?:--config|-c)[ =](\S+)", lines["web"])  # the web line's own file, if any
    effective = print_config(
        project, clean_environ(**run), "config.wsgi", *(["--config", own_file[1]] if own_file else [])
    )
    assert effective["reuse_port"] == "False"
    assert effective["max_requests"] == "10000"
    assert effective["threads"] == "8"
    assert effective["worker_class"] in ("gthread", "django_platform.deploy.gthread.FairThreadWorker")

    with honcho(project, run, ("web", "worker")) as (_proc, port):
        status, _, page = get(port, "/admin/login/", lifecycle.public_host)
        assert status == 200, page[:2000]
        assert f'href="/static/{hashed}"' in page
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/static/{hashed}",
            headers={"Host": lifecycle.public_host, "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback only
            assert (response.status, response.headers["Content-Encoding"]) == (200, "gzip")

        token = uuid.uuid4().hex
        assert get(port, f"/enqueue?token={token}", lifecycle.public_host)[0] == 200
        import redis as redis_client

        client = redis_client.Redis.from_url(redis)
        assert wait_for(lambda: any(client.scan_iter(f"*done:{token}")), timeout=60), (
            project / "honcho.log"
        ).read_text()[-3000:]
        log = (project / "honcho.log").read_text()
        assert re.search(r"worker\.\d+ \|.*celery@", log), "the worker line did not start Celery"

    document = json.loads(manage(project, run, "platform_check", "--deploy", "--format", "json"))
    assert document["platform"] == platform
    assert [f["id"] for f in document["findings"] if f["id"] not in INFORMATION] == []
    settings = {s["setting"]: (s["value"], s["source"]) for s in document["settings"]}
    # settings.py's cache: its backend and options kept, only the location from the platform's Redis.
    backend = settings["CACHES.default"][0]
    assert backend["BACKEND"] == "django_redis.cache.RedisCache"
    assert backend["OPTIONS"]["IGNORE_EXCEPTIONS"] is True and backend["OPTIONS"]["SOCKET_TIMEOUT"] == 2
    assert backend["LOCATION"] == redis
