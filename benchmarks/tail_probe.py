"""Where a slow request's time goes, inside the threaded workers (#13: the tail on CPU-bound views).

    python benchmarks/tail_probe.py [--seconds 5]

Each configuration (the seed's sync worker, Heroku's sample flags, the generated config, one worker
x 16 and x 4 threads) runs pinned to CPU 0, the load and PostgreSQL on CPU 1, 16 kept-alive
connections, as in anchors.py: wrk for --seconds, then ApacheBench (apache2-utils) as long on the
same server. wrk 4 corrects its latency samples for coordinated omission, so its p99 hangs on a few
stalls; ab's percentiles are raw.

The threaded workers run a probed copy of their class, which timestamps every request where
gthread moves it: the main thread hands the connection to the thread pool (`enqueue_req`), a pool
thread starts and ends `handle` (parse, application, response), the application call starts and
ends, and the main thread takes the connection back (`finish_request`). Around `handle` and the
application call the pool thread also reads its CPU time and, from /proc/thread-self/schedstat,
its time runnable but waiting for the CPU (another thread or process ran); the rest of the wall
time it was blocked: on the GIL, a lock, or real I/O (a database query).

A connection's cycle, from the previous request's app return (its response goes out then, and wrk
sends the next request as soon as it has it) to this request's end, bounds the latency the client
sees from above. For the slowest 1 % of the wrk run's cycles the report shows where the time went,
against the median cycle. Results in results/tail_probe.md. Not part of CI. The probe costs a few
microseconds per request.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from time import perf_counter, thread_time
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

if __name__ == "__main__":  # gunicorn lives in benchmarks/.venv: re-run there first
    from run import in_bench_venv

    in_bench_venv()

from gunicorn.workers.gthread import ThreadWorker  # noqa: E402

from django_platform.deploy.gthread import FairThreadWorker  # noqa: E402


def schedstat() -> tuple[float, float]:
    """This thread's seconds on the CPU and seconds runnable but waiting for it. schedstat's own CPU
    figure is brought up to date only when the thread is switched out: thread_time() is exact."""
    fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    try:
        wait = os.read(fd, 128).split()[1]
    finally:
        os.close(fd)
    return thread_time(), int(wait) / 1e9


class Probe:
    """Mixed into a gthread worker class: one record per request, dumped at the worker's exit."""

    def init_process(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.probe_local = threading.local()
        super().init_process()  # type: ignore[misc]  # loads the app and runs the loop

    def load_wsgi(self) -> None:
        super().load_wsgi()  # type: ignore[misc]
        app, local = self.wsgi, self.probe_local  # type: ignore[has-type]

        def probed(environ: dict[str, Any], start_response: Any) -> Any:
            record = getattr(local, "record", None)
            t0, s0 = perf_counter(), schedstat()
            try:
                return app(environ, start_response)
            finally:
                s1 = schedstat()
                if record is not None:
                    record.update(
                        path=environ.get("PATH_INFO", ""), app0=t0, app1=perf_counter(),
                        a_cpu=s1[0] - s0[0], a_runq=s1[1] - s0[1],
                    )  # fmt: skip

        self.wsgi = probed

    def enqueue_req(self, conn: Any) -> None:
        conn.probe_ready = perf_counter()
        super().enqueue_req(conn)  # type: ignore[misc]

    def handle(self, conn: Any) -> Any:
        record: dict[str, Any] = {"ready": getattr(conn, "probe_ready", None), "conn": id(conn)}
        self.probe_local.record = record
        t0, s0 = perf_counter(), schedstat()
        try:
            return super().handle(conn)  # type: ignore[misc]
        finally:
            s1 = schedstat()  # kept in the record (not in the report): the committed run read it
            record.update(start=t0, end=perf_counter(), h_cpu=s1[0] - s0[0], h_runq=s1[1] - s0[1])
            conn.probe_record = record
            self.probe_local.record = None

    def finish_request(self, conn: Any, fs: Any) -> None:
        record = getattr(conn, "probe_record", None)
        conn.probe_record = None
        if record is not None and "path" in record and record["ready"] is not None:
            record["fin"] = perf_counter()
            self.records.append(record)
        super().finish_request(conn, fs)  # type: ignore[misc]

    def run(self) -> None:
        try:
            super().run()  # type: ignore[misc]
        finally:
            out = Path(os.environ["PROBE_DIR"]) / f"{os.getpid()}.json"
            out.write_text(json.dumps(self.records))


class ProbedFair(Probe, FairThreadWorker):  # type: ignore[misc]
    pass


class ProbedStock(Probe, ThreadWorker):  # type: ignore[misc]
    pass


PARTS = (
    ("previous response: write, drain", "prev_send"),
    ("back to the main thread", "back"),
    ("main thread: poll to hand-over", "poll"),
    ("thread pool queue", "queue"),
    ("parse (before the app)", "parse"),
    ("app: on the CPU", "a_cpu"),
    ("app: waiting for the CPU", "a_runq"),
    ("app: blocked (GIL, I/O)", "a_blocked"),
    ("response and drain", "send"),
)


def cycles(records: list[dict[str, Any]], path: str) -> list[dict[str, float]]:
    """Per connection, from the moment the previous request's app returned (its response goes out
    then: the client's next request can start no earlier) to this request's end, split by where
    the time went. An upper bound on the latency the client saw."""
    by_conn: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for pid, record in records:
        if record["path"] == path:
            by_conn.setdefault((pid, record["conn"]), []).append(record)
    out = []
    for seq in by_conn.values():
        seq.sort(key=lambda r: r["ready"])
        for prev, cur in itertools.pairwise(seq):
            if cur["ready"] < prev["fin"]:  # id() reused by a new connection
                continue
            out.append(
                {
                    "cycle": cur["end"] - prev["app1"],
                    "prev_send": prev["end"] - prev["app1"],
                    "back": prev["fin"] - prev["end"],
                    "poll": cur["ready"] - prev["fin"],
                    "queue": cur["start"] - cur["ready"],
                    "parse": cur["app0"] - cur["start"],
                    "a_cpu": cur["a_cpu"],
                    "a_runq": cur["a_runq"],
                    "a_blocked": (cur["app1"] - cur["app0"]) - cur["a_cpu"] - cur["a_runq"],
                    "send": cur["end"] - cur["app1"],
                }
            )
    return out


def ab(port: int, path: str, seconds: float, prefix: tuple[str, ...]) -> dict[str, float]:
    """ApacheBench's raw percentiles, for comparison: wrk 4 "corrects" its latency samples for
    coordinated omission (every response slower than twice the mean interval per connection adds
    samples at that latency minus one, two, ... intervals), so a few stalls weigh on its p99."""
    if not shutil.which("ab"):
        return {}
    out = subprocess.run(
        [*prefix, "ab", "-k", "-c16", f"-t{max(1, round(seconds))}", "-n10000000",
         "-H", "X-Forwarded-Proto: https", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    found = {m[0]: float(m[1]) for m in re.findall(r"^\s+(50|99|100)%\s+(\d+)", out, re.M)}
    rps = re.search(r"Requests per second:\s+([\d.]+)", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), **found}


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def row(name: str, view: str, wrk: Any, raw: dict[str, float], found: list[dict[str, float]]) -> str:
    bound = sorted(c["cycle"] * 1000 for c in found)
    ab_cells = f"{raw['rps']:,.0f} | {raw['50']:.0f} | {raw['99']:.0f} | {raw['100']:.0f}" if raw else "n/a | | |"
    probe_cells = f"{percentile(bound, 0.5):.1f} | {percentile(bound, 0.99):.1f} | {bound[-1]:.1f}" if bound else "| |"
    return f"| {name} | {view} | {wrk.rps:,.0f} | {wrk.p99_ms:.1f} | {ab_cells} | {probe_cells} |"


def breakdown(name: str, view: str, found: list[dict[str, float]]) -> list[str]:
    found.sort(key=lambda c: c["cycle"])
    median = found[len(found) // 2]
    slow = found[int(len(found) * 0.99) :]
    total = statistics.mean(c["cycle"] for c in slow)
    lines = [
        f"**{name}, {view}**: {len(found):,} cycles; the slowest 1 % from {slow[0]['cycle'] * 1000:.1f} ms, "
        f"mean {total * 1000:.1f} ms",
        "",
        "| where the time went (ms) | median cycle | slowest 1 %, mean | share of the slowest |",
        "|---|---|---|---|",
    ]
    for label, key in PARTS:
        mean = statistics.mean(c[key] for c in slow)
        lines.append(f"| {label} | {median[key] * 1000:.2f} | {mean * 1000:.2f} | {mean / total * 100:.0f} % |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    import anchors
    import serving
    from run import database_url

    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("tail_probe.py needs wrk and taskset (and ab, from apache2-utils, for raw percentiles)")
    env = {**serving.environment(database_url()), "GUNICORN_ACCESSLOG": "off"}
    pin, load_pin = ("taskset", "-c", "0"), ("taskset", "-c", "1")
    seed, heroku = anchors.anchors(1, pin)[:2]

    def fair(name: str, **extra: str) -> Any:
        return serving.Config(name, env={"GUNICORN_WORKER_CLASS": "tail_probe.ProbedFair", **extra}, pin=pin)

    configs = [
        seed,
        serving.Config(
            heroku.name,
            generated=False,
            args=tuple("tail_probe.ProbedStock" if a == "gthread" else a for a in heroku.args),
            pin=pin,
        ),
        fair("generated (fair 2 x 8)"),
        fair("fair 1 x 16", WEB_CONCURRENCY="1", GUNICORN_THREADS="16"),
        fair("fair 1 x 4", WEB_CONCURRENCY="1", GUNICORN_THREADS="4"),
    ]
    rows, details = [], []
    os.sched_setaffinity(0, {1})
    with tempfile.TemporaryDirectory() as tmp, anchors.database_off_server_cpu() as database:
        project = serving.prepare_project(Path(tmp) / "project", env, sys.executable)
        for config in configs:
            for view in ("trivial", "database", "static"):
                probe_dir = Path(tmp) / "probe"
                shutil.rmtree(probe_dir, ignore_errors=True)
                probe_dir.mkdir()
                config.env["PROBE_DIR"] = str(probe_dir)
                server = serving.Server(project, env, config)
                try:
                    server.start()
                    path = {"trivial": "/ping", "database": "/db"}.get(view) or serving.static_path(server.port)
                    serving.load(server.port, path, 1.0, prefix=load_pin)  # warm up, every thread started
                    start = perf_counter()
                    wrk = serving.load(server.port, path, args.seconds, prefix=load_pin)
                    end = perf_counter()
                    raw = ab(server.port, path, args.seconds, load_pin)
                finally:
                    server.stop()
                records = [
                    (int(f.stem), r)
                    for f in probe_dir.glob("*.json")
                    for r in json.loads(f.read_text())
                    if start <= r["ready"] and r["end"] <= end
                ]
                found = cycles(records, path)
                print(f"{config.name} {view}: {len(found)} cycles", flush=True)
                rows.append(row(config.name, view, wrk, raw, found))
                if found:
                    details += breakdown(config.name, view, found)
    report = [
        "# Where the slowest requests' time goes (threaded workers, CPU-bound views)",
        "",
        f"`python benchmarks/tail_probe.py --seconds {args.seconds:g}`; server on CPU 0, the load on CPU 1, "
        f"16 kept-alive connections, one run per cell, access log off; {database}. wrk then ab on the same "
        "server; the probe's cycles are the wrk run's (the sync worker has no probe).",
        "",
        "| configuration | view | wrk req/s | wrk p99 ms (corrected) | ab req/s | ab p50 ms | ab p99 ms | ab max ms "
        "| cycle p50 ms | cycle p99 ms | cycle max ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        *details,
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tail_probe.md").write_text("\n".join(report))
    print("\n".join(report))


if __name__ == "__main__":
    main()
