"""MariaDB under ASGI: configure()'s pool against what a user would run instead, in one run.

    python benchmarks/mysql_pool.py [--seconds 5] [--rounds 3] [--quick] [--only TEXT ...] [--results NAME]

The example project on the local MariaDB (database djp_bench), its database view (/db, one query)
at 16 and at 64 connections, under:

- the generated ASGI config (uvicorn-worker) with the pool configure() sets there
  (django-db-connection-pool, 4 connections a process, requests waiting for one);
- the same with a connection per request (`DATABASE_POOL=false`: `CONN_MAX_AGE=0`, as Django's docs
  ask under ASGI): the setting a user without the pool has;
- the same with persistent connections (`DATABASE_CONN_MAX_AGE=600`, which `W036` warns of): one
  connection per thread that served a request, never shared;
- the anchors: the generated WSGI config (gthread, persistent connections), and flyctl's ASGI line
  (gunicorn, 2 UvicornWorkers, no config file; nothing there says the project is ASGI, so the
  settings keep the WSGI default: persistent connections).

Beside each cell, the most connections MariaDB held at once (Threads_connected, sampled every
20 ms, this sampler's own left out). Two tables: the server pinned to CPU 0 and wrk (and MariaDB)
to CPU 1; then unpinned. Rounds alternate the configurations (ABBA); each cell is the median of the
rounds with the spread. Results in benchmarks/results/mysql_pool.md and .json. Not part of CI.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

DATABASE = "djp_bench"
CONNECT = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
VIEWS = ("database x16", "database x64")
WSGI = "generated WSGI (gthread, persistent)"


def database_url() -> str:
    import MySQLdb

    server = MySQLdb.connect(**CONNECT)
    try:
        server.cursor().execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
    finally:
        server.close()
    return f"mysql://root@127.0.0.1:3306/{DATABASE}"


class PeakConnections:
    """The most client connections MariaDB held at once while running (this one left out)."""

    def __init__(self) -> None:
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import MySQLdb

        server = MySQLdb.connect(**CONNECT)
        try:
            cursor = server.cursor()
            while not self._done.wait(0.02):
                cursor.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
                self.peak = max(self.peak, int(cursor.fetchone()[1]) - 1)
        finally:
            server.close()

    def __enter__(self) -> PeakConnections:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def configs() -> list[Any]:
    from asgi import FLYCTL, Server

    return [
        FLYCTL,
        Server("generated ASGI, configure()'s pool"),
        Server("generated ASGI, a connection per request", env={"DATABASE_POOL": "false"}),
        Server("generated ASGI, persistent (CONN_MAX_AGE=600)", env={"DATABASE_CONN_MAX_AGE": "600"}),
        Server(WSGI, app="example.wsgi"),
    ]


def measure(
    project: Path, env: dict[str, str], servers: dict[str, Any], seconds: float, pinned: bool, name: str
) -> dict[str, Any]:
    import serving
    from asgi import start, stop

    pin = ("taskset", "-c", "0") if pinned else ()
    wrk_pin = ("taskset", "-c", "1") if pinned else ()
    process, port = start(project, env, servers[name], pin)
    try:
        out: dict[str, Any] = {}
        for view in VIEWS:
            connections = int(view.rsplit("x", 1)[1])
            serving.load(port, "/db", 1.0, connections=connections, prefix=wrk_pin)  # warm up
            with PeakConnections() as held:
                result = serving.load(port, "/db", seconds, connections=connections, prefix=wrk_pin)
            out[view] = {**vars(result), "connections": held.peak}
        return out
    finally:
        stop(process)


def table(names: list[str], samples: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    from anchors import ratio

    lines = []
    for view in VIEWS:
        rps = {n: statistics.median(s["rps"] for s in samples[n][view]) for n in names}
        lines += [
            f"**{view}**.",
            "",
            "| configuration | req/s | spread | p50 ms | p99 ms | errors | MariaDB connections (most) | x WSGI |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name in names:
            loads = samples[name][view]
            spread = (max(s["rps"] for s in loads) - min(s["rps"] for s in loads)) / rps[name] * 100 if rps[name] else 0
            p50 = statistics.median(s["p50_ms"] for s in loads)
            p99 = statistics.median(s["p99_ms"] for s in loads)
            against = ratio(rps[name], rps[WSGI]) if WSGI in rps else "-"
            lines.append(
                f"| {name} | {rps[name]:,.0f} | ±{spread / 2:.0f}% | {p50:.1f} | {p99:.1f} | "
                f"{sum(s['errors'] for s in loads)} | {max(s['connections'] for s in loads)} | {against} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    from anchors import arguments, selectable

    args = selectable(arguments(__doc__), "mysql_pool").parse_args()
    from run import in_bench_venv

    in_bench_venv()
    import gunicorn
    import serving
    from anchors import alternating_rounds, chosen, command_line, placement, title
    from asgi import prepare

    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("mysql_pool.py needs wrk and taskset (apt-get install wrk util-linux)")
    RESULTS.mkdir(exist_ok=True)
    env = {**serving.environment(database_url()), "GUNICORN_ACCESSLOG": "off"}
    rounds = 1 if args.quick else args.rounds
    report = [
        "# MariaDB under ASGI: the pool against the anchors",
        "",
        f"`{command_line('mysql_pool.py', args, rounds)}`; gunicorn {gunicorn.__version__}; {os.cpu_count()} CPUs; "
        f"median of {rounds} alternating rounds; access logs off; MariaDB on loopback.",
        "",
    ]
    document: dict[str, Any] = {}
    every = {c.name: c for c in configs()}
    servers = {name: every[name] for name in chosen(every, args.only)}
    with tempfile.TemporaryDirectory() as tmp:
        project = prepare(Path(tmp) / "project", env)
        for pinned in (True,) if args.quick else (True, False):
            with placement(pinned, "mariadbd", "MariaDB") as database:
                samples = alternating_rounds(
                    list(servers), rounds, pinned, partial(measure, project, env, servers, args.seconds, pinned)
                )
            report += [f"## {title(pinned)}", "", f"{database}.", "", table(list(servers), samples)]
            document[title(pinned)] = samples
    (RESULTS / f"{args.results}.md").write_text("\n".join(report))
    (RESULTS / f"{args.results}.json").write_text(json.dumps(document, indent=1))
    print("\n".join(report))


if __name__ == "__main__":
    main()
