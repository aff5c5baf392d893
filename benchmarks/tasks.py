"""Background tasks through the engines a Django project would use, side by side in one run.

    python benchmarks/tasks.py [--tasks 1000] [--rounds 3] [--work 0]

The worker project (tests/projects/worker) on loopback PostgreSQL, RabbitMQ and Redis, as on
Heroku: a burst of N tasks enqueued by one process, run by one worker process type. Each task
records when it ran in Redis (not the database, which django-tasks-db itself uses); a cell is
throughput (tasks per second, first enqueue to last completion, so a slow producer counts too)
and enqueue-to-completion latency p50/p99, the median of alternating rounds with the spread
between them.

Configurations: Celery on RabbitMQ and on Redis with the settings configure() generates on a
platform (acks late, prefetch 1, concurrency from the container) and with Celery's defaults (what
a user gets without us: acks early, prefetch 4, concurrency = the host's CPU count), and the
generated settings with one child per CPU (the worker's one pinned CPU); django-tasks-db's
db_worker (one process, as the Procfile line runs it). The anchor for the physical limit: the same
task body called in a loop in one process (no queue at all). Worker on CPU 0, producer on CPU 1.
`--work S` makes each task sleep S seconds (I/O-bound work). Results in benchmarks/results/tasks.md
and tasks.json. Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PROJECT = ROOT / "tests" / "projects" / "worker"
BIN = Path(sys.executable).parent
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
AMQP = "amqp://guest:guest@127.0.0.1:5672//"
LOOP = "task body in a loop, one process, no queue"
HEROKU = {"DYNO": "web.1", "PORT": "5000", "DJANGO_SECRET_KEY": "b" * 60, "DATABASE_SSL": "false"}

# name -> (extra environment, worker command)
CONFIGS: dict[str, tuple[dict[str, str], list[str]]] = {
    "Celery + RabbitMQ, generated": ({"CLOUDAMQP_URL": AMQP}, ["celery", "-A", "jobs", "worker"]),
    "Celery + RabbitMQ, Celery defaults": (
        {"DJANGO_PLATFORM": "local", "DJANGO_DEBUG": "false", "CELERY_BROKER_URL": AMQP},
        ["celery", "-A", "jobs", "worker"],
    ),
    "Celery + RabbitMQ, generated, one child per CPU": (
        {"CLOUDAMQP_URL": AMQP, "CELERY_WORKER_CONCURRENCY": "1"},
        ["celery", "-A", "jobs", "worker"],
    ),
    "Celery + Redis, generated": ({}, ["celery", "-A", "jobs", "worker"]),
    "Celery + Redis, Celery defaults": (
        {"DJANGO_PLATFORM": "local", "DJANGO_DEBUG": "false", "CELERY_BROKER_URL": f"{REDIS}/14"},
        ["celery", "-A", "jobs", "worker"],
    ),
    "django-tasks-db db_worker": ({}, ["python", "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1"]),
}


def sh(args: list[str], env: dict[str, str], cwd: Path, pin: str = "1") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["taskset", "-c", pin, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=True
    )


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True)


def environment(db: str, queue: str, key: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(PROJECT),
        **HEROKU,
        "DATABASE_URL": f"{PG}/{db}",
        "REDIS_URL": f"{REDIS}/14",
        "JOBS_QUEUE": queue,
        "JOBS_STAMPS": f"{REDIS}/15",
        "JOBS_STAMPS_KEY": key,
        **extra,
    }


def one(name: str, root: Path, db: str, tasks: int, work: float) -> dict[str, float]:
    import redis

    extra, worker = CONFIGS[name]
    key = f"stamps-{uuid.uuid4().hex[:8]}"
    env = environment(db, f"bench-{uuid.uuid4().hex[:8]}", key, extra)
    stamps = redis.Redis.from_url(f"{REDIS}/15")
    django = name.startswith("django")
    task = "stamp_django" if django else "stamp"
    call = f"{task}.enqueue(time.time())" if django else f"{task}.delay(time.time())"
    if work:
        env["JOBS_WORK"] = str(work)
    proc = subprocess.Popen(
        ["taskset", "-c", "0", *worker], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        # Ready: a first task comes back (and is not counted).
        sh(
            ["python", "manage.py", "shell", "-c", f"import time\nfrom summaries.tasks import {task}\n{call}"],
            env,
            root,
        )
        deadline = time.monotonic() + 60
        while stamps.llen(key) < 1:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: the worker ran nothing in 60 s")
            time.sleep(0.05)
        stamps.delete(key)
        script = f"import time\nfrom summaries.tasks import {task}\nfor _ in range({tasks}):\n    {call}\n"
        sh(["python", "manage.py", "shell", "-c", script], env, root)
        deadline = time.monotonic() + 600
        while stamps.llen(key) < tasks:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: {stamps.llen(key)} of {tasks} done in 600 s")
            time.sleep(0.02)
        pairs = [tuple(map(float, raw.split())) for raw in stamps.lrange(key, 0, -1)]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        stamps.delete(key)
    latencies = sorted(done - sent for sent, done in pairs)
    # From the first enqueue (not the producer's start-up) to the last completion.
    first_sent, last = min(sent for sent, _ in pairs), max(done for _, done in pairs)
    return {
        "per_second": tasks / (last - first_sent),
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
    }


def in_process(root: Path, db: str, tasks: int, work: float) -> dict[str, float]:
    """The same body called in a loop: no broker, no worker, the physical limit of one process."""
    key = f"stamps-{uuid.uuid4().hex[:8]}"
    env = environment(db, "unused", key, {"JOBS_WORK": str(work)} if work else {})
    script = (
        "import time\nfrom summaries.tasks import _stamp\nstart = time.time()\n"
        f"for _ in range({tasks}):\n    _stamp(time.time())\nprint(time.time() - start)\n"
    )
    elapsed = float(sh(["python", "manage.py", "shell", "-c", script], env, root, pin="0").stdout.split()[-1])
    import redis

    redis.Redis.from_url(f"{REDIS}/15").delete(key)
    return {"per_second": tasks / elapsed, "p50_ms": 0.0, "p99_ms": 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=float, default=0.0, help="seconds each task sleeps")
    args = parser.parse_args()
    db = f"bench_{uuid.uuid4().hex[:8]}"
    psql(f"CREATE DATABASE {db}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "worker"
        shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
        base = environment(db, "x", "x", {})
        sh(["python", "manage.py", "migrate", "--noinput"], base, root)
        names = list(CONFIGS)
        cells: dict[str, list[dict[str, float]]] = {n: [] for n in [LOOP, *names]}
        try:
            for round_ in range(args.rounds):
                order = names if round_ % 2 == 0 else names[::-1]  # alternate
                cells[LOOP].append(in_process(root, db, args.tasks, args.work))
                for name in order:
                    cells[name].append(one(name, root, db, args.tasks, args.work))
                    print(f"round {round_ + 1} {name}: {cells[name][-1]}", flush=True)
        finally:
            psql(f"DROP DATABASE {db} WITH (FORCE)")
    write(cells, args)


def write(cells: dict[str, list[dict[str, float]]], args: Any) -> None:
    def median(name: str, field: str) -> float:
        return statistics.median(r[field] for r in cells[name])

    def spread(name: str, field: str) -> str:
        values = [r[field] for r in cells[name]]
        return f"{min(values):,.0f}-{max(values):,.0f}"

    title = f"{args.tasks} tasks per round, {args.rounds} rounds, task work {args.work} s"
    lines = [
        f"# Background tasks ({title})",
        "",
        "Worker on CPU 0, producer on CPU 1; loopback PostgreSQL, RabbitMQ, Redis. Medians (spread).",
        "",
        "| configuration | tasks/s | p50 enqueue to done (ms) | p99 (ms) |",
        "|---|---|---|---|",
    ]
    for name in cells:
        lines.append(
            f"| {name} | {median(name, 'per_second'):,.0f} ({spread(name, 'per_second')}) | "
            f"{median(name, 'p50_ms'):,.0f} | {median(name, 'p99_ms'):,.0f} |"
        )
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if not args.work else f"-work{args.work:g}"
    (RESULTS / f"tasks{suffix}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"tasks{suffix}.json").write_text(json.dumps({"title": title, "cells": cells}, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
