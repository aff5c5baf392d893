"""A Channels project (tests/projects/channels) as a platform runs it: the generated Procfile's
ASGI web line on two nodes, one Redis, real PostgreSQL; a group message from a client on one node
reaches a client on the other; a stop closes open websockets with a close frame and lets the
request in flight finish."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from django_platform.deploy.gunicorn import ipv6_support
from django_platform.deploy.procfile import process_types
from django_platform.platforms import get_platform
from tests.e2e_support import BIN
from tests.lifecycle import LIFECYCLES, phase_env
from tests.platform_envs import INFORMATION, PLATFORM_ENVS, SECRET, clean_environ
from tests.services import free_port, port_open, query_one, unavailable, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("real_connections")]
PROJECT = Path(__file__).resolve().parent / "projects" / "channels"
SERVER = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5432", "USER": "postgres"}
HOST = "chat.example.com"
ROUTER = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


# channels-redis on Python 3.10 and 3.11, which lose a cancellation in redis-py's sends (W056; these
# stops log the consumers' TimeoutError there).
OLD_PYTHON = ["django_platform.W056"] if sys.version_info < (3, 12) else []


def manage(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=root,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The Channels project on Heroku's run environment, its generated Procfile and gunicorn
    config, its own PostgreSQL database released (the Procfile's release line)."""
    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        if not port_open("127.0.0.1", port):
            unavailable(f"{name} is not listening on 127.0.0.1:{port}")
    name = f"chat_{uuid.uuid4().hex[:10]}"
    query_one({"default": {**SERVER, "NAME": "postgres"}}, f"CREATE DATABASE {name}")
    root = tmp_path / "channels"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    env = {
        **PLATFORM_ENVS["heroku"],
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "DATABASE_SSL": "false",  # the loopback server has no TLS; Heroku's would
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }
    manage(root, {}, "platform_procfile", "--platform", "heroku")
    manage(root, {}, "platform_gunicorn", "--platform", "heroku")
    config = {k: v for k, v in env.items() if k not in PLATFORM_ENVS["heroku"]}  # the app's config vars
    manage(root, phase_env(LIFECYCLES["heroku"], "build", config, {}), "collectstatic", "--noinput")
    release = process_types((root / "Procfile").read_text())["release"]
    manage(root, env, *shlex.split(release)[2:])  # python manage.py platform_migrate
    try:
        yield root, env
    finally:
        query_one({"default": {**SERVER, "NAME": "postgres"}}, f"DROP DATABASE {name} WITH (FORCE)")


@contextlib.contextmanager
def node(root: Path, env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """One dyno: the Procfile's web line through a shell, as the platform runs it."""
    web = process_types((root / "Procfile").read_text())["web"]
    port = free_port()
    # The slug's programs first (and, where `env` has a PATH, its directories before them).
    path = ":".join([*filter(None, [env.get("PATH")]), str(BIN), "/usr/bin", "/bin"])
    full = clean_environ(**{**env, "PORT": str(port), "PATH": path})
    log = (root / f"node-{port}.log").open("ab")
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {web}"], cwd=root, env=full, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        if not wait_for(lambda: port_open("127.0.0.1", port) or proc.poll() is not None, timeout=30) or proc.poll():
            pytest.fail(f"the web line did not start: {(root / f'node-{port}.log').read_text()[-3000:]}")
        yield proc, port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()


def websocket(port: int, path: str) -> ClientConnection:
    # The browser's Origin, which Channels' AllowedHostsOriginValidator checks against ALLOWED_HOSTS.
    origin = Origin(f"https://{HOST}")
    # The router's Host once: the URI's (a second Host header is a 400 under gunicorn's own ASGI worker).
    forwarded = {name: value for name, value in ROUTER.items() if name != "Host"}
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return connect(f"ws://{HOST}{path}", sock=sock, origin=origin, additional_headers=forwarded, open_timeout=10)


def test_the_generated_procfile_serves_the_asgi_application_tuned(project: tuple[Path, dict[str, str]]) -> None:
    root, env = project
    assert "web: gunicorn chat.asgi\n" in (root / "Procfile").read_text()
    with node(root, env) as (_proc, port):
        waited = requests.get(f"http://127.0.0.1:{port}/wait", headers=ROUTER, timeout=10)
        assert waited.status_code == 200 and waited.text.startswith("waited 0.05 s")
        assert waited.headers["server"] == "uvicorn"  # uvicorn-worker, chosen by the generated config
        db = requests.get(f"http://127.0.0.1:{port}/db", headers=ROUTER, timeout=10)
        # psycopg's pool under ASGI; the client's address from the router's header.
        assert db.json() == {"users": 0, "conn_max_age": 0, "pooled": True, "client": "203.0.113.7"}
        # Django's middleware hooks on the event loop; the session saved to PostgreSQL from the thread.
        # (The cookie is Secure: sent by hand over the test's plain HTTP, as a browser sends it over HTTPS.)
        cookies: dict[str, str] = {}
        for count in (1, 2, 3):
            visit = requests.get(f"http://127.0.0.1:{port}/visit", headers=ROUTER, cookies=cookies, timeout=10)
            assert visit.json() == {"visits": count, "inline": True}
            cookies = {"sessionid": str(visit.cookies["sessionid"])}
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", headers={"Host": "10.1.2.3"}, timeout=10)
        assert ready.status_code == 200, ready.text
        with websocket(port, "/ws/echo/") as echo:
            echo.send("ping")
            assert echo.recv(timeout=5) == "ping"
    checked = manage(root, env, "platform_check", "--deploy", "--format", "json", "--fail-level", "CRITICAL")
    document = json.loads(checked.stdout)
    # E008: the loopback PostgreSQL has no TLS, Heroku's would; information (tests/platform_envs.py).
    ignored = {"django_platform.E008", *INFORMATION}
    assert [f["id"] for f in document["findings"] if f["id"] not in ignored] == OLD_PYTHON
    settings = {s["setting"]: s for s in document["settings"]}
    assert settings["DATABASES.default.CONN_MAX_AGE"]["value"] == 0
    layer = settings["CHANNEL_LAYERS.default"]["value"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    gunicorn = {g["setting"]: g for g in document["gunicorn"]}
    assert gunicorn["worker_class"]["value"] == "uvicorn_worker.UvicornWorker"


@contextlib.contextmanager
def deployed(
    tmp_path: Path, platform: str, server: str = "gunicorn", extra: dict[str, str] | None = None
) -> Iterator[tuple[Path, dict[str, str]]]:
    """The Channels project through `platform`'s build, release and run phases, each with only its
    own variables (and `extra`'s, the user's config vars), its web line for `server`: its own
    PostgreSQL database and the one Redis, as that platform hands them over (Upsun: relationships, at
    run time only). Yields the project and the run phase's variables."""
    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        if not port_open("127.0.0.1", port):
            unavailable(f"{name} is not listening on 127.0.0.1:{port}")
    lifecycle = LIFECYCLES[platform]
    name = f"chat_{uuid.uuid4().hex[:10]}"
    query_one({"default": {**SERVER, "NAME": "postgres"}}, f"CREATE DATABASE {name}")
    root = tmp_path / platform
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    run_only: dict[str, str] = {}
    config = {"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": HOST, "WEB_CONCURRENCY": "2", **(extra or {})}
    if platform == "upsun":
        database = {"scheme": "pgsql", "host": "127.0.0.1", "port": 5432, "path": name, "username": "postgres"}
        redis = {"scheme": "redis", "host": "127.0.0.1", "port": 6379}
        encoded = base64.b64encode(json.dumps({"database": [database], "redis": [redis]}).encode()).decode()
        run_only = {"PLATFORM_RELATIONSHIPS": encoded}
        # The project entropy is the key.
        config = {"DJANGO_ALLOWED_HOSTS": HOST, "WEB_CONCURRENCY": "2", **(extra or {})}
    else:
        config |= {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
            "DATABASE_SSL": "false",  # the loopback server has no TLS; Heroku's would
            "REDIS_URL": "redis://127.0.0.1:6379/14",
        }
    manage(root, {}, "platform_procfile", "--platform", platform, "--server", server)
    manage(root, {}, "platform_gunicorn", "--platform", platform)
    try:
        manage(root, phase_env(lifecycle, "build", config, run_only), "collectstatic", "--noinput")
        manage(root, phase_env(lifecycle, "release", config, run_only), "platform_migrate")
        yield root, phase_env(lifecycle, "run", config, run_only)
    finally:
        query_one({"default": {**SERVER, "NAME": "postgres"}}, f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.parametrize("platform", ["heroku", "fly", "render", "upsun"])
def test_a_group_message_crosses_nodes(platform: str, tmp_path: Path) -> None:
    with (
        deployed(tmp_path, platform) as (root, env),
        node(root, env) as (_a, port_a),
        node(root, env) as (_b, port_b),
        websocket(port_a, "/ws/room/") as alice,
        websocket(port_b, "/ws/room/") as bob,
    ):
        alice.send("hello from node A")
        assert bob.recv(timeout=10) == "hello from node A"
        assert alice.recv(timeout=10) == "hello from node A"
        bob.send("and back from node B")
        assert alice.recv(timeout=10) == "and back from node B"
        db = requests.get(f"http://127.0.0.1:{port_b}/db", headers=ROUTER, timeout=10)
        assert db.status_code == 200 and db.json()["pooled"] is True, db.text[:2000]


# Railway kills at once unless the user sets a draining time (its default, 0, loses requests even
# under WSGI: tests/test_releases.py); the rehearsal sets 10 s as its recipe says to.
STOP_ENV = {"railway": {"RAILWAY_DEPLOYMENT_DRAINING_SECONDS": "10"}}


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
@pytest.mark.parametrize("platform", ["heroku", "fly", "render", "railway", "upsun"])
def test_a_stop_closes_websockets_cleanly_and_finishes_requests(platform: str, server: str, tmp_path: Path) -> None:
    """Each platform family's stop: its signal (Fly.io's SIGINT, SIGTERM elsewhere) with ten
    websockets open and a request in flight; every websocket gets a close frame (no reset) and the
    request its response inside the platform's window before SIGKILL (Fly.io's 5 s, Heroku's and
    Render's 30 s, Upsun's 15 s, Railway's draining time). Under the default (gunicorn with
    uvicorn-worker) and the Granian launcher (whose application closes them ahead of Granian's stop:
    django_platform.asgi_stop)."""
    stopping = get_platform(platform)
    with deployed(tmp_path, platform, server) as (root, deployed_env):
        env = {**deployed_env, **STOP_ENV.get(platform, {})}
        window = stopping.stop_window(env)
        closes, answer, elapsed, code = stop_with_websockets_open(
            root, env, getattr(signal, stopping.stop_signal), window
        )
    unclean = [close for close in closes if close is None]
    assert unclean == [], f"{len(unclean)} of 10 websockets closed without a close frame"
    assert set(closes) <= {1001, 1012}, closes  # going away / service restart
    assert len(answer) == 1 and not isinstance(answer[0], Exception), answer
    assert answer[0].status_code == 200 and answer[0].text.startswith("waited 2 s")
    assert code == 0 and elapsed < window, (code, elapsed, window)


# A project's own Granian line, as Granian's docs write it (the writers replace it with the launcher's).
OWN_GRANIAN = "web: granian --interface asgi --host 0.0.0.0 --port $PORT --workers 2 chat.asgi:application"


@pytest.mark.parametrize(
    ("server", "extra"),
    [("granian", {}), ("gunicorn", {"GUNICORN_WORKER_CLASS": "asgi"})],
    ids=["own-granian-line", "gunicorn-asgi-worker"],
)
def test_the_servers_w054_names_reset_websockets_at_a_stop(server: str, extra: dict[str, str], tmp_path: Path) -> None:
    """What W054 says, held to the servers: Granian run by a line of the project's own and gunicorn's
    own asgi worker do not close open websockets as a restart at Heroku's SIGTERM (Granian resets
    them; gunicorn's worker resets some, or closes them with 1011 after its graceful timeout; the
    default and the Granian launcher close each with 1012: the test above); the request in flight
    gets its response. Should a release of either start closing them cleanly, this fails: W054 then
    goes for that server."""
    with deployed(tmp_path, "heroku", server, extra) as (root, env):
        if server == "granian":
            procfile = root / "Procfile"
            procfile.write_text(re.sub(r"(?m)^web: .*$", OWN_GRANIAN, procfile.read_text()))
        closes, answer, _elapsed, _code = stop_with_websockets_open(root, env, signal.SIGTERM, 30)
    assert not set(closes) <= {1001, 1012}, closes  # reset (None), or an error (1011) after the timeout
    assert len(answer) == 1 and not isinstance(answer[0], Exception), answer
    assert answer[0].status_code == 200 and answer[0].text.startswith("waited 2 s")


@pytest.fixture(scope="module")
def daphne_apart() -> Path:
    """Daphne installed apart (`pip install --target .daphne daphne`): its dependency autobahn wants a
    cryptography release our S3 encryption client's pin excludes, so it cannot sit in the test
    environment. Its programs run this environment's Python with the directory first on PYTHONPATH."""
    # One directory per Python: its compiled parts (cffi, cryptography) are built for one.
    lib = Path(__file__).resolve().parent.parent / ".daphne" / f"py{sys.version_info.major}{sys.version_info.minor}"
    if not (lib / "bin" / "daphne").is_file():
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(lib), "daphne"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not (lib / "bin" / "daphne").is_file():
            # pip's last lines say why; the index's per-package location warnings say nothing.
            said = [line for line in done.stderr.splitlines() if not line.startswith("WARNING: Location")]
            unavailable(f"Daphne could not be installed apart in {lib}: {' '.join(said[-5:])[-500:]}")
    return lib


def test_daphne_fails_the_request_in_flight_and_resets_websockets_at_a_stop(daphne_apart: Path, tmp_path: Path) -> None:
    """What W055 says, held to Daphne: at Heroku's SIGTERM it exits at once, the request in flight
    gets no response and the open websockets no close frame. Should a release of Daphne start
    draining them, this fails: W055 then goes."""
    with deployed(tmp_path, "heroku", "daphne") as (root, env):
        assert process_types((root / "Procfile").read_text())["web"].startswith("daphne ")
        daphne = {**env, "PATH": str(daphne_apart / "bin"), "PYTHONPATH": str(daphne_apart)}
        closes, answer, elapsed, _code = stop_with_websockets_open(root, daphne, signal.SIGTERM, 30)
    version = next(daphne_apart.glob("daphne-*.dist-info")).name
    assert len(answer) == 1 and isinstance(answer[0], requests.RequestException), (version, answer)
    assert closes == [None] * 10, (version, closes)  # every one reset, none given a close frame
    assert elapsed < 5, (version, elapsed)  # at once, long before Heroku's 30 s


def stop_with_websockets_open(
    root: Path, env: dict[str, str], signum: int, window: int
) -> tuple[list[int | None], list[Any], float, int | None]:
    """(each websocket's close code, None for none; the request's answer; seconds to exit; the exit
    code, None where the platform's SIGKILL came first)."""
    with node(root, env) as (proc, port), contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(websocket(port, "/ws/room/")) for _ in range(10)]
        answer: list[Any] = []

        def slow() -> None:
            try:
                answer.append(requests.get(f"http://127.0.0.1:{port}/wait?s=2", headers=ROUTER, timeout=30))
            except requests.RequestException as exc:
                answer.append(exc)

        request = threading.Thread(target=slow)
        request.start()
        time.sleep(0.5)  # the request is in flight
        started = time.monotonic()
        proc.send_signal(signum)
        closes: list[int | None] = []
        for ws in sockets:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
            closes.append(closed.value.rcvd.code if closed.value.rcvd else None)
        request.join(30)
        try:
            code: int | None = proc.wait(window)
        except subprocess.TimeoutExpired:
            code = None  # the platform's SIGKILL (node() sends it on the way out)
        return closes, answer, time.monotonic() - started, code


def test_granian_one_flag_away(project: tuple[Path, dict[str, str]]) -> None:
    """platform_procfile --server granian: the launcher tunes Granian for the platform and serves the
    project's application behind the router's headers; a stop finishes the request in flight."""
    root, env = project
    manage(root, {}, "platform_procfile", "--platform", "heroku", "--server", "granian", "--force")
    assert "web: python -m django_platform.granian chat.asgi:application\n" in (root / "Procfile").read_text()
    with node(root, env) as (proc, port):
        db = requests.get(f"http://127.0.0.1:{port}/db", headers=ROUTER, timeout=10)
        assert db.json() == {"users": 0, "conn_max_age": 0, "pooled": True, "client": "203.0.113.7"}
        # Heroku's router keeps idle connections 90 s, longer than Granian can (60 s): one per request.
        assert db.headers["connection"] == "close"
        if ipv6_support() == (True, False):  # bound to "::", dual-stack: IPv6 peers (Fly's 6PN) reach it too
            assert requests.get(f"http://[::1]:{port}/db", headers=ROUTER, timeout=10).status_code == 200
        with websocket(port, "/ws/echo/") as echo:
            echo.send("ping")
            assert echo.recv(timeout=5) == "ping"
        answer: list[Any] = []
        request = threading.Thread(
            target=lambda: answer.append(requests.get(f"http://127.0.0.1:{port}/wait?s=1", headers=ROUTER, timeout=30))
        )
        request.start()
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        request.join(30)
        proc.wait(30)
    assert answer and answer[0].status_code == 200 and answer[0].text.startswith("waited 1 s")
    document = json.loads(
        manage(root, env, "platform_check", "--deploy", "--format", "json", "--fail-level", "CRITICAL").stdout
    )
    ignored = {"django_platform.E008", *INFORMATION}
    # No W054: the launcher closes the websockets as a restart at a stop (the tests above).
    assert [f["id"] for f in document["findings"] if f["id"] not in ignored] == OLD_PYTHON
    # GUNICORN_KEEPALIVE, as gunicorn's keepalive: idle connections kept that long, then closed.
    with node(root, {**env, "GUNICORN_KEEPALIVE": "3"}) as (_proc, port):
        assert idle_connection(port, 1.5) == "open"
        assert idle_connection(port, 6) == "closed"


def idle_connection(port: int, idle: float) -> str:
    """Whether the server still holds a keep-alive connection after `idle` seconds without a request."""
    request = f"GET /db HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-Proto: https\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), head
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        assert length is not None, head
        while len(body) < int(length.group(1)):
            body += sock.recv(65536)
        sock.settimeout(idle)
        try:
            return "closed" if sock.recv(65536) == b"" else "unexpected data"
        except TimeoutError:
            return "open"
