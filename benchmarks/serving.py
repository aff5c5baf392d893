"""Serving benchmarks: the example project under gunicorn configurations, side by side, on loopback.

Used by benchmarks/run.py. Each configuration starts one gunicorn in a copy of the example project,
is warmed up, then each view is loaded by wrk (or a Python load generator when wrk is absent) for a
bounded time. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
VIEWS = {"trivial": "/ping", "database": "/db", "static": None}  # static: the hashed admin CSS, found at run time


@dataclass
class Config:
    name: str
    env: dict[str, str] = field(default_factory=dict)  # overrides on top of the generated config
    generated: bool = True  # False: no gunicorn.conf.py at all, as the seed's Procfile runs it
    app: str = "example.wsgi"
    args: tuple[str, ...] = ()  # gunicorn command-line options (an anchor's flags)
    pin: tuple[str, ...] = ()  # a command gunicorn runs under (taskset -c 0)


def sweep() -> list[Config]:
    """Fourteen configurations varying what the generated config decides about workers (class,
    count, threads, preload) and keeping everything else (logging, timeouts) equal."""

    def config(kind: str, workers: int, threads: int = 1, preload: bool = True) -> Config:
        name = f"{kind} w{workers}" + (f" t{threads}" if kind == "gthread" else "") + ("" if preload else " no preload")
        return Config(
            name,
            {
                "GUNICORN_WORKER_CLASS": kind,
                "WEB_CONCURRENCY": str(workers),
                "GUNICORN_THREADS": str(threads),
                "GUNICORN_PRELOAD": str(preload).lower(),
            },
        )

    return [
        *(config("sync", workers) for workers in (1, 2, 3, 4, 5)),
        *(config("gthread", w, t) for w, t in ((1, 8), (2, 2), (2, 4), (2, 8), (3, 4), (4, 4), (5, 4))),
        config("gthread", 5, 4, preload=False),
        config("sync", 3, preload=False),
    ]


SEED = Config("seed default (gunicorn example.wsgi)", generated=False)
GENERATED = Config("generated config")
CEILING = Config("bare WSGI hello, generated config", app="hello:application")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={**HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


@dataclass
class Server:
    project: Path
    env: dict[str, str]
    config: Config
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    def start(self) -> float:
        """Start gunicorn; return seconds from process start to the first 200."""
        args = [*self.config.pin, str(Path(sys.executable).parent / "gunicorn"), self.config.app, *self.config.args]
        if not self.config.generated:
            args += ["-c", str(HERE / "empty_gunicorn_conf.py")]  # as if there were no gunicorn.conf.py
        env = {**self.env, **self.config.env, "PORT": str(self.port), "PYTHONPATH": str(HERE)}
        log = (self.project / f"gunicorn-{self.port}.log").open("wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(args, cwd=self.project, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/ping")[0] == 200:
                    return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{self.config.name} did not start")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        time.sleep(1.0)  # let sockets and database backends of this server wind down before the next


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _wrk(url: str, seconds: float, connections: int, prefix: tuple[str, ...], headers: dict[str, str]) -> Load:
    args = [*prefix, "wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60).stdout

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Load(rps, latency("50"), latency("99"), errors + (int(non2xx.group(1)) if non2xx else 0))


def _python_load(port: int, path: str, seconds: float, connections: int, headers: dict[str, str]) -> Load:
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection.close()
            latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return Load(
        len(ordered) / seconds,
        statistics.median(ordered) * 1000,
        ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan"),
        errors[0],
    )


def load(
    port: int,
    path: str,
    seconds: float,
    connections: int = 16,
    prefix: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> Load:
    """`prefix`: a command wrk runs under (taskset, to pin it to its own CPU); `headers`: added to
    HEADERS (`Connection: close` for a connection per request)."""
    every = {**HEADERS, **(headers or {})}
    if shutil.which("wrk"):
        return _wrk(f"http://127.0.0.1:{port}{path}", seconds, connections, prefix, every)
    return _python_load(port, path, seconds, connections, every)


def static_path(port: int) -> str:
    status, body, _ = get(port, "/admin/login/")
    match = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body)
    if status != 200 or not match:
        raise RuntimeError("admin login page without a hashed stylesheet")
    return match.group(1).decode()


def prepare_project(target: Path, env: dict[str, str], python: str) -> Path:
    """A copy of the example project, collected and migrated, with the generated config."""
    shutil.copytree(
        ROOT / "example_project",
        target,
        ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__", "staticfiles", "media"),
    )
    for command in (
        ["collectstatic", "--noinput"],
        ["migrate", "--noinput"],
        ["platform_gunicorn", "--platform", "heroku"],
        ["shell", "-c", SEED_NOTES],
    ):
        subprocess.run([python, "manage.py", *command], cwd=target, env=env, check=True, capture_output=True)
    return target


SEED_NOTES = (
    "from notes.models import Note\nif not Note.objects.exists():\n    Note.objects.bulk_create("
    "[Note(text=f'note {i}') for i in range(100)])"
)


def run_config(
    project: Path,
    env: dict[str, str],
    config: Config,
    seconds: float,
    views: tuple[str, ...] = ("trivial", "database", "static"),
) -> dict[str, object]:
    server = Server(project, env, config)
    try:
        first_200 = server.start()
        paths = (
            {"trivial": "/ping"}
            if config is CEILING
            else {"trivial": "/ping", "database": "/db", "static": static_path(server.port)}
        )
        paths = {view: path for view, path in paths.items() if view in views}
        for path in paths.values():  # warm up: connections opened, caches filled
            load(server.port, path, 1.0, connections=4)
        results = {view: load(server.port, path, seconds) for view, path in paths.items()}
        return {"config": config, "first_200": first_200, "results": results, "workers": len(server.worker_pids())}
    finally:
        server.stop()


def head_to_head(
    project: Path, env: dict[str, str], configs: list[Config], view: str, seconds: float, rounds: int = 3
) -> dict[str, float]:
    """Median requests/s per configuration over alternating rounds: the best of a noisy sweep is
    flattered by its luck in that one sample, so the finalists meet again on equal terms."""
    samples: dict[str, list[float]] = {c.name: [] for c in configs}
    for round_ in range(rounds):
        # ABBA order: whoever runs first in a round is not always the same one.
        for config in configs if round_ % 2 == 0 else list(reversed(configs)):
            result = run_config(project, env, config, seconds, views=(view,))
            samples[config.name].append(result["results"][view].rps)
    return {name: statistics.median(values) for name, values in samples.items()}


def memory(project: Path, env: dict[str, str]) -> dict[str, float]:
    """Mean PSS per worker (KiB) under the generated config, with and without preload."""
    out = {}
    for label, preload in (("with preload", "true"), ("without preload", "false")):
        server = Server(project, {**env, "GUNICORN_PRELOAD": preload}, GENERATED)
        try:
            server.start()
            for _ in range(3):
                load(server.port, "/db", 1.0, connections=8)  # every worker has served and imported
            pids = server.worker_pids()
            out[label] = statistics.mean(pss_kib(pid) for pid in pids) if pids else float("nan")
            out[f"{label} workers"] = len(pids)
        finally:
            server.stop()
    return out


def environment(database_url: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    return {
        **{k: os.environ[k] for k in keep if k in os.environ},
        "DYNO": "web.1",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DATABASE_SSL": "false",
    }
