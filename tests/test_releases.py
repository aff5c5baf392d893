"""Releases without failed requests: a release of the example project rehearsed under a bounded load
on loopback, as each platform family does it. The old release serves on two nodes behind a router
while the release phase migrates (a nullable column, then a new table); the new release's nodes
start and join the rotation once /readyz answers the platform's probe; the old nodes leave the
rotation and get the platform's stop signal, then SIGKILL when its window is over. Every request
the clients sent is counted: a failure is an error status (>= 400) or a broken connection.

The router opens one connection per request and never retries (the strictest router); it takes a
node out of the rotation, waits DRAIN seconds for the requests it already picked that node for,
then the platform signals the node. Figures go to e2e-artifacts/releases.json and docs/releases.md.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e_support import BIN, copy_project, manage
from tests.platform_envs import PLATFORM_ENVS, SECRET, clean_environ
from tests.services import PgCluster, free_port, port_open, unavailable, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.services]
ARTIFACTS = Path(__file__).resolve().parent.parent / "e2e-artifacts"
HOST = "app.example.com"
DRAIN = 0.2  # the router picked the node for requests not yet sent; shorter than /slow: some are in flight
CLIENTS = 6  # threads, each looping over MIX
MIX = ("/db", "/write", "/", "/slow?s=1", "/ping")

OLD_VIEWS = """

def write(request):
    Note.objects.create(text="written by the old release")
    return HttpResponse("written\\n", content_type="text/plain")
"""
NEW_VIEWS = """

def write(request):
    from notes.models import Tag

    note = Note.objects.create(text="written by the new release", summary="new column")
    Tag.objects.get_or_create(name="release")
    return HttpResponse(f"written {note.pk}\\n", content_type="text/plain")
"""
COLUMN = "    summary = models.TextField(null=True, blank=True)\n"
TABLE = """

class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
"""


@dataclass(frozen=True)
class Family:
    """How a platform replaces a release: its name in the platform table, preboot (the new nodes
    all start and share the rotation before the old ones stop) or rolling (one node at a time),
    the signal, whether it reaches every process (Heroku signals the whole dyno; a container
    platform signals PID 1, gunicorn's master), and the variables the user sets."""

    platform: str
    preboot: bool
    signal: signal.Signals
    whole_group: bool
    window: float
    user: tuple[tuple[str, str], ...] = ()


FAMILIES = {
    "heroku-preboot": Family("heroku", True, signal.SIGTERM, True, 30),
    "render-rolling": Family("render", False, signal.SIGTERM, False, 30),
    "fly-rolling": Family("fly", False, signal.SIGINT, False, 5),
    # Railway's default: SIGKILL right after SIGTERM (RAILWAY_DEPLOYMENT_DRAINING_SECONDS=0).
    "railway-default": Family("railway", False, signal.SIGTERM, False, 0),
    "railway-draining": Family(
        "railway", False, signal.SIGTERM, False, 30, (("RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "30"),)
    ),
}


class Router:
    """Round-robin over the nodes in the rotation; one upstream connection per request; 502 when
    the node cannot be reached, 504 when it does not answer in time."""

    def __init__(self) -> None:
        self.nodes: list[int] = []
        self.lock = threading.Lock()
        self.turn = itertools.count()
        router = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with router.lock:
                    port = router.nodes[next(router.turn) % len(router.nodes)]
                upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                try:
                    upstream.request(
                        "GET", self.path, headers={"Host": HOST, "X-Forwarded-Proto": "https", "Connection": "close"}
                    )
                    response = upstream.getresponse()
                    status, body = response.status, response.read()
                except TimeoutError:
                    status, body = 504, b""
                except OSError:
                    status, body = 502, b""
                finally:
                    upstream.close()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rotate(self, add: Sequence[int] = (), remove: Sequence[int] = ()) -> None:
        with self.lock:
            self.nodes = [p for p in self.nodes if p not in remove] + list(add)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Load:
    """CLIENTS threads sending MIX through the router until stopped; outcomes counted per phase."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.phase = "old release"
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(CLIENTS)]
        for thread in self.threads:
            thread.start()

    def _run(self, offset: int) -> None:
        for path in itertools.islice(itertools.cycle(MIX), offset, None):
            if self.stopping.is_set():
                return
            phase = self.phase
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
                outcome = "ok" if status < 400 else f"{status}"
            except OSError as exc:
                outcome = type(exc).__name__
            finally:
                connection.close()
            with self.lock:
                self.outcomes[(phase, "ok" if outcome == "ok" else "failed")] += 1
                if outcome != "ok":
                    self.failures.append(f"{phase}: {path} -> {outcome}")

    def stop(self) -> dict[str, Any]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)
        phases = dict.fromkeys(phase for phase, _ in self.outcomes)
        return {
            "requests": sum(self.outcomes.values()),
            "failed": sum(n for (_, kind), n in self.outcomes.items() if kind == "failed"),
            "phases": {p: {k: self.outcomes[(p, k)] for k in ("ok", "failed")} for p in phases},
            "failures": self.failures[:20],
        }


class Node:
    """A gunicorn node started as the Procfile's web line starts it, in its own process group."""

    def __init__(self, project: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "example.wsgi"],
            cwd=project,
            env=clean_environ(**env, PORT=str(self.port)),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self) -> bool:
        """The platform's readiness probe: /readyz on the instance's address, plain HTTP."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/readyz", headers={"Host": f"127.0.0.1:{self.port}"})
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self, family: Family) -> float:
        """The platform's signal, then SIGKILL to every process once the window is over."""
        started = time.monotonic()
        if family.whole_group:
            os.killpg(self.process.pid, family.signal)
        else:
            self.process.send_signal(family.signal)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(family.window)
        with_suppressed_lookup(lambda: os.killpg(self.process.pid, signal.SIGKILL))
        self.process.wait()
        self.log.close()
        return time.monotonic() - started


def with_suppressed_lookup(action: Any) -> None:
    with suppress(ProcessLookupError):
        action()


def releases(root: Path, env: dict[str, str], platform: str) -> tuple[Path, Path]:
    """The old release (the example project with a view that writes) and the new one (a nullable
    column and a new table, with their migrations made by makemigrations, and a view using both)."""
    old = copy_project(root / "old")
    (old / "notes" / "views.py").write_text((old / "notes" / "views.py").read_text() + OLD_VIEWS)
    urls = old / "example" / "urls.py"
    urls.write_text(
        urls.read_text().replace(
            '    path("ping", views.ping),', '    path("ping", views.ping),\n    path("write", views.write),'
        )
    )
    new = copy_project(root / "new")
    for name in ("views.py",):
        (new / "notes" / name).write_text((new / "notes" / name).read_text() + NEW_VIEWS)
    (new / "example" / "urls.py").write_text(urls.read_text())
    models = new / "notes" / "models.py"
    models.write_text(models.read_text().replace("    created = ", COLUMN + "    created = "))
    manage(new, {}, "makemigrations", "notes", "--name", "note_summary")
    models.write_text(models.read_text() + TABLE)
    manage(new, {}, "makemigrations", "notes", "--name", "tag")
    for project in (old, new):
        manage(project, {}, "platform_procfile", "--platform", platform)
        manage(project, {}, "platform_gunicorn", "--platform", platform)
        manage(project, env, "collectstatic", "--noinput")
    return old, new


@contextmanager
def started(project: Path, env: dict[str, str], logs: Path, name: str) -> Iterator[Node]:
    node = Node(project, env, logs / f"{name}.log")
    try:
        if not wait_for(lambda: node.ready() or node.process.poll() is not None, 60) or not node.ready():
            pytest.fail(f"node {name} did not become ready:\n{(logs / f'{name}.log').read_text()[-3000:]}")
        yield node
    finally:
        if node.process.poll() is None:
            with_suppressed_lookup(lambda: os.killpg(node.process.pid, signal.SIGKILL))
            node.process.wait()
        node.log.close()


def rehearse(family: Family, cluster: PgCluster, root: Path) -> dict[str, Any]:
    # TLS is not what this rehearses (the loopback server has none): the URL says so, as it may.
    database = f"postgres://{cluster.user}@127.0.0.1:{cluster.port}/{cluster.name}?sslmode=disable"
    env = {
        **PLATFORM_ENVS[family.platform],
        **dict(family.user),
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database,
        "REDIS_URL": "redis://127.0.0.1:6379/10",
        "WEB_CONCURRENCY": "2",
    }
    old, new = releases(root, env, family.platform)
    manage(old, env, "migrate", "--noinput")
    logs = root / "logs"
    logs.mkdir()
    router = Router()
    result: dict[str, Any] = {}
    try:
        with started(old, env, logs, "old-1") as a, started(old, env, logs, "old-2") as b:
            router.rotate(add=[a.port, b.port])
            load = Load(router.port)
            time.sleep(2)
            load.phase = "release phase"
            manage(new, env, "migrate", "--noinput")  # while the old release serves
            time.sleep(1)
            load.phase = "switch"
            stops = []
            if family.preboot:
                with started(new, env, logs, "new-1") as c, started(new, env, logs, "new-2") as d:
                    router.rotate(add=[c.port, d.port])  # old and new serve side by side
                    time.sleep(1)
                    router.rotate(remove=[a.port, b.port])
                    time.sleep(DRAIN)
                    stops = [a.stop(family), b.stop(family)]
                    load.phase = "new release"
                    time.sleep(2)
                    result = load.stop()
            else:
                with started(new, env, logs, "new-1") as c:
                    router.rotate(add=[c.port], remove=[a.port])
                    time.sleep(DRAIN if family.window else 0)  # Railway's default tears down at once
                    stops.append(a.stop(family))
                    with started(new, env, logs, "new-2") as d:
                        router.rotate(add=[d.port], remove=[b.port])
                        time.sleep(DRAIN if family.window else 0)
                        stops.append(b.stop(family))
                        load.phase = "new release"
                        time.sleep(2)
                        result = load.stop()
            result["stop_seconds"] = [round(s, 2) for s in stops]
    finally:
        router.close()
    return result


@pytest.fixture
def release_db(django_db_blocker: Any) -> Iterator[PgCluster]:
    """A database of its own on the loopback PostgreSQL, for one rehearsal."""
    pytest.importorskip("psycopg")
    for port, service in ((5432, "PostgreSQL"), (6379, "Redis")):
        if not port_open("127.0.0.1", port):
            unavailable(f"{service} is not listening on 127.0.0.1:{port}")
    from tests.services import query_one

    server = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres"}
    name = f"releases_{os.getpid()}_{next(_numbers)}"
    with django_db_blocker.unblock():
        query_one({"default": {**server, "NAME": "postgres"}}, f"CREATE DATABASE {name}")
        try:
            yield PgCluster(port=5432, ssl=False, user="postgres", password="", name=name)
        finally:
            query_one({"default": {**server, "NAME": "postgres"}}, f"DROP DATABASE {name} WITH (FORCE)")


_numbers = itertools.count()


def record(name: str, result: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "releases.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = result
    path.write_text(json.dumps(figures, indent=2))
    print(f"\n{name}: {result['requests']} requests, {result['failed']} failed, phases {result['phases']}")


@pytest.mark.parametrize("name", [n for n in FAMILIES if n != "railway-default"])
def test_release_fails_no_request(name: str, release_db: PgCluster, tmp_path: Path) -> None:
    family = FAMILIES[name]
    result = rehearse(family, release_db, tmp_path)
    record(name, result)
    assert result["requests"] > 100 and set(result["phases"]) == {
        "old release",
        "release phase",
        "switch",
        "new release",
    }
    assert result["failed"] == 0, result["failures"]


def test_railway_default_drain_fails_requests_in_flight(release_db: PgCluster, tmp_path: Path) -> None:
    """RAILWAY_DEPLOYMENT_DRAINING_SECONDS=0 (the default): the old nodes are killed with requests
    in flight; docs/releases.md says to set it."""
    result = rehearse(FAMILIES["railway-default"], release_db, tmp_path)
    record("railway-default", result)
    assert result["failed"] > 0, "no request was in flight when Railway's default killed the old nodes"
