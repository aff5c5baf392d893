"""Websocket echo round trips under load, against what a user would run instead, in one run.

    python benchmarks/websocket_echo.py [--seconds 5] [--rounds 3] [--quick] [--only TEXT ...] [--results NAME]

The Channels project of the tests (tests/projects/channels: Channels' tutorial shape, its echo
consumer at /ws/echo/) on Heroku's run environment with PostgreSQL and Redis, under:

- the generated config (`gunicorn chat.asgi`, uvicorn-worker, CPUs + 1 workers);
- flyctl's line: `gunicorn --workers 2 --worker-class uvicorn.workers.UvicornWorker chat.asgi`;
- Daphne, as Channels' tutorial runs it: `daphne chat.asgi:application`;
- Granian's defaults: `granian --interface asgi chat.asgi:application`;
- the Granian launcher (`python -m django_platform.granian chat.asgi:application`: asyncio's loop,
  open websockets closed at a stop), the same on uvloop (benchmarks/granian_variant.py uvloop) and on
  asyncio's loop without the close (benchmarks/granian_variant.py open);
- the physical limit: a bare ASGI echo application (no Django, no Channels) under uvicorn
  (benchmarks/ws_echo_app.py).

Each client connection sends a message and awaits its echo, in a loop (benchmarks/ws_client.py, on
its own CPU when pinned): messages per second, round-trip p50 and p99, errors, at 16 and at 256
connections. Rounds alternate the configurations (ABBA); each cell is the median of the rounds.
Results in benchmarks/results/websocket_echo.md and websocket_echo.json. Not part of CI.
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
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

CONNECTIONS = (16, 256)
BARE = "bare ASGI echo under uvicorn (the physical limit)"


def servers(port: int) -> dict[str, list[str]]:
    """Each configuration's command ({port} filled in), run in the project's directory."""
    bind = ["--bind", f"127.0.0.1:{port}"]
    empty = ["-c", str(HERE / "empty_gunicorn_conf.py")]
    return {
        "generated config (uvicorn-worker)": ["gunicorn", "chat.asgi"],
        "flyctl line (gunicorn -w 2 -k uvicorn.workers.UvicornWorker)": [
            "gunicorn",
            *empty,
            *bind,
            "--workers",
            "2",
            "--worker-class",
            "uvicorn.workers.UvicornWorker",
            "chat.asgi",
        ],
        "Daphne (Channels' tutorial)": ["daphne", "-b", "127.0.0.1", "-p", str(port), "chat.asgi:application"],
        "Granian defaults": [
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "chat.asgi:application",
        ],
        # The launcher (python -m django_platform.granian), on asyncio's loop with its close at a stop,
        # and the same on uvloop (benchmarks/granian_variant.py uvloop): what the close costs each message.
        "Granian launcher (--server granian)": ["python", "-m", "django_platform.granian", "chat.asgi:application"],
        "Granian launcher on uvloop": ["python", "-m", "granian_variant", "uvloop", "chat.asgi:application"],
        "Granian launcher on asyncio without the close": [
            "python",
            "-m",
            "granian_variant",
            "open",
            "chat.asgi:application",
        ],
        BARE: ["uvicorn", "--host", "127.0.0.1", "--port", str(port), "--app-dir", str(HERE), "ws_echo_app:app"],
    }


def up(port: int) -> bool:
    import serving

    with contextlib.suppress(OSError):
        return serving.get(port, "/healthz")[0] < 500
    return False


def measure(project: Path, env: dict[str, str], name: str, seconds: float, pinned: bool) -> dict[int, dict[str, Any]]:
    import serving

    port = serving.free_port()
    bin_dir = Path(sys.executable).parent
    argv = servers(port)[name]
    pin = ["taskset", "-c", "0"] if pinned else []
    log = (project / f"server-{port}.log").open("wb")
    process = subprocess.Popen(
        [*pin, str(bin_dir / argv[0]), *argv[1:]],
        cwd=project,
        # The launcher finds granian on PATH, as the Procfile's shell would.
        env={**env, "PORT": str(port), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not up(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {(project / f'server-{port}.log').read_text()[-2000:]}")
            time.sleep(0.05)
        out = {}
        for connections in CONNECTIONS:
            client = [*(["taskset", "-c", "1"] if pinned else []), sys.executable, str(HERE / "ws_client.py")]
            args = ["--port", str(port), "--connections", str(connections)]
            subprocess.run([*client, *args, "--seconds", "1"], check=True, capture_output=True)  # warm up
            done = subprocess.run([*client, *args, "--seconds", str(seconds)], check=True, capture_output=True)
            out[connections] = json.loads(done.stdout)
        return out
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        time.sleep(1.0)


def table(names: list[str], samples: dict[str, dict[int, list[dict[str, Any]]]]) -> str:
    from anchors import ratio

    lines = []
    for connections in CONNECTIONS:
        limit = statistics.median(s["per_s"] for s in samples[BARE][connections])
        lines += [
            f"**echo, {connections} connections**. Physical limit: the bare echo app, {limit:,.0f} messages/s.",
            "",
            "| configuration | messages/s | spread | p50 ms | p99 ms | errors | x limit |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in names:
            runs = samples[name][connections]
            rate = statistics.median(s["per_s"] for s in runs)
            spread = (max(s["per_s"] for s in runs) - min(s["per_s"] for s in runs)) / rate * 100 if rate else 0
            p50 = statistics.median(s["p50_ms"] for s in runs)
            p99 = statistics.median(s["p99_ms"] for s in runs)
            errors = sum(s["errors"] for s in runs)
            cells = [name, f"{rate:,.0f}", f"±{spread / 2:.0f}%", f"{p50:.1f}", f"{p99:.1f}", str(errors)]
            lines.append("| " + " | ".join([*cells, ratio(rate, limit)]) + " |")
        lines.append("")
    return "\n".join(lines)


def prepare(target: Path, env: dict[str, str]) -> Path:
    shutil.copytree(ROOT / "tests" / "projects" / "channels", target, ignore=shutil.ignore_patterns("__pycache__"))
    for command in (["platform_gunicorn", "--platform", "heroku"], ["migrate", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=target, env=env, check=True, capture_output=True)
    return target


def main() -> None:
    from anchors import arguments, selectable

    args = selectable(arguments(__doc__), "websocket_echo").parse_args()
    from run import database_url, in_bench_venv

    in_bench_venv()
    import serving
    from anchors import alternating_rounds, chosen, command_line, placement, title

    if not shutil.which("taskset"):
        sys.exit("websocket_echo.py needs taskset (apt-get install util-linux)")
    RESULTS.mkdir(exist_ok=True)
    env = {
        **serving.environment(database_url()),
        "REDIS_URL": "redis://127.0.0.1:6379/12",
        "GUNICORN_ACCESSLOG": "off",
        "PYTHONPATH": str(HERE),
    }
    rounds = 1 if args.quick else args.rounds
    report = [
        "# Websocket echo against the anchors",
        "",
        f"`{command_line('websocket_echo.py', args, rounds)}`; {os.cpu_count()} CPUs; "
        f"median of {rounds} alternating rounds; the client in Python (websockets) on its own CPU when pinned.",
        "",
    ]
    document: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = prepare(Path(tmp) / "project", env)
        names = chosen(servers(0), args.only)
        for pinned in (True,) if args.quick else (True, False):
            with placement(pinned) as database:
                one = partial(measure, project, env, seconds=args.seconds, pinned=pinned)
                samples = alternating_rounds(names, rounds, pinned, one)
            report += [f"## {title(pinned, 'client')}", "", f"{database}.", "", table(names, samples)]
            document[title(pinned, "client")] = samples
    (RESULTS / f"{args.results}.md").write_text("\n".join(report))
    (RESULTS / f"{args.results}.json").write_text(json.dumps(document, indent=1))
    print("\n".join(report))


if __name__ == "__main__":
    main()
