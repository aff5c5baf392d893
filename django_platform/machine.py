"""What the container has: the CPUs and memory this process may use, and how many processes fit
(gunicorn's web workers and Celery's children both size by it)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from django_platform.parsers.env import get_int
from django_platform.platforms import Platform

CGROUP = Path("/sys/fs/cgroup")
MB = 1024 * 1024
# Below this a Django worker risks the OOM killer once the app has loaded.
MEMORY_PER_WORKER = 256 * MB


def cpu_limit(cgroup: Path = CGROUP, affinity: int | None = None) -> float:
    """CPUs this process may use: its affinity, capped by the cgroup v2 quota (cpu.max)."""
    if affinity is None:
        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    limit = float(affinity)
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        if quota != "max":
            limit = min(limit, int(quota) / int(period))
    except (OSError, ValueError):
        pass
    return max(limit, 0.1)


def memory_limit(cgroup: Path = CGROUP) -> int | None:
    """Bytes this container may use (cgroup v2 memory.max, or v1), None when unlimited."""
    for path in (cgroup / "memory.max", cgroup / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 writes a huge number for "no limit"
            return int(text)
        return None
    return None


def container_memory(env: Mapping[str, str], memory: int | None, platform: Platform) -> int | None:
    """The memory limit read from the cgroup, else the platform's container-size variable."""
    if memory is not None:
        return memory
    size = get_int(env, platform.size_variable, minimum=1) if platform.size_variable else None
    return size * platform.size_unit if size else None


def memory_cap(env: Mapping[str, str], memory: int | None, platform: Platform) -> str:
    """How the memory limit caps the processes, for the reasons shown: "" without a limit."""
    limit = container_memory(env, memory, platform)
    if limit is None:
        return ""
    source = "the container's memory limit" if memory is not None else platform.size_variable
    return f"at most one per {MEMORY_PER_WORKER // MB} MB of {limit // MB} MB ({source})"


def task_concurrency(env: Mapping[str, str], *, cpus: float, memory: int | None, platform: Platform) -> int:
    """Celery's prefork children: 2 x the CPUs this process may use + 1 (children have no threads;
    tasks wait on mail, APIs and S3 more than they compute: one per CPU ran half as many I/O-bound tasks in
    benchmarks/tasks.py), capped so each has MEMORY_PER_WORKER (Celery's own default counts the
    host's CPUs: 8 children on a 512 MB Heroku dyno)."""
    memory = container_memory(env, memory, platform)
    children = 2 * math.ceil(cpus) + 1
    if memory is not None:
        children = min(children, memory // MEMORY_PER_WORKER)
    return max(1, children)
