"""Running a platform's phases: the variables each phase has (phase_env) and the `web` process
under honcho. The phases themselves, per platform, are the shared table in tests/platform_envs.py."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.platform_envs import LIFECYCLES, Lifecycle, clean_environ
from tests.services import free_port, port_open, unavailable, wait_for

__all__ = ["LIFECYCLES", "Lifecycle", "honcho", "phase_env"]

BIN = Path(sys.executable).parent


def phase_env(lifecycle: Lifecycle, phase: str, config: dict[str, str], run_only: dict[str, str]) -> dict[str, str]:
    """The variables a phase has. `config`: the user's config vars and add-on variables;
    `run_only`: what exists only in the running containers (Upsun's relationships and routes)."""
    user = {**lifecycle.user, **config}
    if phase == "build":
        return {**lifecycle.build, **(user if lifecycle.config_at_build else {})}
    if phase == "release":
        own = lifecycle.run if lifecycle.release in (None, {}) else lifecycle.release
        return {**own, **user, **run_only}
    return {**lifecycle.run, **user, **run_only}


def run_step(project: Path, command: str, env: dict[str, str]) -> None:
    """A build or release command of the platform's, run as its builder runs it: in the project,
    with only `env` (and the slug's python first on PATH)."""
    path = f"{BIN}:{clean_environ().get('PATH', '/usr/bin:/bin')}"
    result = subprocess.run(
        shlex.split(command),
        cwd=project,
        env=clean_environ(**env, PATH=path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"


def children(pid: int) -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(root: int) -> list[int]:
    tree, found, stack = children(root), [], [root]
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


@contextlib.contextmanager
def honcho(
    project: Path, env: dict[str, str], process: str | tuple[str, ...] = "web", *, command: str | None = None
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`honcho start -p PORT <process>...` in the project, as a Procfile platform starts it; with
    `command`, that command instead (a platform that reads no Procfile runs its own)."""
    processes = (process,) if isinstance(process, str) else process
    if not (BIN / "honcho").exists():
        unavailable("honcho is not installed (pip install honcho)")
    port = free_port()
    full = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(project), **env}
    procfile = []
    if command is not None:
        (project / "Procfile.platform").write_text(f"{processes[0]}: {command}\n")
        procfile = ["-f", "Procfile.platform"]
    log = (project / "honcho.log").open("w")  # the processes' output, readable while they run
    try:
        proc = subprocess.Popen(
            [str(BIN / "honcho"), "start", *procfile, "-p", str(port), *processes],
            cwd=project,
            env=full,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    except BaseException:
        log.close()
        raise
    try:
        started = wait_for(lambda: port_open("127.0.0.1", port) or proc.poll() is not None, timeout=30)
        if not started or proc.poll() is not None:
            proc.kill()
            proc.wait()
            pytest.fail(f"the Procfile did not start: {(project / 'honcho.log').read_text()[-3000:]}")
        yield proc, port
    finally:
        if proc.poll() is None:
            # honcho starts each process in its own group: kill the whole tree, not just honcho.
            for pid in [*descendants(proc.pid), proc.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.wait()
        log.close()
