"""The generated gunicorn config against what a user would run instead, in one run.

    python benchmarks/anchors.py [--seconds 5] [--rounds 3] [--quick | --fair]

Anchors: the seed's default line (`gunicorn example.wsgi`, one sync worker), Heroku's
getting-started settings as flags (gthread, 5 threads, 2 x CPUs + 1 workers, keep-alive 95,
preload, reuse_port), plain sync with 2 x CPUs + 1 workers; then the generated config (CPUs + 1
workers x 8 threads of deploy/gthread.py's worker) and variants: the same with gunicorn's stock
gthread, the previous default (stock gthread, 2 x CPUs + 1 x 4), and the fair worker at
2 x CPUs + 1 x 4 and CPUs x 16. Views: trivial (/ping), database (/db, PostgreSQL), static (the
admin's hashed CSS through WhiteNoise), I/O-bound (/slow?s=0.05, a 50 ms remote call), and a slow
client (/ping while 8 clients trickle request bodies over 10 s, as phones on bad networks do, with no
buffering router in front).

Two tables: the server pinned to CPU 0 and wrk (and the slow clients, and the PostgreSQL server,
which is another host on a platform) to CPU 1, as on a 1-CPU dyno; then both CPUs shared,
unpinned. Rounds alternate the configurations (ABBA); each cell is the median of the rounds, with
the spread between rounds. p99 is wrk's, corrected for coordinated omission (docs/performance.md).
Loopback only; results in benchmarks/results/anchors.md, anchors.json and anchors.png. Not part of
CI.

--fair: pinned only, the fair worker against stock gthread at the generated config's counts, beside
the seed's line and Heroku's settings: the measurement the fair worker's place (default or opt-in)
is decided on; results in anchors-fair.md/json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

SLOW_CLIENTS = 8
IO_PATH = "/slow?s=0.05"


def anchors(cpus: int, pin: tuple[str, ...]) -> list[Any]:
    from serving import Config

    many = str(2 * cpus + 1)
    heroku = (
        "--worker-class", "gthread", "--threads", "5", "--workers", many, "--keep-alive", "95", "--preload",
        "--reuse-port", "--timeout", "20", "--graceful-timeout", "20", "--forwarded-allow-ips", "*",
    )  # fmt: skip

    def fair(name: str, workers: int, threads: int) -> Any:
        return Config(name, env={"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}, pin=pin)

    stock = {"GUNICORN_WORKER_CLASS": "gthread"}
    return [
        Config("seed default (1 sync worker)", generated=False, pin=pin),
        Config("Heroku sample flags", generated=False, args=heroku, pin=pin),
        Config(f"sync x{many}", generated=False, args=("--workers", many), pin=pin),
        Config("generated", pin=pin),
        Config("generated, stock gthread", env=stock, pin=pin),
        Config(
            f"previous default (stock gthread {many} x 4)",
            env={**stock, "WEB_CONCURRENCY": many, "GUNICORN_THREADS": "4"},
            pin=pin,
        ),
        fair(f"fair {many} x 4", int(many), 4),
        fair(f"fair {cpus} x 16", cpus, 16),
    ]


@contextlib.contextmanager
def database_off_server_cpu(cpu: int = 1, process: str = "postgres", label: str = "PostgreSQL") -> Iterator[str]:
    """The database server's processes (every thread of each: MariaDB's connections are threads)
    on the load generator's CPU while the block runs, then back on every CPU. On a platform the
    database is another host: left to the kernel, backends land on the server's CPU in some runs
    and not in others (a probe of the tail, since removed, saw a database request wait 11 ms for
    the CPU at the median), and the database view's p99 swung from 31 to 227 ms between runs of the
    same configuration. New backends and threads inherit the affinity. Yields what was done, for
    the report."""
    pids: list[int] = []
    if shutil.which("pgrep"):
        found = subprocess.run(["pgrep", "-x", process], capture_output=True, text=True)
        pids = [int(p) for p in found.stdout.split()]
    moved = []
    try:
        for pid in pids:
            tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")] if os.path.isdir(f"/proc/{pid}/task") else []
            for task in tasks or [pid]:
                try:
                    os.sched_setaffinity(task, {cpu})
                    moved.append(task)
                except OSError:  # not ours to move (another user's server), or ended: said below
                    pass
        yield (
            f"{label}'s {len(moved)} processes and threads on CPU {cpu} with wrk"
            if moved
            else f"{label} left where the kernel puts it (its processes could not be moved)"
        )
    finally:
        for task in moved:
            with contextlib.suppress(OSError):  # a backend that has exited
                os.sched_setaffinity(task, set(range(os.cpu_count() or 1)))


class SlowClients:
    """Clients that send a request's headers, then its body a byte every 0.25 s."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS, length: int = 40) -> None:
        self.port, self.count, self.length = port, count, length
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.trickle, daemon=True) for _ in range(count)]

    def trickle(self) -> None:
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
                    head = f"POST /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {self.length}\r\n\r\n"
                    sock.sendall(head.encode())
                    for _ in range(self.length):
                        if self.stop.wait(0.25):
                            return
                        sock.sendall(b"x")
                    sock.recv(1024)
            except OSError:
                time.sleep(0.1)

    def __enter__(self) -> SlowClients:
        for thread in self.threads:
            thread.start()
        time.sleep(1.0)  # they hold their connections before the load starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(5)


def arguments(description: str | None, quick: str = "pinned only, one round") -> argparse.ArgumentParser:
    """The options every side-by-side benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help=quick)
    return parser


def selectable(parser: argparse.ArgumentParser, results: str) -> argparse.ArgumentParser:
    """--only (a subset of the configurations, by part of their name) and --results (the results'
    file name, so that a subset does not overwrite the full run's)."""
    parser.add_argument(
        "--only", action="append", metavar="TEXT", help="the configurations whose name holds TEXT (repeatable)"
    )
    parser.add_argument("--results", default=results, help=f"the results' file name (default: {results})")
    return parser


def chosen(names: Iterable[str], only: Sequence[str] | None) -> list[str]:
    return [n for n in names if not only or any(o in n for o in only)]


def command_line(script: str, args: argparse.Namespace, rounds: int) -> str:
    """How the run was started, for the results' header."""
    only = "".join(f" --only '{o}'" for o in args.only or ())
    return f"python benchmarks/{script} --seconds {args.seconds:g} --rounds {rounds}{only}"


def placement(pinned: bool, process: str = "postgres", label: str = "PostgreSQL") -> AbstractContextManager[str]:
    """Where the database runs while a table is measured (off the server's CPU when pinned), and the
    table's title."""
    if pinned:
        return database_off_server_cpu(process=process, label=label)
    return contextlib.nullcontext(f"{label} on both CPUs")


def title(pinned: bool, client: str = "wrk") -> str:
    return f"server on CPU 0, {client} on CPU 1" if pinned else "unpinned, both CPUs shared"


def alternating_rounds(
    names: list[str], rounds: int, pinned: bool, measure_one: Callable[[str], Mapping[Any, Any]]
) -> dict[str, dict[Any, list[Any]]]:
    """Each configuration measured `rounds` times, first to last then back, so that drift over
    the run falls on every configuration alike: samples by configuration, then by view."""
    samples: dict[str, dict[Any, list[Any]]] = {name: {} for name in names}
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else list(reversed(names)):
            print(f"{'pinned' if pinned else 'unpinned'} round {round_ + 1}: {name}", flush=True)
            for view, result in measure_one(name).items():
                samples[name].setdefault(view, []).append(result)
    return samples


def measure(
    project: Path, env: dict[str, str], config: Any, seconds: float, wrk_pin: tuple[str, ...]
) -> dict[str, Any]:
    import serving

    server = serving.Server(project, env, config)
    try:
        server.start()
        paths = {
            "trivial": "/ping",
            "database": "/db",
            "static": serving.static_path(server.port),
            "I/O 50 ms": IO_PATH,
        }
        out = {}
        for view, path in paths.items():
            serving.load(server.port, path, 1.0, prefix=wrk_pin)  # warm up: every thread started, as on a running dyno
            out[view] = serving.load(server.port, path, seconds, prefix=wrk_pin)
        with SlowClients(server.port):
            out["slow clients"] = serving.load(server.port, "/ping", seconds, prefix=wrk_pin)
        return out
    finally:
        server.stop()


def ratio(a: float, b: float, digits: int = 2) -> str:
    """a / b, or n/a where b is zero or a measurement is missing (no request completed)."""
    if not b or a != a or b != b:
        return "n/a"
    return f"{a / b:.{digits}f}"


def table(configs: list[Any], samples: dict[str, dict[str, list[Any]]], views: list[str]) -> str:
    heroku = "Heroku sample flags"
    lines = []
    for view in views:
        rows = {c.name: samples[c.name][view] for c in configs}
        rps = {name: statistics.median(s.rps for s in rows[name]) for name in rows}
        p99 = {name: statistics.median(s.p99_ms for s in rows[name]) for name in rows}
        best_rps = max(rps.values())
        best_p99 = min((v for v in p99.values() if v == v and v > 0), default=0.0)
        lines += [
            f"**{view}**",
            "",
            "| configuration | req/s | spread | p50 ms | p99 ms | errors | x Heroku | x best | p99 x best |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, loads in rows.items():
            spread = (max(s.rps for s in loads) - min(s.rps for s in loads)) / rps[name] * 100 if rps[name] else 0
            p50 = statistics.median(s.p50_ms for s in loads)
            errors = sum(s.errors for s in loads)
            lines.append(
                f"| {name} | {rps[name]:,.0f} | ±{spread / 2:.0f}% | {p50:.1f} | {p99[name]:.1f} | {errors} | "
                f"{ratio(rps[name], rps[heroku])} | {ratio(rps[name], best_rps)} | {ratio(p99[name], best_p99, 1)} |"
            )
        lines.append("")
    return "\n".join(lines)


def run_table(
    project: Path,
    env: dict[str, str],
    pinned: bool,
    seconds: float,
    rounds: int,
    quick: bool,
    fair_: bool = False,
) -> tuple[list[Any], dict[str, dict[str, list[Any]]]]:
    cpus = 1 if pinned else len(os.sched_getaffinity(0))
    server_pin = ("taskset", "-c", "0") if pinned else ()
    wrk_pin = ("taskset", "-c", "1") if pinned else ()
    configs = anchors(cpus, server_pin)
    if quick:
        configs = configs[:4]
    if fair_:
        configs = [configs[0], configs[1], *(c for c in configs if c.name.startswith("generated"))]
    by_name = {c.name: c for c in configs}
    if pinned:
        os.sched_setaffinity(0, {1})  # this process runs the slow clients: off the server's CPU
    try:
        samples = alternating_rounds(
            list(by_name), rounds, pinned, lambda name: measure(project, env, by_name[name], seconds, wrk_pin)
        )
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return configs, samples


def recycling(project: Path, env: dict[str, str], seconds: float) -> list[str]:
    """Worker recycling (max_requests) under load, with and without reuse_port: with it, each
    worker has its own listening socket, and the connections queued on it when it exits are reset."""
    import serving

    lines = [
        "| generated config, max_requests 300 | req/s | failed requests (wrk socket errors) |",
        "|---|---|---|",
    ]
    for name, extra in (("without reuse_port", {}), ("with reuse_port", {"GUNICORN_CMD_ARGS": "--reuse-port"})):
        config = serving.Config(
            name, env={"GUNICORN_MAX_REQUESTS": "300", "GUNICORN_MAX_REQUESTS_JITTER": "50", **extra}
        )
        server = serving.Server(project, env, config)
        try:
            server.start()
            result = serving.load(server.port, "/ping", seconds, connections=32)
        finally:
            server.stop()
        lines.append(f"| {name} | {result.rps:,.0f} | {result.errors:,} |")
    return lines


def plot(configs: list[Any], samples: dict[str, dict[str, list[Any]]], views: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(views), figsize=(4 * len(views), 4.5))
    for axis, view in zip(axes, views, strict=True):
        names = [c.name for c in configs]
        values = [statistics.median(s.rps for s in samples[n][view]) for n in names]
        axis.barh(names, values)
        axis.set_title(view)
        axis.set_xlabel("req/s")
        axis.invert_yaxis()
    for axis in axes[1:]:
        axis.set_yticklabels([])
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def gunicorn_version() -> str:
    from importlib.metadata import version

    return version("gunicorn")


def main() -> None:
    parser = arguments(__doc__, "the four anchors only, pinned only")
    parser.add_argument("--fair", action="store_true", help="pinned only, the fair worker against stock gthread")
    args = parser.parse_args()
    from run import database_url, in_bench_venv

    in_bench_venv()
    import serving

    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("anchors.py needs wrk and taskset (apt-get install wrk util-linux)")
    RESULTS.mkdir(exist_ok=True)
    env = {**serving.environment(database_url()), "GUNICORN_ACCESSLOG": "off"}
    views = ["trivial", "database", "static", "I/O 50 ms", "slow clients"]
    report = [
        "# The fair worker against stock gthread" if args.fair else "# Serving against the anchors",
        "",
        f"`python benchmarks/anchors.py --seconds {args.seconds:g} --rounds {args.rounds}"
        f"{' --fair' * args.fair}`; "
        f"gunicorn {gunicorn_version()}; "
        f"{os.cpu_count()} CPUs, "
        f"wrk 16 connections, median of {args.rounds} alternating rounds, access log off, PostgreSQL on loopback.",
        "",
    ]
    document: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = serving.prepare_project(Path(tmp) / "project", env, sys.executable)
        for pinned in (True,) if args.quick or args.fair else (True, False):
            with placement(pinned) as database:
                configs, samples = run_table(project, env, pinned, args.seconds, args.rounds, args.quick, args.fair)
            report += [f"## {title(pinned)}", "", f"{database}.", "", table(configs, samples, views)]
            document[title(pinned)] = {
                name: {view: [vars(s) for s in loads] for view, loads in by_view.items()}
                for name, by_view in samples.items()
            }
            if pinned and not args.fair:
                plot(configs, samples, views, RESULTS / "anchors.png")
        if not args.fair:
            report += ["## Worker recycling under load", "", *recycling(project, env, max(args.seconds, 8.0)), ""]
    stem = "anchors-fair" if args.fair else "anchors"
    (RESULTS / f"{stem}.md").write_text("\n".join(report))
    (RESULTS / f"{stem}.json").write_text(json.dumps(document, indent=1))
    print("\n".join(report))


if __name__ == "__main__":
    main()
