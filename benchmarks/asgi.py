"""ASGI servers against what a user would run instead, in one run.

    python benchmarks/asgi.py [--seconds 5] [--rounds 3] [--quick] [--only TEXT ...] [--results NAME]

The example project (a copy, with one async view added: /wait awaits 50 ms, as a call to another
service does) under:

- flyctl's line: `gunicorn --workers 2 --worker-class uvicorn.workers.UvicornWorker example.asgi`,
  no config file (its scanner writes this for a project with asgi.py and uvicorn);
- Render's example: the same worker with `WEB_CONCURRENCY=4`;
- Granian's defaults: `granian --interface asgi --port $PORT example.asgi:application` (1 worker);
- the generated config serving `example.asgi` (uvicorn-worker, CPUs + 1 workers); the Granian
  launcher `platform_procfile --server granian` writes (`python -m django_platform.granian
  example.asgi:application`: the same worker count, kept threads, asyncio's loop, keep-alive off as
  on Heroku), the same with keep-alive (`GUNICORN_KEEPALIVE=60`, the longest Granian keeps an idle
  connection), and on uvloop (benchmarks/granian_variant.py uvloop, as it ran before its websocket
  close); the generated config with
  gunicorn's own `asgi` worker (`GUNICORN_WORKER_CLASS=asgi`, gunicorn 27), and with ServeStatic's
  middleware in place of WhiteNoise's async-capable subclass, and with Django's middleware hooks each
  in a thread and SyncChainMiddleware last, as before the hooks ran on the event loop
  (`DJANGO_PLATFORM_INLINE_MIDDLEWARE=false`), and with a new thread per request as Django's handler
  has it (`DJANGO_PLATFORM_REUSE_THREADS=false`);
- the generated config serving `example.wsgi` (gthread): the WSGI anchor.

Views: /wait at 16 and at 256 connections, trivial (/ping), database (/db, PostgreSQL), static (the
admin's hashed CSS). The physical limit beside them: for /wait, connections / 50 ms (320 req/s at
16, 5,120 at 256), capped by the CPU limit (the trivial view's throughput under the WSGI config in
the same table).

Two tables: the server pinned to CPU 0 and wrk (and PostgreSQL) to CPU 1; then unpinned. Rounds
alternate the configurations (ABBA); each cell is the median of the rounds with the spread. Results
in benchmarks/results/asgi.md and asgi.json. Not part of CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

WAIT = "/wait"
ASYNC_VIEW = """

# benchmarks/asgi.py: an async view that awaits 50 ms, as a call to another service does.
import asyncio as _asyncio  # noqa: E402

from django.http import HttpResponse as _HttpResponse  # noqa: E402


async def _wait(request):
    await _asyncio.sleep(0.05)
    return _HttpResponse("waited")


urlpatterns.insert(0, path("wait", _wait))
"""
SERVESTATIC = """

# benchmarks/asgi.py: the static middleware measured in the generated config's place.
import os as _os  # noqa: E402

_STATIC = {
    "servestatic": "servestatic.middleware.ServeStaticMiddleware",
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware",
}.get(_os.environ.get("BENCH_STATIC", ""))
if _STATIC:
    MIDDLEWARE = [_STATIC if "WhiteNoise" in m else m for m in MIDDLEWARE]

if _os.environ.get("BENCH_NO_SYNC_CHAIN"):  # the chain as Django builds it without SyncChainMiddleware
    MIDDLEWARE = [m for m in MIDDLEWARE if not m.endswith("SyncChainMiddleware")]
"""


@dataclass
class Server:
    """One server process for a configuration: gunicorn (as serving.Server starts it) or any argv."""

    name: str
    app: str = "example.asgi"
    env: dict[str, str] = field(default_factory=dict)
    generated: bool = True
    args: tuple[str, ...] = ()
    argv: tuple[str, ...] = ()  # a whole command ({port} filled in) instead of gunicorn


# Each middleware hook in a thread and SyncChainMiddleware last, as before the hooks ran on the loop.
DJANGOS_HOOKS = {"DJANGO_PLATFORM_INLINE_MIDDLEWARE": "false"}


# The line flyctl's Django scanner writes for a project with asgi.py and uvicorn, no config file.
FLYCTL = Server(
    "flyctl line (gunicorn -w 2 -k uvicorn.workers.UvicornWorker)",
    generated=False,
    args=("--workers", "2", "--worker-class", "uvicorn.workers.UvicornWorker"),
)


def configs(cpus: int) -> list[Server]:
    return [
        FLYCTL,
        Server(
            "Render example (UvicornWorker, WEB_CONCURRENCY=4)",
            generated=False,
            args=("--worker-class", "uvicorn.workers.UvicornWorker"),
            env={"WEB_CONCURRENCY": "4"},
        ),
        Server(
            "Granian defaults",
            argv=(
                "granian",
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "example.asgi:application",
            ),
        ),
        Server("generated ASGI (uvicorn-worker)"),
        Server(
            "generated ASGI, Granian (--server granian)",
            # The launcher finds granian on PATH, as the Procfile's shell would.
            argv=("python", "-m", "django_platform.granian", "example.asgi:application"),
            env={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        ),
        Server(
            # On Heroku the launcher turns keep-alive off (its router keeps idle connections 90 s,
            # Granian at most 60): the same with the longest keep-alive Granian has.
            "generated ASGI, Granian, keep-alive 60 s",
            argv=("python", "-m", "django_platform.granian", "example.asgi:application"),
            env={
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "GUNICORN_KEEPALIVE": "60",
            },
        ),
        Server(
            "generated ASGI, Granian on uvloop",
            argv=("python", "-m", "granian_variant", "uvloop", "example.asgi:application"),
            env={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        ),
        Server("generated ASGI, gunicorn's asgi worker", env={"GUNICORN_WORKER_CLASS": "asgi"}),
        Server("generated ASGI, ServeStatic", env={"BENCH_STATIC": "servestatic"}),
        Server(
            "generated ASGI, Django's hooks + SyncChainMiddleware", env={"DJANGO_PLATFORM_INLINE_MIDDLEWARE": "false"}
        ),
        Server("generated ASGI, a new thread per request", env={"DJANGO_PLATFORM_REUSE_THREADS": "false"}),
        Server("generated WSGI (gthread)", app="example.wsgi"),
    ]


def start(
    project: Path, env: dict[str, str], config: Server, pin: tuple[str, ...]
) -> tuple[subprocess.Popen[bytes], int]:
    import serving

    port = serving.free_port()
    bin_dir = Path(sys.executable).parent
    if config.argv:
        args = [*pin, str(bin_dir / config.argv[0]), *(a.format(port=port) for a in config.argv[1:])]
    else:
        args = [*pin, str(bin_dir / "gunicorn"), config.app, *config.args]
        if not config.generated:
            args += ["-c", str(HERE / "empty_gunicorn_conf.py"), "--bind", f"127.0.0.1:{port}"]
    full = {**env, **config.env, "PORT": str(port), "PYTHONPATH": str(HERE)}
    log = (project / f"server-{port}.log").open("wb")
    process = subprocess.Popen(args, cwd=project, env=full, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if serving.get(port, "/ping")[0] == 200:
                return process, port
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{config.name} did not start: {(project / f'server-{port}.log').read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    time.sleep(1.0)


VIEWS = ("async 50 ms x16", "async 50 ms x256", "trivial", "database", "static")


def measure(project: Path, env: dict[str, str], config: Server, seconds: float, pinned: bool) -> dict[str, Any]:
    import serving

    pin = ("taskset", "-c", "0") if pinned else ()
    wrk_pin = ("taskset", "-c", "1") if pinned else ()
    process, port = start(project, env, config, pin)
    try:
        paths = {"async 50 ms x16": (WAIT, 16), "async 50 ms x256": (WAIT, 256), "trivial": ("/ping", 16)}
        paths |= {"database": ("/db", 16), "static": (serving.static_path(port), 16)}
        out = {}
        for view, (path, connections) in paths.items():
            serving.load(port, path, 1.0, connections=connections, prefix=wrk_pin)  # warm up
            out[view] = serving.load(port, path, seconds, connections=connections, prefix=wrk_pin)
        return out
    finally:
        stop(process)


def table(names: list[str], samples: dict[str, dict[str, list[Any]]]) -> str:
    from anchors import ratio

    wsgi = "generated WSGI (gthread)"
    cpu_limit = statistics.median(s.rps for s in samples[wsgi]["trivial"])
    lines = []
    for view in VIEWS:
        rps = {n: statistics.median(s.rps for s in samples[n][view]) for n in names}
        best = max(rps.values())
        limit = ""
        if view.startswith("async"):
            connections = int(view.rsplit("x", 1)[1])
            physical = min(connections / 0.05, cpu_limit)
            limit = (
                f" Physical limit: min({connections} / 50 ms, the CPU limit {cpu_limit:,.0f}) = {physical:,.0f} req/s."
            )
        lines += [
            f"**{view}**.{limit}",
            "",
            "| configuration | req/s | spread | p50 ms | p99 ms | errors | x best |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in names:
            loads = samples[name][view]
            spread = (max(s.rps for s in loads) - min(s.rps for s in loads)) / rps[name] * 100 if rps[name] else 0
            p50 = statistics.median(s.p50_ms for s in loads)
            p99 = statistics.median(s.p99_ms for s in loads)
            errors = sum(s.errors for s in loads)
            lines.append(
                f"| {name} | {rps[name]:,.0f} | ±{spread / 2:.0f}% | {p50:.1f} | {p99:.1f} | {errors} | "
                f"{ratio(rps[name], best)} |"
            )
        lines.append("")
    return "\n".join(lines)


def prepare(target: Path, env: dict[str, str]) -> Path:
    import serving

    project = serving.prepare_project(target, env, sys.executable)
    with (project / "example" / "urls.py").open("a") as urls:
        urls.write(ASYNC_VIEW)
    with (project / "example" / "settings.py").open("a") as settings:
        settings.write(SERVESTATIC)
    return project


def measure_named(
    project: Path, env: dict[str, str], servers: dict[str, Any], seconds: float, pinned: bool, name: str
) -> dict[str, Any]:
    return measure(project, env, servers[name], seconds, pinned)


def main() -> None:
    from anchors import arguments, selectable

    args = selectable(arguments(__doc__), "asgi").parse_args()
    from run import database_url, in_bench_venv

    in_bench_venv()
    import gunicorn
    import serving
    from anchors import alternating_rounds, chosen, command_line, placement, title

    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("asgi.py needs wrk and taskset (apt-get install wrk util-linux)")
    RESULTS.mkdir(exist_ok=True)
    env = {**serving.environment(database_url()), "GUNICORN_ACCESSLOG": "off"}
    rounds = 1 if args.quick else args.rounds
    report = [
        "# ASGI servers against the anchors",
        "",
        f"`{command_line('asgi.py', args, rounds)}`; gunicorn {gunicorn.__version__}; "
        f"{os.cpu_count()} CPUs; median of {rounds} alternating rounds; access logs off; PostgreSQL on loopback.",
        "",
    ]
    document: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = prepare(Path(tmp) / "project", env)
        for pinned in (True,) if args.quick else (True, False):
            cpus = 1 if pinned else len(os.sched_getaffinity(0))
            every = {c.name: c for c in configs(cpus)}
            servers = {name: every[name] for name in chosen(every, args.only)}
            with placement(pinned) as database:
                samples = alternating_rounds(
                    list(servers), rounds, pinned, partial(measure_named, project, env, servers, args.seconds, pinned)
                )
            report += [f"## {title(pinned)}", "", f"{database}.", "", table(list(servers), samples)]
            document[title(pinned)] = {
                n: {v: [vars(s) for s in loads] for v, loads in by.items()} for n, by in samples.items()
            }
    (RESULTS / f"{args.results}.md").write_text("\n".join(report))
    (RESULTS / f"{args.results}.json").write_text(json.dumps(document, indent=1))
    print("\n".join(report))


if __name__ == "__main__":
    main()
