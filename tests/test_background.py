"""Background work: Django's Tasks settings, the processes platform_procfile writes beside web,
the checks that catch lost or doubled tasks, and the connection budget (against the real
PostgreSQL's max_connections)."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import CheckMessage
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import django_platform
from django_platform.areas.django_tasks import DB_BACKEND, backend_kind
from django_platform.checks import budget, deployfiles, judging, tasks
from django_platform.deploy.files import block
from django_platform.deploy.processes import BEAT_FILE, DB_WORKER, background
from django_platform.deploy.procfile import procfile_body
from django_platform.platforms import BY_NAME
from django_platform.report import Report
from tests.e2e_support import BIN
from tests.lifecycle import LIFECYCLES, phase_env
from tests.platform_envs import PLATFORM_ENVS, SECRET, clean_environ
from tests.services import port_open, query_one, unavailable

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting (DATABASES|TASKS|INSTALLED_APPS)")
WORKER_PROJECT = Path(__file__).resolve().parent / "projects" / "worker"
IMMEDIATE = "django.tasks.backends.immediate.ImmediateBackend"
DUMMY = "django.tasks.backends.dummy.DummyBackend"
PG = {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "db"}


def needs_tasks_db() -> None:
    """The worker project imports django-tasks-db (in the [test] extra; tox adds its backport on 5.2)."""
    import importlib.util

    if importlib.util.find_spec("django_tasks_db") is None:
        unavailable("django-tasks-db is not installed (pip install -e '.[test]')")


# --- Django's Tasks settings -----------------------------------------------------------------------


def configure(platform: str, settings: dict[str, Any], **env: str) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"DATABASES": {}, **settings}
    base = {**PLATFORM_ENVS[platform], "DJANGO_SECRET_KEY": SECRET} if platform != "local" else {}
    return ns, django_platform.configure(ns, env={**base, **env})


def test_tasks_get_the_database_backend_on_a_platform() -> None:
    for platform in ("heroku", "render", "clevercloud", "upsun"):
        ns, report = configure(platform, {"INSTALLED_APPS": ["django_tasks_db"]})
        assert ns["TASKS"] == {"default": {"BACKEND": DB_BACKEND}}, platform
        assert "django_tasks_db is installed" in json.dumps(report.as_dict())


def test_tasks_from_settings_py_are_kept_and_local_development_is_left_alone() -> None:
    own = {"default": {"BACKEND": IMMEDIATE}}
    ns, report = configure("heroku", {"INSTALLED_APPS": ["django_tasks_db.apps.Config"], "TASKS": own})
    assert ns["TASKS"] is own and any(e.setting == "TASKS" for e in report)
    ns, _ = configure("local", {"INSTALLED_APPS": ["django_tasks_db"]})
    assert "TASKS" not in ns
    ns, _ = configure("heroku", {"INSTALLED_APPS": ["django_tasks"]})  # no queue backend installed
    assert "TASKS" not in ns


def test_backend_kinds() -> None:
    assert backend_kind(IMMEDIATE) == backend_kind(DUMMY) == "in-process"
    assert backend_kind("django_tasks.backends.dummy.DummyBackend") == "in-process"
    assert backend_kind(DB_BACKEND) == "database"
    assert backend_kind("django_tasks_rq.RQBackend") == "other"


# --- processes beside web --------------------------------------------------------------------------


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable project package with Celery's celery.py."""
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "celery.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    # find_spec("proj.celery") imports proj: each test's own, not an earlier test's.
    for name in [n for n in sys.modules if n == "proj" or n.startswith("proj.")]:
        monkeypatch.delitem(sys.modules, name)
    yield "proj"
    for name in [n for n in sys.modules if n == "proj" or n.startswith("proj.")]:
        del sys.modules[name]


def test_celery_worker_and_one_beat(proj: str) -> None:
    worker = ("worker", "celery -A proj worker --loglevel INFO")
    celery = {"CELERY_BROKER_URL": "redis://h"}
    assert background(celery, ["missing", proj]).found == [worker]
    with_schedule = {**celery, "CELERY_BEAT_SCHEDULE": {"x": {}}}
    assert background(with_schedule, [proj]).found == [
        worker,
        ("beat", f"celery -A proj beat --loglevel INFO --schedule {BEAT_FILE}"),
    ]
    in_database = {**celery, "INSTALLED_APPS": ["django_celery_beat"]}
    assert background(in_database, [proj]).found[1] == (
        "beat",
        "celery -A proj beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler",
    )


def test_db_worker_for_django_tasks_db(proj: str) -> None:
    database = {"TASKS": {"default": {"BACKEND": DB_BACKEND}}}
    assert background(database, []).found == [("worker", DB_WORKER)]
    both = {**database, "CELERY_BROKER_URL": "amqp://h"}
    assert background(both, [proj]).found == [
        ("worker", "celery -A proj worker --loglevel INFO"),
        ("tasks", DB_WORKER),
    ]
    assert background({"TASKS": {"default": {"BACKEND": IMMEDIATE}}}, []).found == []
    assert background({"TASKS": "not a dict"}, []).found == []


def test_no_celery_app_writes_the_rest_and_says_what_is_missing(proj: str) -> None:
    database = {"TASKS": {"default": {"BACKEND": DB_BACKEND}}}
    missing = background({"CELERY_TIMEZONE": "UTC", **database}, ["nowhere", ""])
    assert missing.found == [("worker", DB_WORKER)]
    assert missing.notes == [
        "No Celery app found in nowhere/celery.py or nowhere/celery_app.py: no worker process is written. Pass "
        "--celery-app with the module that defines it (celery -A takes it)."
    ]
    assert "in the project:" in background({"CELERY_TIMEZONE": "UTC"}, []).notes[0]
    given = background({"CELERY_TIMEZONE": "UTC"}, [], celery="my.app")
    assert given.found[0][1].startswith("celery -A my.app worker") and given.notes == []


@pytest.fixture
def layouts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Importable project packages laid out as real projects lay out their Celery app."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names = ("cfg", "shop", "plain")
    yield tmp_path
    for name in [n for n in sys.modules if n.split(".")[0] in names]:
        del sys.modules[name]


def package(root: Path, dotted: str, *modules: str) -> None:
    path = root.joinpath(*dotted.split("."))
    path.mkdir(parents=True, exist_ok=True)
    (path / "__init__.py").write_text("")
    for module in modules:
        (path / f"{module}.py").write_text("")
    importlib.invalidate_caches()


def test_the_celery_app_is_found_where_projects_put_it(layouts: Path) -> None:
    from django_platform.deploy.processes import celery_app

    package(layouts, "cfg", "celery_app")  # cookiecutter-django: config/celery_app.py
    assert celery_app(["cfg"]) == ("cfg.celery_app", "cfg/celery_app.py")
    package(layouts, "shop")
    package(layouts, "shop.tasks", "celery")  # a tasks/ subpackage
    package(layouts, "shop.not-a-name")
    assert celery_app(["shop"])[0] == "shop.tasks"
    # The Procfile's own -A comes first: what the project runs today.
    assert celery_app(["cfg"], {"web": "gunicorn x", "worker": "celery --app=cfg.other worker"}) == (
        "cfg.other",
        "the Procfile's worker: line",
    )
    package(layouts, "plain")
    assert celery_app(["plain", "no_such_package", "bad..name"]) == (
        None,
        "plain/celery.py or plain/celery_app.py or no_such_package/celery.py or no_such_package/celery_app.py or "
        "bad//name/celery.py or bad//name/celery_app.py",
    )


@pytest.mark.parametrize(
    ("theirs", "platform", "expected", "note"),
    [
        (
            "REMAP_SIGTERM=SIGQUIT celery -A proj worker --without-gossip --concurrency $CELERY_CONCURRENCY",
            "heroku",
            "REMAP_SIGTERM=SIGQUIT celery -A proj worker --without-gossip --concurrency $CELERY_CONCURRENCY",
            "",
        ),
        (
            "celery -A proj worker -B -l INFO",
            "heroku",
            "celery -A proj worker -l INFO",
            "worker: removed -B (beat inside the worker runs once per instance): the beat process runs it.",
        ),
        ("celery -A proj worker -B -l INFO", "heroku-ci", "celery -A proj worker -B -l INFO", ""),
        ("python other_queue.py", "heroku", "celery -A proj worker --loglevel INFO", ""),
        ("celery -A proj beat", "heroku", "celery -A proj worker --loglevel INFO", ""),
    ],
)
def test_the_projects_own_worker_flags_are_kept(
    theirs: str, platform: str, expected: str, note: str, proj: str
) -> None:
    found = background(
        {"CELERY_BROKER_URL": "redis://h"}, [proj], existing={"worker": theirs}, multi_node=BY_NAME[platform].multi_node
    )
    assert found.found[0] == ("worker", expected)
    assert found.notes == ([note] if note else [])
    assert [kind for kind, _ in found.found[1:]] == (["beat"] if note else [])  # -B's schedule goes on


def test_a_removed_embedded_beat_gets_its_beat_process(proj: str) -> None:
    # The schedule lives in the Celery app (app.conf.beat_schedule), not in settings: -B was the only beat.
    found = background({"CELERY_BROKER_URL": "redis://h"}, [proj], existing={"worker": "celery -A proj worker -B"})
    assert found.found == [
        ("worker", "celery -A proj worker"),
        ("beat", f"celery -A proj beat --loglevel INFO --schedule {BEAT_FILE}"),
    ]


def test_the_projects_own_beat_line_is_kept(proj: str) -> None:
    values = {"CELERY_BROKER_URL": "redis://h", "CELERY_BEAT_SCHEDULE": {"x": {}}}
    beat = "celery -A proj beat --pidfile= -s /data/schedule"
    found = background(values, [proj], existing={"worker": "celery -A proj worker", "beat": beat}).found
    assert found == [("worker", "celery -A proj worker"), ("beat", beat)]


def test_custom_workers_are_numbered_past_the_names_taken() -> None:
    body = procfile_body(BY_NAME["heroku"], "p.wsgi.application", ["a", "b"], [("worker", "celery -A p worker")])
    assert body.splitlines()[2:] == ["worker: celery -A p worker", "worker2: a", "worker3: b"]


def manage(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = clean_environ(DJANGO_SECRET_KEY=SECRET, **env)
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=project, env=full, capture_output=True, text=True, timeout=120
    )


HINTS = {
    "heroku": "Heroku, worker: start it with `heroku ps:scale worker=1`.",
    "render": "Render, tasks: create a Background Worker service",
    "clevercloud": "Clever Cloud, worker: set CC_WORKER_COMMAND to `celery -A jobs worker --loglevel INFO`",
    "fly": "Fly.io, worker: list it under [processes] in fly.toml",
}


@pytest.mark.slow
@pytest.mark.parametrize("platform", [p for p in PLATFORM_ENVS if p != "local"])
def test_platform_procfile_writes_the_workers_the_settings_need(platform: str, tmp_path: Path) -> None:
    """Every platform profile: the Procfile's worker lines, or where the platform starts them."""
    profile = BY_NAME[platform]
    hint = HINTS.get(platform) or (f"{profile.label}, worker: " if profile.worker_hint else "")
    needs_tasks_db()
    project = tmp_path / "worker"
    shutil.copytree(WORKER_PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**PLATFORM_ENVS[platform], "REDIS_URL": "redis://127.0.0.1:6379/5"}
    done = manage(project, "platform_procfile", "--platform", platform, "--worker", "python sync.py", **env)
    assert done.returncode == 0, done.stderr
    assert hint in done.stdout if hint else ", worker:" not in done.stdout
    if BY_NAME[platform].procfile:
        lines = (project / "Procfile").read_text().splitlines()[1:-1]
        assert lines[-3:] == [
            "worker: celery -A jobs worker --loglevel INFO",
            f"tasks: {DB_WORKER}",
            "worker2: python sync.py",
        ]
        # The check reads the file back: up to date, and the worker found.
        check = manage(project, "check", "--deploy", "--tag", "platform", "--fail-level", "ERROR", **env)
        assert "W009" not in check.stderr + check.stdout and "W017" not in check.stderr + check.stdout
    # Without a celery.py: web and release still written, and what is missing said.
    (project / "jobs" / "celery.py").rename(project / "jobs" / "tasks_app.py")
    (project / "jobs" / "__init__.py").write_text("from jobs.tasks_app import app as celery_app\n")
    (project / "Procfile").unlink(missing_ok=True)  # its -A would name the app
    done = manage(project, "platform_procfile", "--platform", platform, **env)
    assert done.returncode == 0, done.stderr
    assert "No Celery app found in jobs/celery.py or jobs/celery_app.py" in done.stderr
    assert "--celery-app" in done.stderr
    if BY_NAME[platform].procfile:
        written = (project / "Procfile").read_text()
        assert "web: " in written and "celery" not in written


# --- checks ----------------------------------------------------------------------------------------


def found(check: Callable[..., list[CheckMessage]], platform: str = "heroku") -> list[str]:
    with judging(BY_NAME[platform]):
        return [f"{m.id}: {m.msg}" for m in check() if m.id != "django_platform.W020"]  # W020: its own test


def test_e018_broker_in_memory_or_on_disk() -> None:
    with override_settings(CELERY_BROKER_URL="memory://"):
        assert found(tasks.check_brokers) == [
            "django_platform.E018: CELERY_BROKER_URL uses memory://, which keeps tasks in this process's memory: "
            "on Heroku they are lost."
        ]
        assert found(tasks.check_brokers, "local") == []
    with override_settings(CELERY_BROKER_URL="filesystem://"):
        assert "instance's disk" in found(tasks.check_brokers)[0]
    with override_settings(CELERY_BROKER_URL="redis://h:6379"):
        assert found(tasks.check_brokers) == []


def test_w015_results_on_local_disk() -> None:
    for url in ("file:///app/results", "db+sqlite:///results.sqlite"):
        with override_settings(CELERY_RESULT_BACKEND=url):
            assert [m.split(":")[0] for m in found(tasks.check_brokers)] == ["django_platform.W015"], url
    with override_settings(CELERY_RESULT_BACKEND="redis://h"):
        assert found(tasks.check_brokers) == []


def test_w016_tasks_run_in_the_request_or_never() -> None:
    with override_settings(TASKS={"default": {"BACKEND": IMMEDIATE}}):
        assert found(tasks.check_brokers) == [
            "django_platform.W016: TASKS uses ImmediateBackend: on Heroku tasks run inside the request that "
            "enqueues them."
        ]
        assert found(tasks.check_brokers, "local") == []
    with override_settings(TASKS={"default": {"BACKEND": DUMMY}}):
        assert "never run" in found(tasks.check_brokers)[0]
    with override_settings(TASKS={"default": {"BACKEND": DB_BACKEND}}):
        assert found(tasks.check_brokers) == []


def test_w020_a_worker_saving_files_to_its_own_disk() -> None:
    memory = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    for queued in ({"CELERY_BROKER_URL": "redis://h"}, {"TASKS": {"default": {"BACKEND": DB_BACKEND}}}):
        with override_settings(**queued):
            with judging(BY_NAME["render"]):
                assert [m.msg for m in tasks.check_brokers()] == [
                    "Background tasks run in their own Render instances, and the default storage is that "
                    "instance's disk: files a task saves are invisible to the web process and lost at the next "
                    "restart."
                ]
            with override_settings(STORAGES={"default": memory, "staticfiles": static}), judging(BY_NAME["render"]):
                assert tasks.check_brokers() == []
    with override_settings(TASKS={"default": {"BACKEND": IMMEDIATE}}), judging(BY_NAME["render"]):
        assert [m.id for m in tasks.check_brokers()] == ["django_platform.W016"]  # no worker instance: no W020


def procfile(tmp_path: Path, text: str) -> Any:
    (tmp_path / "Procfile").write_text(text)
    return override_settings(BASE_DIR=tmp_path)


def test_w017_a_queue_with_no_worker_process(tmp_path: Path) -> None:
    web = "web: gunicorn p.wsgi\n"
    with override_settings(CELERY_BROKER_URL="amqp://h", TASKS={"default": {"BACKEND": DB_BACKEND}}):
        with procfile(tmp_path, web):
            assert found(tasks.check_processes) == [
                "django_platform.W017: Celery has a broker but the Procfile has no process running a Celery worker: "
                "queued tasks never run.",
                "django_platform.W017: TASKS uses django-tasks-db but the Procfile has no process running "
                "manage.py db_worker: queued tasks never run.",
            ]
            assert found(tasks.check_processes, "clevercloud") == []  # workers come from CC_WORKER_COMMAND
            assert found(tasks.check_processes, "local") == []
        with procfile(tmp_path, web + "jobs: celery -A p worker -l INFO\nq: python manage.py db_worker\n"):
            assert found(tasks.check_processes) == []


def test_e019_w018_one_scheduler(tmp_path: Path) -> None:
    two = "web: x\nbeat: celery -A p beat\nclock: celery --app p beat -l INFO\n"
    with procfile(tmp_path, two):
        assert found(tasks.check_processes) == [
            "django_platform.E019: The Procfile starts 2 Celery beat schedulers (beat, clock): every periodic task "
            "runs 2 times."
        ]
    with procfile(tmp_path, "web: x\nworker: celery -A p worker -B\n"):
        assert [m.split(":")[0] for m in found(tasks.check_processes)] == ["django_platform.W018"]
        assert found(tasks.check_processes, "heroku-ci") == []  # a single node
    with procfile(tmp_path, "web: x\nworker: celery -A p worker\nbeat: celery -A p beat\n"):
        assert found(tasks.check_processes) == []


def test_w009_knows_the_worker_lines_it_writes(tmp_path: Path, proj: str) -> None:
    heroku = BY_NAME["heroku"]
    auto = [("worker", "celery -A proj worker --loglevel INFO")]
    wsgi = "proj.wsgi.application"
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION=wsgi, CELERY_BROKER_URL="x"):
        good = procfile_body(heroku, wsgi, ["python sync.py"], auto)
        (tmp_path / "Procfile").write_text(block(good, "platform_procfile", "heroku"))
        assert [m for m in found(deployfiles.check_procfile) if "W009" in m] == []
        # Written before the project had Celery: the worker line is missing.
        (tmp_path / "Procfile").write_text(block(procfile_body(heroku, wsgi), "platform_procfile", "heroku"))
        assert [m for m in found(deployfiles.check_procfile) if "W009" in m] == [
            "django_platform.W009: Procfile is out of date for Heroku."
        ]
        # Written with --celery-app (no celery.py to find): the app named in the file is expected.
        (tmp_path / proj / "celery.py").unlink()
        importlib.invalidate_caches()
        named = procfile_body(heroku, wsgi, [], [("worker", "celery -A other.app worker --loglevel INFO")])
        (tmp_path / "Procfile").write_text(block(named, "platform_procfile", "heroku"))
        assert [m for m in found(deployfiles.check_procfile) if "W009" in m] == []
        # Neither: not judged (platform_procfile says what is missing when run).
        (tmp_path / "Procfile").write_text(block(procfile_body(heroku, wsgi), "platform_procfile", "heroku"))
        assert [m for m in found(deployfiles.check_procfile) if "W009" in m] == []


# --- the connection budget -------------------------------------------------------------------------


def judge(
    databases: dict[str, Any], env: dict[str, str], limit: int | None = 97, processes: dict[str, str] | None = None
) -> list[str]:
    processes = processes or {"web": "x", "worker": "celery -A p worker"}
    found = budget.check_budget(
        env, databases, workers=5, threads=4, processes=processes, celery=2, ask=lambda alias: limit
    )
    return [f"{m.id}: {m.msg}" for m in found]


def test_w019_with_the_plans_limit() -> None:
    env = {"DATABASE_MAX_CONNECTIONS": "20"}
    assert judge({"default": PG}, env, limit=None) == [
        "django_platform.W019: The 'default' database accepts 20 connections (DATABASE_MAX_CONNECTIONS); this "
        "deployment may open 22: web 5 worker(s) x 4 x 1 instance(s) = 20; worker 2 Celery child(ren)."
    ]
    assert judge({"default": PG}, {**env, "DJANGO_PLATFORM_WEB_INSTANCES": "2"}, limit=None)[0].count("= 40") == 1
    assert judge({"default": PG}, {}, limit=22) == []  # exactly at the limit
    assert "accepts 21 connections (the server's max_connections)" in judge({"default": PG}, {}, limit=21)[0]
    assert judge({"default": PG}, {}, limit=None) == []  # the server could not say


def test_pools_and_other_processes_count() -> None:
    pooled = {**PG, "OPTIONS": {"pool": {"min_size": 1, "max_size": 2}}}
    processes = {"web": "x", "release": "migrate", "beat": "celery -A p beat", "tasks": DB_WORKER}
    assert "= 10; beat 1; tasks 1" in judge({"default": pooled}, {}, limit=11, processes=processes)[0]
    default_pool = {**PG, "OPTIONS": {"pool": True}}
    assert "x 4 x" in judge({"default": default_pool}, {}, limit=1)[0]
    # django-db-connection-pool's backend (MariaDB, MySQL): its size and overflow, its defaults 10 + 10.
    mysql = {"ENGINE": "dj_db_conn_pool.backends.mysql", "NAME": "app"}
    assert "x 4 x" in judge({"default": {**mysql, "POOL_OPTIONS": {"POOL_SIZE": 4, "MAX_OVERFLOW": 0}}}, {}, limit=1)[0]
    assert "x 20 x" in judge({"default": {**mysql, "POOL_OPTIONS": {}}}, {}, limit=1)[0]
    assert "x 12 x" in judge({"default": {**mysql, "POOL_OPTIONS": {"MAX_OVERFLOW": 2}}}, {}, limit=1)[0]
    refused = {**mysql, "POOL_OPTIONS": {"POOL_SIZE": "many"}}  # the pool would not start: the threads count
    assert "x 4 x" in judge({"default": refused}, {}, limit=1)[0]
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PLATFORM_WEB_INSTANCES"):
        judge({"default": PG}, {"DJANGO_PLATFORM_WEB_INSTANCES": "0"})


def test_i002_pgbouncer_in_front() -> None:
    pooled_db = {**PG, "HOST": "pooler.example.com", "PORT": "5432"}
    env = {"DATABASE_CONNECTION_POOL_URL": "postgres://u:p@pooler.example.com:5432/d", "DATABASE_MAX_CONNECTIONS": "1"}
    assert judge({"default": pooled_db}, env) == [
        "django_platform.I002: The 'default' database is reached through PgBouncer (DATABASE_CONNECTION_POOL_URL): "
        "its server connections are pooled."
    ]
    for other in ("postgres://u:p@elsewhere:5432/d", "postgres://u:p@pooler.example.com:99999/d"):
        assert judge({"default": pooled_db}, {**env, "DATABASE_CONNECTION_POOL_URL": other})[0].startswith(
            "django_platform.W019"
        )


def test_i002_a_hosted_transaction_pooler_by_its_host() -> None:
    """Neon's pooled host and Supabase's pooler on 6543 serve thousands of clients: the server's
    limit is no budget there; their direct hosts (and Supabase's session mode on 5432) are judged."""
    neon = {**PG, "HOST": "ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech", "PORT": ""}
    supabase = {**PG, "HOST": "aws-0-eu-central-1.pooler.supabase.com", "PORT": 6543}
    env = {"DATABASE_MAX_CONNECTIONS": "1"}
    assert judge({"default": neon}, env) == [
        "django_platform.I002: The 'default' database is reached through Neon's transaction-mode pooler: its server "
        "connections are pooled."
    ]
    assert judge({"default": supabase}, env)[0].startswith("django_platform.I002: The 'default' database is reached ")
    direct = {**neon, "HOST": "ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech"}
    for judged in (direct, {**supabase, "PORT": 5432}):
        assert judge({"default": judged}, env)[0].startswith("django_platform.W019")


@pytest.mark.usefixtures("real_connections")
def test_budget_against_the_real_postgresql() -> None:
    from django.db.utils import ConnectionHandler

    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL is not listening on 127.0.0.1:5432")
    databases = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres", "USER": "postgres"}}
    databases["default"]["HOST"] = "127.0.0.1"
    reserved = int(query_one(databases, "SHOW superuser_reserved_connections"))
    limit = int(query_one(databases, "SHOW max_connections")) - reserved
    handler = ConnectionHandler(databases)
    assert budget.server_limit("default", handler) == limit

    def ask(alias: str) -> int | None:
        return budget.server_limit(alias, handler)

    over = budget.check_budget({}, databases, workers=limit + 1, threads=1, processes={}, celery=0, ask=ask)
    assert [m.id for m in over] == ["django_platform.W019"]
    assert f"accepts {limit} connections (the server's max_connections)" in over[0].msg
    assert budget.check_budget({}, databases, workers=limit, threads=1, processes={}, celery=0, ask=ask) == []
    # An unreachable server says nothing here (another check reports it).
    gone = {"default": {**databases["default"], "PORT": "1"}}
    assert budget.server_limit("default", ConnectionHandler(gone)) is None
    assert (
        budget.server_limit("default", ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3"}})) is None
    )


def test_platform_check_deploy_runs_the_budget(tmp_path: Path) -> None:
    report = Report("heroku", "test")
    report.environment = {"DATABASE_MAX_CONNECTIONS": "2", "WEB_CONCURRENCY": "3"}
    out = StringIO()
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path, DATABASES={"default": PG}):
        with pytest.raises(CommandError):
            call_command("platform_check", "--deploy", "--format", "json", stdout=out)
        findings = {f["id"]: f["message"] for f in json.loads(out.getvalue())["findings"]}
        assert "web 3 worker(s) x 8 x 1 instance(s) = 24" in findings["django_platform.W019"]
        out = StringIO()
        with pytest.raises(CommandError):
            call_command("platform_check", "--format", "json", stdout=out)
        assert "django_platform.W019" not in out.getvalue()  # only with --deploy: it asks the database
        out = StringIO()
        with override_settings(SILENCED_SYSTEM_CHECKS=["django_platform.W019"]), pytest.raises(CommandError):
            call_command("platform_check", "--deploy", "--format", "json", stdout=out)
        assert "django_platform.W019" not in out.getvalue()  # silenced like the others
        report.environment = {"DJANGO_PLATFORM_WEB_INSTANCES": "many-plantedpw"}
        with pytest.raises(CommandError, match="DJANGO_PLATFORM_WEB_INSTANCES must be a whole number") as caught:
            call_command("platform_check", "--deploy", stdout=StringIO())
        assert "plantedpw" not in str(caught.value) and caught.value.returncode == 2
        report.environment = {"GUNICORN_THREADS": "x"}
        with pytest.raises(CommandError):
            call_command("platform_check", "--deploy", "--format", "json", stdout=StringIO())


def test_platform_procfile_in_process_says_how_the_platform_starts_workers(tmp_path: Path, proj: str) -> None:
    out = StringIO()
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="proj.wsgi.application", CELERY_BROKER_URL="x"):
        call_command("platform_procfile", "--platform", "render", stdout=out, stderr=StringIO())
    assert "Render, worker: create a Background Worker service" in out.getvalue()
    assert "worker: celery -A proj worker --loglevel INFO" in (tmp_path / "Procfile").read_text()
    out = StringIO()
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="proj.wsgi.application", CELERY_BROKER_URL="x"):
        call_command("platform_procfile", "--platform", "heroku-ci", "--force", stdout=out, stderr=StringIO())
    assert "worker:" not in out.getvalue()  # Heroku CI runs tests, not workers: nothing to say


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    env=st.dictionaries(
        st.sampled_from([budget.LIMIT_VARIABLE, budget.INSTANCES_VARIABLE, budget.POOL_VARIABLE]),
        st.one_of(st.text(max_size=30), st.integers(-(10**25), 10**25).map(str), st.just("postgres://u:p@db:5432/x")),
    ),
    pool=st.one_of(st.none(), st.booleans(), st.fixed_dictionaries({"max_size": st.integers(0, 50)})),
)
def test_the_budget_takes_any_values(env: dict[str, str], pool: Any) -> None:
    """Whatever the variables hold: findings, or ImproperlyConfigured naming the variable and not
    quoting the value."""
    db = {**PG, "HOST": "db", "PORT": "5432", "OPTIONS": {} if pool is None else {"pool": pool}}
    planted = {name: value + "PLANTEDz" if value else value for name, value in env.items()}
    error = ""
    try:
        found = budget.check_budget(
            planted, {"default": db}, workers=3, threads=4, processes={"w": "celery worker"}, celery=3, ask=lambda a: 10
        )
    except ImproperlyConfigured as exc:
        error, found = str(exc), []
    assert "PLANTEDz" not in error and (not error or any(name in error for name in planted))
    assert all("PLANTEDz" not in m.msg for m in found)


@pytest.mark.slow
@pytest.mark.parametrize("platform", [p for p in LIFECYCLES if p != "local"])
def test_the_worker_project_builds_with_only_the_build_phase_variables(platform: str, tmp_path: Path) -> None:
    """The build runs collectstatic with what that phase has (a Docker build: nothing; Heroku's:
    the config vars without DYNO): Celery and Tasks settings import without a broker or worker."""
    needs_tasks_db()
    project = tmp_path / "worker"
    shutil.copytree(WORKER_PROJECT, project, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    config = {"DJANGO_SECRET_KEY": SECRET, "REDIS_URL": "redis://127.0.0.1:6379/5"}  # the user's config vars
    env = phase_env(LIFECYCLES[platform], "build", config, {})
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput"],
        cwd=project,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
