"""Procfiles run by a real Procfile runner (honcho): generated ones and the seeds' literal ones."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lifecycle import children, descendants
from tests.lifecycle import honcho as run_procfile
from tests.platform_envs import PLATFORM_ENVS, SECRET, clean_environ
from tests.services import wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEEDS = {
    # ../shared/seeds: cloudControl's Procfile, word for word, and Qoddi's.
    "cloudcontrol": "web: python manage.py run_gunicorn --config gunicorn_config.py -b 0.0.0.0:$PORT\n"
    "manage: python manage.py\n",
    "qoddi": "web: gunicorn example.wsgi\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(
        ROOT / "example_project", target, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__", "staticfiles")
    )
    return target


def manage(project: Path, *args: str) -> None:
    env = clean_environ()
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=project, check=True, capture_output=True, timeout=60, env=env
    )


def gunicorn_workers(root: int) -> int:
    """gunicorn workers below `root`: processes with no children whose parent is gunicorn's master
    (the shell honcho starts the command with has the master as its child)."""
    tree = children(root)
    count = 0
    for pid in descendants(root):
        try:
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in cmdline and not tree.get(pid) and not cmdline.startswith(b"/bin/sh"):
            count += 1
    return count


@pytest.fixture
def honcho(project: Path) -> Iterator[object]:
    with contextlib.ExitStack() as stack:

        def start(env: dict[str, str], process: str = "web") -> tuple[subprocess.Popen[str], int]:
            return stack.enter_context(run_procfile(project, env, process))

        yield start


def get(port: int, host: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/ping", headers={"X-Forwarded-Proto": "https", "Host": host}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


def stop(proc: subprocess.Popen[str], project: Path) -> str:
    # honcho's SIGTERM handler prints, and dies with "reentrant call inside BufferedWriter" (leaving
    # gunicorn running) when the signal lands while it is printing a line of gunicorn's: let the
    # access log line of the last request through first.
    time.sleep(0.5)
    tree = descendants(proc.pid)  # before the signal: orphans of a crashed honcho are not its children
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        for pid in [*tree, proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"did not stop on SIGTERM: {(project / 'honcho.log').read_text()[-3000:]}")
    assert time.monotonic() - started < 35
    return (project / "honcho.log").read_text()


def platform_env(platform: str) -> dict[str, str]:
    return {**PLATFORM_ENVS[platform], "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["heroku", "cloudcontrol", "qoddi", "fly"])
def test_generated_procfile_serves_and_stops_cleanly(platform: str, project: Path, honcho: object) -> None:
    manage(project, "platform_procfile", "--platform", platform)
    manage(project, "platform_gunicorn", "--platform", platform)
    proc, port = honcho(platform_env(platform), "web")  # type: ignore[operator]
    status, body = get(port, "127.0.0.1")
    assert (status, body) == (200, b"pong\n")
    output = stop(proc, project)
    assert "Shutting down: Master" in output
    assert "Traceback" not in output


@pytest.mark.slow
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_procfiles_run_unchanged(seed: str, project: Path, honcho: object) -> None:
    (project / "Procfile").write_text(SEEDS[seed])
    manage(project, "platform_gunicorn", "--platform", seed)
    proc, port = honcho({**platform_env(seed), "WEB_CONCURRENCY": "3"}, "web")  # type: ignore[operator]
    assert get(port, "127.0.0.1")[0] == 200
    assert wait_for(lambda: gunicorn_workers(proc.pid) == 3, timeout=15), gunicorn_workers(proc.pid)
    assert "Shutting down: Master" in stop(proc, project)


@pytest.mark.slow
def test_workers_follow_web_concurrency(project: Path, honcho: object) -> None:
    manage(project, "platform_procfile", "--platform", "heroku")
    manage(project, "platform_gunicorn", "--platform", "heroku")
    proc, port = honcho({**platform_env("heroku"), "WEB_CONCURRENCY": "2"}, "web")  # type: ignore[operator]
    assert get(port, "127.0.0.1")[0] == 200
    assert wait_for(lambda: gunicorn_workers(proc.pid) == 2, timeout=15), gunicorn_workers(proc.pid)
    stop(proc, project)
