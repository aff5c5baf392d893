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
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
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


def family_env(family: Family, database: str) -> dict[str, str]:
    return {
        **PLATFORM_ENVS[family.platform],
        **dict(family.user),
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database,
        "REDIS_URL": "redis://127.0.0.1:6379/10",
        "WEB_CONCURRENCY": "2",
    }


def rehearse(family: Family, cluster: PgCluster, root: Path) -> dict[str, Any]:
    # TLS is not what this rehearses (the loopback server has none): the URL says so, as it may.
    database = f"postgres://{cluster.user}@127.0.0.1:{cluster.port}/{cluster.name}?sslmode=disable"
    env = family_env(family, database)
    old, new = releases(root, env, family.platform)
    manage(old, env, "migrate", "--noinput")

    def release_phase() -> bool:
        manage(new, env, "migrate", "--noinput")
        return True

    return run_release(family, env, old, new, release_phase, root / "logs")


def run_release(
    family: Family, env: dict[str, str], old: Path, new: Path, release_phase: Callable[[], bool], logs: Path
) -> dict[str, Any]:
    """The old release serving on two nodes under load; the release phase while it serves; then, if
    the release phase succeeded, the switch to the new release's nodes as the family does it (a
    failed release phase stops the release: the old nodes keep serving)."""
    logs.mkdir(exist_ok=True)
    router = Router()
    result: dict[str, Any] = {}
    try:
        with started(old, env, logs, "old-1") as a, started(old, env, logs, "old-2") as b:
            router.rotate(add=[a.port, b.port])
            load = Load(router.port)
            time.sleep(2)
            load.phase = "release phase"
            proceeds = release_phase()  # while the old release serves
            time.sleep(1)
            stops = []
            if not proceeds:
                load.phase = "release stopped"
                time.sleep(2)
                result = load.stop()
            elif family.preboot:
                load.phase = "switch"
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
                load.phase = "switch"
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


# --- a destructive migration: refused by the release phase, shipped by the two-release recipe --------

SUMMARY_FIELD = "    summary = models.TextField(null=True, blank=True)\n"
WRITES_SUMMARY = """

def write(request):
    Note.objects.create(text="written", summary="the old release writes this column")
    return HttpResponse("written\\n", content_type="text/plain")
"""
WRITES_WITHOUT = """

def write(request):
    Note.objects.create(text="written without the summary")
    return HttpResponse("written\\n", content_type="text/plain")
"""
FORGET = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notes", "{previous}")]
    # The recipe's first release: the model loses the field, the column stays (nullable).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("note", "summary")]),
    ]
"""
DROP = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notes", "{previous}")]
    # The recipe's second release: no code serving uses the column any more.
    operations = [
        migrations.RunSQL(
            "ALTER TABLE notes_note DROP COLUMN summary",
            "ALTER TABLE notes_note ADD COLUMN summary text NULL",
        ),
    ]
"""


def _latest(project: Path) -> str:
    return sorted(p.stem for p in (project / "notes" / "migrations").glob("0*.py"))[-1]


def destructive_releases(root: Path, env: dict[str, str], platform: str) -> dict[str, Path]:
    """base: the example project whose notes have a summary its /write view writes; drop: the next
    release as makemigrations writes it (RemoveField); recipe-1 and recipe-2: the same change in two
    releases (the field leaves the model, then the column leaves the table)."""
    base = copy_project(root / "base")
    models = base / "notes" / "models.py"
    models.write_text(models.read_text().replace("    created = ", SUMMARY_FIELD + "    created = "))
    manage(base, {}, "makemigrations", "notes", "--name", "note_summary")
    (base / "notes" / "views.py").write_text((base / "notes" / "views.py").read_text() + WRITES_SUMMARY)
    urls = base / "example" / "urls.py"
    urls.write_text(
        urls.read_text().replace(
            '    path("ping", views.ping),', '    path("ping", views.ping),\n    path("write", views.write),'
        )
    )
    projects = {"base": base}
    for name in ("drop", "recipe-1", "recipe-2"):
        project = projects[name] = root / name
        shutil.copytree(base, project, ignore=shutil.ignore_patterns("__pycache__", "staticfiles"))
        views = project / "notes" / "views.py"
        views.write_text(views.read_text().replace(WRITES_SUMMARY, WRITES_WITHOUT))
        model = project / "notes" / "models.py"
        model.write_text(model.read_text().replace(SUMMARY_FIELD, ""))
    manage(projects["drop"], {}, "makemigrations", "notes", "--name", "remove_summary")
    previous = _latest(base)
    forget = f"{int(previous[:4]) + 1:04d}_forget_summary"
    for name in ("recipe-1", "recipe-2"):
        (projects[name] / "notes" / "migrations" / f"{forget}.py").write_text(FORGET.format(previous=previous))
    drop = f"{int(previous[:4]) + 2:04d}_drop_summary"
    (projects["recipe-2"] / "notes" / "migrations" / f"{drop}.py").write_text(DROP.format(previous=forget))
    for project in projects.values():
        manage(project, {}, "platform_procfile", "--platform", platform)
        manage(project, {}, "platform_gunicorn", "--platform", platform)
        manage(project, env, "collectstatic", "--noinput")
    return projects


def release_command(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=project, env=clean_environ(**env),
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip


@pytest.fixture(params=["postgresql", "mariadb"])
def any_db(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[str]:
    """A database URL of its own on the loopback PostgreSQL or MariaDB (TLS off: loopback has none)."""
    from tests.services import query_one

    vendor = request.param
    port = 5432 if vendor == "postgresql" else 3306
    for number, service in ((port, vendor), (6379, "Redis")):
        if not port_open("127.0.0.1", number):
            unavailable(f"{service} is not listening on 127.0.0.1:{number}")
    name = f"destructive_{os.getpid()}_{next(_numbers)}"
    if vendor == "postgresql":
        admin = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres",
                 "NAME": "postgres"}  # fmt: skip
        url, drop = f"postgres://postgres@127.0.0.1:5432/{name}?sslmode=disable", f"DROP DATABASE {name} WITH (FORCE)"
    else:
        admin = {"ENGINE": "django.db.backends.mysql", "HOST": "127.0.0.1", "PORT": 3306, "USER": "root",
                 "PASSWORD": "", "NAME": "test"}  # fmt: skip
        url, drop = f"mysql://root@127.0.0.1:3306/{name}", f"DROP DATABASE {name}"  # DATABASE_SSL=false below
    with django_db_blocker.unblock():
        query_one({"default": admin}, f"CREATE DATABASE {name}")
        try:
            yield url
        finally:
            query_one({"default": admin}, drop)


@pytest.mark.parametrize("name", ["heroku-preboot", "render-rolling"])
def test_a_destructive_migration_refused_then_shipped_in_two_releases(name: str, any_db: str, tmp_path: Path) -> None:
    """makemigrations' RemoveField run by plain migrate fails the old release's writes (counted);
    platform_migrate refuses it with nothing applied (0 failed, the old release keeps serving); the
    two-release recipe ships the same change with 0 failed requests."""
    family = FAMILIES[name]
    env = {**family_env(family, any_db), "DATABASE_SSL": "false"}
    projects = destructive_releases(tmp_path, env, family.platform)
    manage(projects["base"], env, "migrate", "--noinput")

    refused: list[subprocess.CompletedProcess[str]] = []

    def guarded() -> bool:
        refused.append(release_command(projects["drop"], env, "platform_migrate"))
        return refused[-1].returncode == 0

    result = run_release(family, env, projects["base"], projects["drop"], guarded, tmp_path / "logs-guarded")
    record(f"{name}-{any_db.split(':')[0]}-destructive-guarded", result)
    assert refused[0].returncode == 1 and "Refused: 1 operation(s)" in refused[0].stderr, refused[0].stdout
    assert "Remove field summary from note" in refused[0].stdout
    assert result["failed"] == 0 and "new release" not in result["phases"], result["failures"]

    def recipe(project: Path) -> Callable[[], bool]:
        def release_phase() -> bool:
            done = release_command(project, env, "platform_migrate")
            assert done.returncode == 0, done.stdout + done.stderr
            return True

        return release_phase

    first = run_release(family, env, projects["base"], projects["recipe-1"], recipe(projects["recipe-1"]),
                        tmp_path / "logs-recipe-1")  # fmt: skip
    second = run_release(family, env, projects["recipe-1"], projects["recipe-2"], recipe(projects["recipe-2"]),
                         tmp_path / "logs-recipe-2")  # fmt: skip
    record(f"{name}-{any_db.split(':')[0]}-recipe", {**second, "first_release_failed": first["failed"]})
    assert first["failed"] == 0 and second["failed"] == 0, first["failures"] + second["failures"]
    assert first["requests"] > 50 and second["requests"] > 50

    # Without the guard: plain migrate drops the column under the old release's writes.
    # The same database: the schema rolled back to the base release's first.
    manage(projects["recipe-2"], env, "migrate", "notes", _latest(projects["base"]), "--noinput")

    def unguarded() -> bool:
        manage(projects["drop"], env, "migrate", "--noinput")
        return True

    broken = run_release(family, env, projects["base"], projects["drop"], unguarded, tmp_path / "logs-unguarded")
    record(f"{name}-{any_db.split(':')[0]}-destructive-unguarded", broken)
    assert broken["failed"] > 0, "the old release's writes did not fail once the column was dropped"
