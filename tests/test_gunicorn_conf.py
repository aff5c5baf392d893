from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from gunicorn import version_info as gunicorn_version_info

from django_platform.deploy.gunicorn import (
    ACCESS_LOG_FORMAT,
    FAIR_GUNICORN,
    FAIR_WORKER,
    apply,
    bind_addresses,
    on_starting,
    post_fork,
    settings,
    worker_count,
)
from django_platform.deploy.gunicorn_file import config_filename, gunicorn_body
from django_platform.deploy.procfile import procfile_body, wsgi_target
from django_platform.machine import MB, cpu_limit, memory_limit
from django_platform.platforms import BY_NAME, PLATFORMS

# The default worker under the gunicorn installed here (tox runs gunicorn 23 and 26 too).
FAIR_HERE = gunicorn_version_info[0] == FAIR_GUNICORN
DEFAULT_WORKER = FAIR_WORKER if FAIR_HERE else "gthread"
DEFAULT_WHY = (
    "gthread that accepts only with an idle thread"
    if FAIR_HERE
    else f"stock gthread: the fair worker is tested on gunicorn {FAIR_GUNICORN} only"
)


def cgroup(tmp_path: Path, cpu: str | None = None, memory: str | None = None) -> Path:
    if cpu is not None:
        (tmp_path / "cpu.max").write_text(cpu + "\n")
    if memory is not None:
        (tmp_path / "memory.max").write_text(memory + "\n")
    return tmp_path


def test_quota_of_one_and_a_half_cpus_on_a_64_core_host(tmp_path: Path) -> None:
    cpus = cpu_limit(cgroup(tmp_path, cpu="150000 100000"), affinity=64)
    assert cpus == 1.5
    assert worker_count({}, cpus=cpus, memory=None) == 3  # ceil(1.5) + 1, not 65


def test_memory_limit_of_512_mb_caps_workers(tmp_path: Path) -> None:
    root = cgroup(tmp_path, cpu="max 100000", memory=str(512 * MB))
    assert memory_limit(root) == 512 * MB
    assert worker_count({}, cpus=cpu_limit(root, affinity=8), memory=memory_limit(root)) == 2


def test_no_limits(tmp_path: Path) -> None:
    root = cgroup(tmp_path, cpu="max 100000", memory="max")
    assert cpu_limit(root, affinity=4) == 4
    assert memory_limit(root) is None
    assert memory_limit(tmp_path / "absent") is None
    assert cpu_limit(tmp_path / "absent", affinity=2) == 2
    assert worker_count({}, cpus=4, memory=None) == 5


def test_cgroup_v1_memory_and_garbage(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text(str(1 << 62))  # v1's "unlimited"
    assert memory_limit(tmp_path) is None
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text(str(1024 * MB))
    assert memory_limit(tmp_path) == 1024 * MB
    assert cpu_limit(cgroup(tmp_path, cpu="garbage"), affinity=3) == 3


def test_web_concurrency_and_cloudcontrol_size() -> None:
    assert worker_count({"WEB_CONCURRENCY": "7"}, cpus=64, memory=256 * MB) == 7
    cloudcontrol = BY_NAME["cloudcontrol"]
    assert worker_count({"SIZE": "4"}, cpus=8, memory=None, platform=cloudcontrol) == 2  # 4 x 128 MB = 512 MB
    # SIZE means nothing elsewhere (SIZE=large on Render must not stop gunicorn).
    assert worker_count({"SIZE": "large"}, cpus=8, memory=None, platform=BY_NAME["render"]) == 9
    assert worker_count({}, cpus=8, memory=100 * MB) == 1
    with pytest.raises(ImproperlyConfigured, match=r"^WEB_CONCURRENCY must be at least 1"):
        worker_count({"WEB_CONCURRENCY": "0"}, cpus=1, memory=None)


def test_bind() -> None:
    assert bind_addresses("5000", ipv6=False, v6only=False) == ["0.0.0.0:5000"]
    assert bind_addresses("5000", ipv6=True, v6only=False) == ["[::]:5000"]
    assert bind_addresses("5000", ipv6=True, v6only=True) == ["[::]:5000", "0.0.0.0:5000"]


def test_settings_for_heroku() -> None:
    values = settings({"PORT": "5000"}, BY_NAME["heroku"], cpus=2, memory=512 * MB)
    assert values["bind"] == ["0.0.0.0:5000"]
    assert values["workers"] == 2
    assert (values["worker_class"], values["threads"]) == (DEFAULT_WORKER, 8)
    assert values["graceful_timeout"] == 29  # inside Heroku's 30 s before SIGKILL
    assert values["timeout"] == 29
    assert values["keepalive"] == 95  # above the router's 90 s idle keep-alive
    assert (values["max_requests"], values["max_requests_jitter"]) == (10000, 1000)
    assert values["access_log_format"] == ACCESS_LOG_FORMAT and "x-request-id" in ACCESS_LOG_FORMAT
    assert values["accesslog"] == "-"
    assert values["forwarded_allow_ips"] == "*"
    assert values["control_socket_disable"] is True
    assert values["preload_app"] is True
    assert values["post_fork"] is post_fork
    assert "on_starting" not in values


def test_settings_for_fly_drain_on_sigint_inside_five_seconds() -> None:
    values = settings({}, BY_NAME["fly"], cpus=1, memory=None)
    assert values["graceful_timeout"] == 4
    assert values["on_starting"] is on_starting

    class Arbiter:
        def handle_term(self) -> None: ...

    arbiter = Arbiter()
    on_starting(arbiter)
    assert arbiter.handle_int == arbiter.handle_term  # type: ignore[attr-defined]


def test_every_value_has_an_env_override() -> None:
    env = {
        "PORT": "9000",
        "WEB_CONCURRENCY": "3",
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_THREADS": "1",
        "GUNICORN_TIMEOUT": "60",
        "GUNICORN_GRACEFUL_TIMEOUT": "20",
        "GUNICORN_KEEPALIVE": "5",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_LOGLEVEL": "warning",
        "GUNICORN_FORWARDED_ALLOW_IPS": "10.0.0.1",
        "GUNICORN_PRELOAD": "false",
    }
    values = settings(env, BY_NAME["local"], cpus=8, memory=None)
    assert {
        k: values[k]
        for k in (
            "bind",
            "workers",
            "worker_class",
            "threads",
            "timeout",
            "graceful_timeout",
            "keepalive",
            "max_requests",
            "max_requests_jitter",
            "loglevel",
            "forwarded_allow_ips",
            "preload_app",
        )
    } == {
        "bind": ["0.0.0.0:9000"],
        "workers": 3,
        "worker_class": "sync",
        "threads": 1,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        "max_requests": 0,
        "max_requests_jitter": 0,
        "loglevel": "warning",
        "forwarded_allow_ips": "10.0.0.1",
        "preload_app": False,
    }


def test_debug_log_level_is_refused_because_it_prints_secrets() -> None:
    for level in ("debug", "verbose"):
        with pytest.raises(
            ImproperlyConfigured,
            match=r"^GUNICORN_LOGLEVEL must be one of info, warning, error, critical \(debug is refused",
        ):
            settings({"GUNICORN_LOGLEVEL": level}, BY_NAME["local"], cpus=1, memory=None)
    assert settings({"GUNICORN_LOGLEVEL": "WARNING"}, BY_NAME["local"], cpus=1, memory=None)["loglevel"] == "warning"


def test_values_are_taken_literally() -> None:
    def one(name: str, env: dict[str, str]) -> object:
        return settings(env, BY_NAME["heroku"], cpus=1, memory=None)[name]

    assert one("keepalive", {"GUNICORN_KEEPALIVE": "0"}) == 0  # 0 is off, not "unset"
    assert one("keepalive", {}) == 95
    assert one("worker_class", {"GUNICORN_WORKER_CLASS": "GThread"}) == "gthread"  # gunicorn wants lower case
    assert (
        one("worker_class", {"GUNICORN_WORKER_CLASS": "uvicorn.workers.UvicornWorker"})
        == "uvicorn.workers.UvicornWorker"
    )
    with pytest.raises(ImproperlyConfigured, match=r"^GUNICORN_WORKER_CLASS must be one of .*gevent, .*, or a dotted"):
        one("worker_class", {"GUNICORN_WORKER_CLASS": "threads"})
    assert one("bind", {"PORT": " 5000 "}) == ["0.0.0.0:5000"]
    for port in ("abc", "99999", "0", "unix:/tmp/s"):
        with pytest.raises(ImproperlyConfigured, match=r"^PORT must be"):
            one("bind", {"PORT": port})


def test_apply_prefers_django_platform_from_env() -> None:
    namespace: dict[str, object] = {}
    apply(namespace, platform="heroku", env={"DJANGO_PLATFORM": "fly"})
    assert "on_starting" in namespace
    namespace = {}
    apply(namespace, platform="heroku", env={"DYNO": "web.1"})
    assert namespace["keepalive"] == 95  # Heroku's router: 90 s idle


def test_a_recorded_platform_that_is_not_here_gives_way_to_detection() -> None:
    # The committed config of a Heroku app, served on a laptop: local settings, not Heroku's.
    namespace: dict[str, object] = {}
    apply(namespace, platform="heroku", env={})
    assert namespace["keepalive"] == 75
    assert namespace["forwarded_allow_ips"] == "127.0.0.1,::1"
    # Written for Heroku, running on Render (its markers): Render's router.
    namespace = {}
    apply(namespace, platform="heroku", env={"RENDER": "true", "RENDER_SERVICE_ID": "srv"})
    assert namespace["forwarded_allow_ips"] == "*"
    # Qoddi sets no marker: the platform in the file is all there is to go by.
    namespace = {}
    apply(namespace, platform="qoddi", env={})
    assert namespace["forwarded_allow_ips"] == "*"


def test_post_fork_closes_inherited_connections(
    django_db_blocker: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import django.db
    from django.db.utils import ConnectionHandler

    # A file database: Django never closes in-memory SQLite connections.
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "db"}})
    monkeypatch.setattr(django.db, "connections", handler)
    with django_db_blocker.unblock():
        handler["default"].ensure_connection()
        assert handler["default"].connection is not None
        post_fork(None, None)
        assert handler["default"].connection is None


def test_rendering() -> None:
    assert wsgi_target("proj.wsgi.application") == "proj.wsgi"
    assert wsgi_target("proj.wsgi.app") == "proj.wsgi:app"
    with pytest.raises(ImproperlyConfigured):
        wsgi_target("application")
    assert procfile_body(BY_NAME["render"], "p.wsgi.application") == "web: gunicorn p.wsgi"
    assert procfile_body(BY_NAME["dokku"], "p.wsgi.application", ["celery -A p worker", "python x.py"]) == (
        "web: gunicorn p.wsgi\nrelease: python manage.py platform_migrate\n"
        "worker: celery -A p worker\nworker2: python x.py"
    )
    assert procfile_body(BY_NAME["cloudcontrol"], "p.wsgi.application") == (
        "web: gunicorn p.wsgi --config gunicorn_config.py -b 0.0.0.0:$PORT\nmanage: python manage.py"
    )
    with pytest.raises(ImproperlyConfigured, match="one-line command"):
        procfile_body(BY_NAME["render"], "p.wsgi.application", ["a\nb"])


@pytest.mark.slow
@pytest.mark.parametrize("platform", [p.name for p in PLATFORMS])
def test_every_generated_config_passes_gunicorn_check_config(platform: str, tmp_path: Path) -> None:
    profile = BY_NAME[platform]
    config = tmp_path / config_filename(profile)
    config.write_text(gunicorn_body(profile) + "\n")
    env = {"PATH": "/usr/bin:/bin", "PORT": "5000", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--config", str(config), "tests.wsgi_app:application"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "-"),
        ("off", None),
        ("none", None),
        ("no", None),
        ("FALSE", None),
        ("0", None),
        ("/srv/a.log", "/srv/a.log"),
    ],
)
def test_access_log_can_be_turned_off(value: str, expected: str | None) -> None:
    assert settings({"GUNICORN_ACCESSLOG": value}, BY_NAME["heroku"], cpus=1, memory=None)["accesslog"] == expected


def test_explain_says_where_the_worker_count_comes_from() -> None:
    from django_platform.deploy.gunicorn import explain

    scalingo = BY_NAME["scalingo"]
    rows = {name: (value, why) for name, value, why in explain({}, scalingo, cpus=8, memory=512 * 1024 * 1024)}
    assert rows["workers"] == (2, "8 CPU(s) + 1, at most one per 256 MB of 512 MB (the container's memory limit)")
    rows = {n: (v, w) for n, v, w in explain({"CONTAINER_MEMORY": "1073741824"}, scalingo, cpus=8, memory=None)}
    assert rows["workers"] == (4, "8 CPU(s) + 1, at most one per 256 MB of 1024 MB (CONTAINER_MEMORY)")
    rows = {n: (v, w) for n, v, w in explain({"DYNO_RAM": "1024"}, BY_NAME["heroku"], cpus=8, memory=None)}
    assert rows["workers"] == (4, "8 CPU(s) + 1, at most one per 256 MB of 1024 MB (DYNO_RAM)")
    rows = {n: (v, w) for n, v, w in explain({"DYNO_RAM": "1024"}, BY_NAME["render"], cpus=8, memory=None)}
    assert rows["workers"] == (9, "8 CPU(s) + 1")  # DYNO_RAM is Heroku's buildpack's
    rows = {n: (v, w) for n, v, w in explain({"GUNICORN_THREADS": "12"}, scalingo, cpus=1, memory=None)}
    assert rows["workers"] == (2, "1 CPU(s) + 1")
    assert rows["threads"] == (12, "GUNICORN_THREADS")
    assert rows["worker_class"][1] == DEFAULT_WHY


def test_the_sync_worker_gets_one_thread_unless_asked() -> None:
    # gunicorn turns "sync" with threads > 1 into gthread without a word: choosing the sync worker
    # (docs/performance.md: for an app whose views never wait) must give the sync worker.
    from django_platform.deploy.gunicorn import explain

    heroku = BY_NAME["heroku"]
    for chosen in ("sync", "SYNC", "gunicorn.workers.sync.SyncWorker", "myapp.workers.QuietSyncWorker"):
        rows = {n: (v, w) for n, v, w in explain({"GUNICORN_WORKER_CLASS": chosen}, heroku, cpus=1, memory=None)}
        assert rows["threads"] == (1, "the sync worker serves one request at a time")
    asked = {"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_THREADS": "4"}
    assert settings(asked, heroku, cpus=1, memory=None)["threads"] == 4  # the user's word, gthread and all
    rows = {n: (v, w) for n, v, w in explain(asked, heroku, cpus=1, memory=None)}
    assert rows["worker_class"] == ("sync", "GUNICORN_WORKER_CLASS (with 4 threads gunicorn runs gthread instead)")
    one = {n: w for n, _, w in explain({**asked, "GUNICORN_THREADS": "1"}, heroku, cpus=1, memory=None)}
    assert one["worker_class"] == "GUNICORN_WORKER_CLASS"
    assert settings({"GUNICORN_WORKER_CLASS": "gevent"}, heroku, cpus=1, memory=None)["threads"] == 8
    # gunicorn does not convert this spelling, so neither do we
    assert settings({"GUNICORN_WORKER_CLASS": "egg:gunicorn#sync"}, heroku, cpus=1, memory=None)["threads"] == 8
    assert settings({"GUNICORN_WORKER_CLASS": "gthread"}, heroku, cpus=1, memory=None)["threads"] == 8


def test_another_gunicorn_major_gets_stock_gthread(monkeypatch: pytest.MonkeyPatch) -> None:
    # deploy/gthread.py overrides gunicorn 27's gthread internals: a release that may have reshaped
    # them gets the stock worker, and platform_check says why.
    import gunicorn

    from django_platform.deploy.gunicorn import explain

    for version, expected in (((27, 0, 1), FAIR_WORKER), ((28, 0, 0), "gthread"), ((26, 9, 0), "gthread")):
        monkeypatch.setattr(gunicorn, "version_info", version)
        rows = {n: (v, w) for n, v, w in explain({}, BY_NAME["heroku"], cpus=1, memory=None)}
        assert rows["worker_class"][0] == expected
    assert rows["worker_class"][1] == "stock gthread: the fair worker is tested on gunicorn 27 only"
    chosen = explain({"GUNICORN_WORKER_CLASS": "gthread"}, BY_NAME["heroku"], cpus=1, memory=None)
    rows = {n: (v, w) for n, v, w in chosen}
    assert rows["worker_class"] == ("gthread", "GUNICORN_WORKER_CLASS")


# --- an ASGI application ---------------------------------------------------------------------------


def test_the_application_served_decides_the_worker() -> None:
    from django_platform.deploy.gunicorn import UVICORN_WORKER, server_for
    from django_platform.deploy.gunicorn_cli import gunicorn_call

    def server(command: str, **env: str) -> str:
        return server_for(env, gunicorn_call(command, env))

    assert server("gunicorn example.wsgi") == "wsgi"
    assert server("gunicorn example.asgi") == "asgi"  # the asgi.py startproject writes
    assert server("gunicorn config.asgi:application") == "asgi"
    assert server("gunicorn example.wsgi", DJANGO_PLATFORM_SERVER="ASGI") == "asgi"
    assert server("gunicorn example.asgi", DJANGO_PLATFORM_SERVER="wsgi") == "wsgi"
    assert server(f"gunicorn -k {UVICORN_WORKER} example.app") == "asgi"
    assert server("gunicorn --worker-class=asgi example.app") == "asgi"
    assert server("gunicorn example.asgi", GUNICORN_CMD_ARGS="-k gthread --threads 4") == "wsgi"
    assert server("gunicorn example.app", GUNICORN_WORKER_CLASS="uvicorn.workers.UvicornWorker") == "asgi"
    assert server_for({}, None) == "wsgi"
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM_SERVER must be asgi or wsgi\.$"):
        server("gunicorn example.asgi", DJANGO_PLATFORM_SERVER="daphne")


def test_asgi_settings_and_their_explanation() -> None:
    from django_platform.deploy.gunicorn import UVICORN_WORKER, explain

    env = {"DYNO": "web.1", "PORT": "5000"}
    values = settings(env, BY_NAME["heroku"], cpus=2, memory=None, server="asgi")
    assert values["worker_class"] == UVICORN_WORKER
    assert values["threads"] == 1
    assert (values["workers"], values["keepalive"], values["graceful_timeout"]) == (3, 95, 29)
    assert values["forwarded_allow_ips"] == "*"
    own = {**env, "GUNICORN_WORKER_CLASS": "asgi"}
    if gunicorn_version_info[0] >= 24:  # gunicorn's own ASGI worker
        asked = settings(own, BY_NAME["heroku"], cpus=2, memory=None, server="asgi")
        assert (asked["worker_class"], asked["threads"]) == ("asgi", 1)
    else:  # gunicorn 23 has none: the variable is refused, named
        with pytest.raises(ImproperlyConfigured, match=r"^GUNICORN_WORKER_CLASS must be one of"):
            settings(own, BY_NAME["heroku"], cpus=2, memory=None, server="asgi")
    rows = {name: why for name, _, why in explain(env, BY_NAME["heroku"], cpus=2, memory=None, server="asgi")}
    assert rows["worker_class"].startswith("an ASGI application: uvicorn's event loop")
    assert rows["threads"].startswith("unused by an ASGI worker")
    # Not recycled unless asked: a recycled ASGI worker drops the requests racing its idle connections.
    assert (values["max_requests"], values["max_requests_jitter"]) == (0, 0)
    assert rows["max_requests"].startswith("off: a recycled ASGI worker closes its idle keep-alive connections")
    asked = settings({**env, "GUNICORN_MAX_REQUESTS": "5000"}, BY_NAME["heroku"], cpus=2, memory=None, server="asgi")
    assert (asked["max_requests"], asked["max_requests_jitter"]) == (5000, 500)


def test_an_asgi_worker_reuses_a_thread_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """post_worker_init wraps the application the worker serves (uvicorn-worker's worker.wsgi,
    gunicorn's own worker.asgi) where asgiref allows it; DJANGO_PLATFORM_REUSE_THREADS=false, or a
    WSGI worker, has no hook; a bad value is refused when the config loads, named."""
    from django_platform import asgi_threads
    from django_platform.asgi_threads import ReusedThreads
    from django_platform.deploy.gunicorn import explain, post_worker_init

    env = {"DYNO": "web.1", "PORT": "5000"}
    heroku = BY_NAME["heroku"]
    assert settings(env, heroku, cpus=1, memory=None, server="asgi")["post_worker_init"] is post_worker_init
    assert "post_worker_init" not in settings(env, heroku, cpus=1, memory=None)
    off = {**env, "DJANGO_PLATFORM_REUSE_THREADS": "false"}
    assert "post_worker_init" not in settings(off, heroku, cpus=1, memory=None, server="asgi")
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM_REUSE_THREADS "):
        settings({**env, "DJANGO_PLATFORM_REUSE_THREADS": "x"}, heroku, cpus=1, memory=None, server="asgi")

    async def application(scope: Any, receive: Any, send: Any) -> None:
        return None

    class Uvicorn:
        def __init__(self) -> None:
            self.wsgi = application

    class Native:
        def __init__(self) -> None:
            self.wsgi, self.asgi = None, application

    monkeypatch.setattr(asgi_threads, "supported", lambda: True)
    for worker, name in ((Uvicorn(), "wsgi"), (Native(), "asgi")):
        post_worker_init(worker)
        served = getattr(worker, name)
        assert isinstance(served, ReusedThreads) and served.app is application
    from django_platform.asgi_trips import TRIPS

    assert TRIPS.taken  # the handler's trips, only where they have work (asgi_trips)
    # A project's own hook above the block runs, then ours; platform_gunicorn --force keeps it.
    from django_platform.deploy.gunicorn import MANAGED

    called: list[Any] = []
    namespace: dict[str, Any] = {"post_worker_init": called.append}
    apply(namespace, env={**env, "DJANGO_PLATFORM_SERVER": "asgi"}, argv=["gunicorn", "proj.asgi"])
    theirs_then_ours = Uvicorn()
    namespace["post_worker_init"](theirs_then_ours)
    assert called == [theirs_then_ours] and isinstance(theirs_then_ours.wsgi, ReusedThreads)
    assert "post_worker_init" not in MANAGED
    as_is = Uvicorn()
    monkeypatch.setattr(asgi_threads, "supported", lambda: False)
    post_worker_init(as_is)
    assert as_is.wsgi is application

    def threads(env: dict[str, str]) -> str:
        return {n: why for n, _, why in explain(env, heroku, cpus=1, memory=None, server="asgi")}["threads"]

    assert "a new thread (asgiref before 3.13" in threads(env)
    assert "a new thread (DJANGO_PLATFORM_REUSE_THREADS=false" in threads(off)
    monkeypatch.setattr(asgi_threads, "supported", lambda: True)
    assert threads(env).endswith("each request's sync code on a thread kept for later requests")


def test_gunicorn_started_on_an_asgi_module_tells_django(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from django_platform.deploy.gunicorn import UVICORN_WORKER, started_as

    assert started_as(["/app/.venv/bin/gunicorn", "example.asgi", "--bind", "x"]) == ("example.asgi", None, None)
    assert started_as(["/usr/lib/python3/site-packages/gunicorn/__main__.py", "-k", "asgi", "a.b"]) == (
        "a.b",
        None,
        "asgi",
    )
    assert started_as(["pytest"]) is None
    assert started_as([]) is None
    # setenv first: monkeypatch records nothing for a variable it deletes while unset.
    monkeypatch.setenv("DJANGO_PLATFORM_SERVER", "wsgi")
    monkeypatch.delenv("DJANGO_PLATFORM_SERVER")
    namespace: dict[str, Any] = {}
    apply(namespace, platform="heroku", env={"DYNO": "web.1"}, argv=["gunicorn", "example.asgi"])
    assert namespace["worker_class"] == UVICORN_WORKER
    assert "DJANGO_PLATFORM_SERVER" not in os.environ  # an injected environment: the process's is not touched
    try:
        apply(namespace, platform="heroku", argv=["gunicorn", "example.asgi"])
        assert os.environ["DJANGO_PLATFORM_SERVER"] == "asgi"
    finally:
        os.environ.pop("DJANGO_PLATFORM_SERVER", None)
    apply(namespace, platform="heroku", argv=["gunicorn", "example.wsgi"])
    assert "DJANGO_PLATFORM_SERVER" not in os.environ


def test_without_uvicorn_worker_gunicorn_27_serves_asgi_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    import gunicorn

    from django_platform.deploy import gunicorn as module

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn_worker" else real(name, *a)
    )
    monkeypatch.setattr(gunicorn, "version_info", (27, 0, 1))
    assert settings({}, BY_NAME["render"], cpus=1, memory=None, server="asgi")["worker_class"] == "asgi"
    rows = {n: why for n, _, why in module.explain({}, BY_NAME["render"], cpus=1, memory=None, server="asgi")}
    assert rows["worker_class"].startswith("an ASGI application: gunicorn's own worker")
    monkeypatch.setattr(gunicorn, "version_info", (26, 1, 0))
    monkeypatch.setattr(gunicorn, "__version__", "26.1.0")
    with pytest.raises(ImproperlyConfigured, match=r"^An ASGI application needs the uvicorn-worker package"):
        settings({}, BY_NAME["render"], cpus=1, memory=None, server="asgi")
