"""Celery's settings from the environment and each platform's broker add-ons, and a worker that
runs a task through them on the real RabbitMQ and Redis."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_platform
from django_platform.areas.celery import machine as REAL_MACHINE  # before the fixture patches it
from django_platform.report import Report
from tests.e2e_support import BIN
from tests.platform_envs import PLATFORM_ENVS, SECRET, clean_environ
from tests.services import port_open, unavailable

NO_LOSS = {
    "CELERY_TASK_ACKS_LATE": True,
    "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
    "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
    "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
    # From the machine pinned below: 2 x 2 CPUs + 1 = 5 children, 4 fit in 1 GB.
    "CELERY_WORKER_CONCURRENCY": 4,
}
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """The container's CPUs and memory, as the cgroup would say them (not this machine's)."""
    from django_platform.areas import celery as tasks

    monkeypatch.setattr(tasks, "machine", lambda: (2.0, 1024 * MB))


def configure(
    platform: str, tmp_path: Path, settings: dict[str, Any] | None = None, /, **env: str
) -> tuple[dict[str, Any], Report]:
    # A project that uses Celery has its settings under CELERY_ (the default here says so).
    own = {"CELERY_TIMEZONE": "UTC"} if settings is None else settings
    ns: dict[str, Any] = {"BASE_DIR": tmp_path, "DATABASES": {}, **own}
    base = {**PLATFORM_ENVS[platform], "DJANGO_SECRET_KEY": SECRET} if platform != "local" else {}
    return ns, django_platform.configure(ns, env={**base, **env})


def celery(ns: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ns.items() if k.startswith("CELERY_") and k != "CELERY_TIMEZONE"}


def test_heroku_cloudamqp_is_the_broker_with_no_task_lost(tmp_path: Path) -> None:
    url = "amqps://user:plantedpw@rattlesnake.rmq.cloudamqp.com/vhost"
    ns, report = configure("heroku", tmp_path, CLOUDAMQP_URL=url, REDIS_URL="redis://h:6379")
    assert celery(ns) == {"CELERY_BROKER_URL": url, **NO_LOSS}  # results: only when asked for
    shown = json.dumps(report.as_dict())
    assert "plantedpw" not in shown and "CLOUDAMQP_URL" in shown


def test_heroku_redis_with_its_self_signed_certificate(tmp_path: Path) -> None:
    url = "rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    ns, _ = configure("heroku", tmp_path, REDIS_URL=url)
    relaxed = {"ssl_cert_reqs": ssl.CERT_NONE}
    assert celery(ns) == {
        "CELERY_BROKER_URL": url,
        "CELERY_BROKER_USE_SSL": relaxed,
        "CELERY_RESULT_BACKEND": url,
        "CELERY_REDIS_BACKEND_USE_SSL": relaxed,
        **NO_LOSS,
    }


def test_valkey_urls_reach_celery_as_redis_urls_with_tls_as_for_redis(tmp_path: Path) -> None:
    """kombu has no valkey transport: the Redis one reads a Valkey server, and Heroku's
    self-signed certificate is relaxed as for rediss://; the password stays masked."""
    ns, report = configure(
        "heroku", tmp_path, REDIS_URL="valkeys://:plantedpw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    )
    relaxed = {"ssl_cert_reqs": ssl.CERT_NONE}
    url = "rediss://:plantedpw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    assert celery(ns) == {
        "CELERY_BROKER_URL": url,
        "CELERY_BROKER_USE_SSL": relaxed,
        "CELERY_RESULT_BACKEND": url,
        "CELERY_REDIS_BACKEND_USE_SSL": relaxed,
        **NO_LOSS,
    }
    shown = json.dumps(report.as_dict())
    assert "plantedpw" not in shown and "names a Valkey server" in shown
    ns, _ = configure(
        "render", tmp_path, CELERY_BROKER_URL="valkey://red-abc:6379/0", CELERY_RESULT_BACKEND="VALKEY://r:1/2"
    )
    assert (ns["CELERY_BROKER_URL"], ns["CELERY_RESULT_BACKEND"]) == ("redis://red-abc:6379/0", "redis://r:1/2")
    with pytest.raises(ImproperlyConfigured, match=r"^CELERY_BROKER_URL names no host"):
        configure("render", tmp_path, CELERY_BROKER_URL="valkey:///0")


def test_a_broker_settings_py_reads_from_its_own_variable_is_kept(tmp_path: Path) -> None:
    """settings.py's `CELERY_BROKER_URL = os.environ["UPSTASH_URL"]` beside Heroku Redis (the cache's):
    kept over REDIS_URL, with the provider's certificate verified; a second Heroku Redis's
    (HEROKU_REDIS_<COLOR>_URL) self-signed certificate relaxed, as REDIS_URL's."""
    upstash = "rediss://default:plantedpw@eu1-able.upstash.io:6379"
    ns, report = configure(
        "heroku", tmp_path, {"CELERY_BROKER_URL": upstash}, REDIS_URL="rediss://:pw@ec2:6380", UPSTASH_URL=upstash
    )
    assert celery(ns) == {"CELERY_BROKER_URL": upstash, "CELERY_RESULT_BACKEND": upstash, **NO_LOSS}
    entry = report.get("CELERY_BROKER_URL")
    assert entry is not None and entry.origin.text == "settings.py (UPSTASH_URL)"
    assert "plantedpw" not in json.dumps(report.as_dict()) and not report.notes
    maroon = "valkeys://:pw@ec3:6380"
    ns, _ = configure(
        "heroku", tmp_path, {"CELERY_BROKER_URL": maroon}, REDIS_URL=upstash, HEROKU_REDIS_MAROON_URL=maroon
    )
    assert ns["CELERY_BROKER_URL"] == "rediss://:pw@ec3:6380"  # valkeys:// as Celery reads it
    assert ns["CELERY_BROKER_USE_SSL"] == ns["CELERY_REDIS_BACKEND_USE_SSL"] == {"ssl_cert_reqs": ssl.CERT_NONE}
    # A transport django-platform does not parse (kombu's SQLAlchemy one) is kept as settings.py has it.
    sqla = "sqla+postgresql://u:pw@db/broker"
    ns, _ = configure("heroku", tmp_path, {"CELERY_BROKER_URL": sqla}, REDIS_URL=upstash, BROKER_DB=sqla)
    assert ns["CELERY_BROKER_URL"] == sqla and "CELERY_RESULT_BACKEND" not in ns


def test_the_platforms_broker_replacing_settings_pys_is_said(tmp_path: Path) -> None:
    own = {"CELERY_BROKER_URL": "redis://:plantedpw@localhost:6379/0"}
    ns, report = configure("heroku", tmp_path, own, REDIS_URL="redis://h:6379")
    assert ns["CELERY_BROKER_URL"] == "redis://h:6379"
    assert report.notes == [
        "settings.py's CELERY_BROKER_URL (at localhost:6379) replaced by REDIS_URL, the platform's: set "
        "CELERY_BROKER_URL in the environment, or read another variable in settings.py, to keep another."
    ]
    # The same URL, or the environment's CELERY_BROKER_URL: nothing to say.
    assert not configure("heroku", tmp_path, {"CELERY_BROKER_URL": "redis://h:6379"}, REDIS_URL="redis://h:6379")[
        1
    ].notes
    ns, report = configure("heroku", tmp_path, own, REDIS_URL="redis://h:6379", CELERY_BROKER_URL="redis://b:1")
    assert ns["CELERY_BROKER_URL"] == "redis://b:1" and not report.notes


def test_verified_tls_elsewhere(tmp_path: Path) -> None:
    ns, _ = configure("render", tmp_path, REDIS_URL="rediss://:pw@red-abc:6379")
    assert "CELERY_BROKER_USE_SSL" not in ns and ns["CELERY_BROKER_URL"] == "rediss://:pw@red-abc:6379"


@pytest.mark.parametrize(
    ("platform", "env", "broker"),
    [
        ("scalingo", {"SCALINGO_REDIS_URL": "redis://u:p@db.scalingo.com:3000"}, "redis://u:p@db.scalingo.com:3000"),
        (
            "clevercloud",
            {"REDIS_HOST": "bx.redis.clvrcld.net", "REDIS_PORT": "4012", "REDIS_PASSWORD": "p#w"},
            "redis://:p%23w@bx.redis.clvrcld.net:4012/0",
        ),
        (
            "railway",
            {"RABBITMQ_URL": "amqp://u:p@rabbitmq.railway.internal:5672"},
            "amqp://u:p@rabbitmq.railway.internal:5672",
        ),
        ("qoddi", {"REDIS_URL": "redis://redis-1.qoddi.net:6379"}, "redis://redis-1.qoddi.net:6379"),
    ],
)
def test_each_platforms_broker_variables(platform: str, env: dict[str, str], broker: str, tmp_path: Path) -> None:
    ns, _ = configure(platform, tmp_path, **env)
    assert ns["CELERY_BROKER_URL"] == broker


def test_upsun_rabbitmq_relationship(tmp_path: Path) -> None:
    relationships = {
        "queue": [{"scheme": "amqp", "host": "rabbitmq.internal", "port": 5672, "username": "guest", "password": "g/u"}]
    }
    encoded = base64.b64encode(json.dumps(relationships).encode()).decode()
    ns, report = configure("upsun", tmp_path, PLATFORM_RELATIONSHIPS=encoded, PLATFORM_PROJECT_ENTROPY="e" * 56)
    assert ns["CELERY_BROKER_URL"] == "amqp://guest:g%2Fu@rabbitmq.internal:5672/"
    entry = next(e for e in report.entries if e.setting == "CELERY_BROKER_URL")
    assert entry.source == "PLATFORM_RELATIONSHIPS queue" and "g%2Fu" not in json.dumps(entry.as_dict())


def test_cloudcontrol_cloudamqp_in_the_credentials_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    url = "amqp://u:secretpw@lemur.cloudamqp.com/u"
    creds.write_text(json.dumps({"CLOUDAMQP": {"CLOUDAMQP_URL": url}}))
    ns, report = configure("cloudcontrol", tmp_path, CRED_FILE=str(creds))
    assert ns["CELERY_BROKER_URL"] == url
    assert "secretpw" not in json.dumps(report.as_dict())


def test_precedence_environment_then_platform_then_settings(tmp_path: Path) -> None:
    own = {"CELERY_BROKER_URL": "redis://localhost:6379/0", "CELERY_TASK_ACKS_LATE": False}
    ns, _ = configure("render", tmp_path, own, CELERY_BROKER_URL="amqp://a:b@mq:5672//", REDIS_URL="redis://r:6379")
    assert ns["CELERY_BROKER_URL"] == "amqp://a:b@mq:5672//"
    assert ns["CELERY_TASK_ACKS_LATE"] is False  # settings.py's choice is kept
    ns, _ = configure("render", tmp_path, own, REDIS_URL="redis://r:6379")
    assert ns["CELERY_BROKER_URL"] == "redis://r:6379"
    ns, _ = configure("render", tmp_path, own)
    assert ns["CELERY_BROKER_URL"] == "redis://localhost:6379/0"
    assert "CELERY_RESULT_BACKEND" in ns  # the broker's Redis


def test_a_cache_url_that_is_no_broker_url_is_noted_not_fatal(tmp_path: Path) -> None:
    ns, report = configure("render", tmp_path, REDIS_URL="unix:///run/redis.sock")
    assert "CELERY_BROKER_URL" not in ns and ns["CACHES"]["default"]["LOCATION"] == "unix:///run/redis.sock"
    assert "REDIS_URL is not a broker URL Celery reads: CELERY_BROKER_URL is not set from it." in report.notes


def test_local_development_gets_no_platform_defaults(tmp_path: Path) -> None:
    ns, _ = configure("local", tmp_path, {"CELERY_TASK_ALWAYS_EAGER": True})
    assert celery(ns) == {"CELERY_TASK_ALWAYS_EAGER": True}


def test_a_platform_with_celery_and_no_broker_says_so(tmp_path: Path) -> None:
    _, report = configure("render", tmp_path)
    assert any("Celery settings but no broker" in n for n in report.notes)


def test_nothing_for_a_project_without_celery_settings(tmp_path: Path) -> None:
    ns, report = configure("heroku", tmp_path, {}, CLOUDAMQP_URL="amqp://u:p@h/v", REDIS_URL="redis://h:6379")
    assert celery(ns) == {} and not any("Celery" in n for n in report.notes)
    ns, _ = configure("heroku", tmp_path, {}, CELERY_BROKER_URL="amqp://u:p@h/v")  # the variable says so
    assert ns["CELERY_BROKER_URL"] == "amqp://u:p@h/v"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CELERY_BROKER_URL": "http://u:plantedpw@h"}, "CELERY_BROKER_URL must start with one of"),
        ({"CELERY_BROKER_URL": "amqp://u:plantedpw@"}, "CELERY_BROKER_URL names no host"),
        ({"CELERY_RESULT_BACKEND": "redis://:plantedpw@h:port"}, "CELERY_RESULT_BACKEND"),
    ],
)
def test_bad_urls_are_named_without_their_secrets(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as info:
        configure("heroku", tmp_path, **env)
    assert "plantedpw" not in str(info.value) and info.value.__cause__ is None


WORKER_APP = """
from celery import Celery

import worker_settings

app = Celery("notes")
app.config_from_object(worker_settings, namespace="CELERY")


@app.task(name="summary")
def summary(text):
    return text.split(".")[0]
"""


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["rabbitmq", "redis", "valkey"])
@pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")  # Celery's own Redis backend
def test_a_worker_runs_a_task_through_the_configured_broker(transport: str, tmp_path: Path) -> None:
    """The settings configure() made, given to Celery as a Django project gives them
    (config_from_object with the CELERY namespace); a `celery worker` process runs a task sent
    from this one, and its result comes back."""
    for port, name in ((5672, "RabbitMQ"), (6379, "Redis")):
        if not port_open("127.0.0.1", port):
            unavailable(f"{name} is not listening on 127.0.0.1:{port}")
    queue = f"notes-{transport}-{uuid.uuid4().hex[:8]}"
    # Valkey's URL, served here by the Redis on loopback: the same protocol.
    env = {"REDIS_URL": f"{'valkey' if transport == 'valkey' else 'redis'}://127.0.0.1:6379/9"}
    if transport == "rabbitmq":
        env.update(CLOUDAMQP_URL="amqp://guest:guest@127.0.0.1:5672//", CELERY_RESULT_BACKEND=env["REDIS_URL"])
    ns, _ = configure("heroku", tmp_path, **env)
    values = {**celery(ns), "CELERY_TASK_DEFAULT_QUEUE": queue}
    (tmp_path / "worker_settings.py").write_text("".join(f"{k} = {v!r}\n" for k, v in values.items()))
    (tmp_path / "notes_tasks.py").write_text(WORKER_APP)
    sys.path.insert(0, str(tmp_path))
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "notes_tasks", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=tmp_path,
        env=clean_environ(PYTHONPATH=str(tmp_path)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        from notes_tasks import app, summary  # type: ignore[import-not-found]

        assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1
        assert summary.delay("A note. With more.").get(timeout=30) == "A note"
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("notes_tasks", "worker_settings"):
            sys.modules.pop(name, None)
        worker.terminate()
        worker.wait(30)
        log.close()
    assert "summary" in (tmp_path / "worker.log").read_text()


def upsun(relationships: dict[str, Any], tmp_path: Path) -> tuple[dict[str, Any], Report]:
    encoded = base64.b64encode(json.dumps(relationships).encode()).decode()
    return configure("upsun", tmp_path, None, PLATFORM_RELATIONSHIPS=encoded, PLATFORM_PROJECT_ENTROPY="e" * 56)


def test_upsun_redis_relationship_after_the_database(tmp_path: Path) -> None:
    database = {"scheme": "pgsql", "host": "postgresql.internal", "port": 5432, "path": "main", "username": "main"}
    ns, _ = upsun({"database": [database], "cache": [{"scheme": "redis", "host": "redis.internal"}]}, tmp_path)
    assert ns["CELERY_BROKER_URL"] == "redis://redis.internal/"
    assert ns["CELERY_RESULT_BACKEND"] == "redis://redis.internal/"


def test_upsun_broker_relationship_without_a_host(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="PLATFORM_RELATIONSHIPS: 'queue' has no host"):
        upsun({"queue": [{"scheme": "amqp", "password": "plantedpw"}]}, tmp_path)


def test_settings_py_keeps_its_result_backend_and_tls_options(tmp_path: Path) -> None:
    own = {
        "CELERY_RESULT_BACKEND": "django-db",
        "CELERY_BROKER_USE_SSL": {"ssl_cert_reqs": ssl.CERT_REQUIRED},
        "CELERY_REDIS_BACKEND_USE_SSL": {"ssl_cert_reqs": ssl.CERT_REQUIRED},
    }
    ns, _ = configure("heroku", tmp_path, own, REDIS_URL="rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190")
    assert ns["CELERY_RESULT_BACKEND"] == "django-db"
    assert ns["CELERY_BROKER_USE_SSL"] == {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    own["CELERY_RESULT_BACKEND"] = "rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    ns, _ = configure("heroku", tmp_path, own, CLOUDAMQP_URL="amqps://u:p@mq.cloudamqp.com/v")
    assert ns["CELERY_REDIS_BACKEND_USE_SSL"] == {"ssl_cert_reqs": ssl.CERT_REQUIRED}


@pytest.mark.parametrize("platform", ["clevercloud", "upsun"])
def test_no_broker_add_on_on_platforms_with_their_own_stores(platform: str, tmp_path: Path) -> None:
    if platform == "upsun":
        database = {"scheme": "pgsql", "host": "pg.internal", "port": 5432, "path": "main", "username": "main"}
        ns, report = upsun({"database": [database]}, tmp_path)
    else:
        ns, report = configure(platform, tmp_path)
    assert "CELERY_BROKER_URL" not in ns
    assert any("Celery settings but no broker" in n for n in report.notes)


@pytest.mark.parametrize(
    ("machine", "env", "expected"),
    [
        # Heroku's 512 MB dyno shows 8 CPUs: Celery's own default (8 children) exceeds its memory.
        ((8.0, 512 * MB), {}, 2),
        ((1.5, 4096 * MB), {}, 5),
        ((4.0, None), {}, 9),
        ((1.0, None), {}, 3),
        ((0.5, 100 * MB), {}, 1),
        ((4.0, None), {"CELERY_WORKER_CONCURRENCY": "7"}, 7),
    ],
)
def test_worker_concurrency_from_the_container(
    machine: tuple[float, int | None],
    env: dict[str, str],
    expected: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django_platform.areas import celery as tasks

    monkeypatch.setattr(tasks, "machine", lambda: machine)
    ns, report = configure("heroku", tmp_path, REDIS_URL="redis://h:6379", **env)
    assert ns["CELERY_WORKER_CONCURRENCY"] == expected
    assert "CELERY_WORKER_CONCURRENCY" in json.dumps(report.as_dict())


def test_worker_concurrency_from_scalingo_container_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.areas import celery as tasks

    monkeypatch.setattr(tasks, "machine", lambda: (8.0, None))
    ns, _ = configure("scalingo", tmp_path, SCALINGO_REDIS_URL="redis://h:6379", CONTAINER_MEMORY=str(512 * MB))
    assert ns["CELERY_WORKER_CONCURRENCY"] == 2


def test_worker_concurrency_from_herokus_dyno_ram_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A dyno shows the host's 8 CPUs and no cgroup memory limit: the buildpack's DYNO_RAM caps it.
    from django_platform.areas import celery as tasks

    monkeypatch.setattr(tasks, "machine", lambda: (8.0, None))
    ns, report = configure("heroku", tmp_path, REDIS_URL="redis://h:6379", DYNO_RAM="512")
    assert ns["CELERY_WORKER_CONCURRENCY"] == 2
    assert report.source("CELERY_WORKER_CONCURRENCY") == "2 x 8 CPU(s) + 1, at most one per 256 MB of 512 MB (DYNO_RAM)"
    ns, report = configure("heroku", tmp_path, REDIS_URL="redis://h:6379")
    assert ns["CELERY_WORKER_CONCURRENCY"] == 17
    assert report.source("CELERY_WORKER_CONCURRENCY") == "2 x 8 CPU(s) + 1"


def test_worker_concurrency_kept_from_settings_and_checked(tmp_path: Path) -> None:
    ns, _ = configure("heroku", tmp_path, {"CELERY_WORKER_CONCURRENCY": 3}, REDIS_URL="redis://h:6379")
    assert ns["CELERY_WORKER_CONCURRENCY"] == 3
    with pytest.raises(ImproperlyConfigured, match="CELERY_WORKER_CONCURRENCY") as caught:
        configure("heroku", tmp_path, REDIS_URL="redis://h:6379", CELERY_WORKER_CONCURRENCY="many-plantedpw")
    assert "plantedpw" not in str(caught.value)


def test_the_machine_is_read_from_the_cgroup() -> None:
    from django_platform.machine import cpu_limit, memory_limit

    assert REAL_MACHINE() == (cpu_limit(), memory_limit())
