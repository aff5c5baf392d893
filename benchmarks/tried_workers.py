"""Worker classes tried against the tail latency of CPU-bound views, and not adopted (#13).

    python benchmarks/anchors.py --tried

gunicorn imports them from here (the benchmark puts benchmarks/ on the server's PYTHONPATH). Both
build on the generated config's worker (deploy/gthread.py); results in results/anchors-tried.md.

- LingerThreadWorker: after a kept-alive response, the pool thread waits up to LINGER seconds for
  the connection's next request and serves it itself, instead of handing the connection back to the
  main thread's poller and the next request to the pool (two thread hops per request). Only while no
  request waits for a thread.
- TurnsThreadWorker: one request at a time runs in a worker, first come first served (CPython's GIL
  is not fair: a thread can lose it many times in a row); a request that has waited PATIENCE seconds
  runs anyway, as the one holding the turn is then likely waiting on I/O.
- CpuTurnsThreadWorker: the same turns without a fixed patience: the first waiter looks at the
  holder's thread CPU clock every CHECK seconds and takes the turn over when the holder used under a
  quarter of a CPU since the last look (it waits on the database, an API or a slow client).
"""

from __future__ import annotations

import collections
import os
import threading
import time
from typing import Any

from gunicorn.workers.gthread import _DEFER, DEFAULT_WORKER_DATA_TIMEOUT

from django_platform.deploy.gthread import FairThreadWorker


class Turns:
    """A first-come-first-served turn, taken anyway after `patience` seconds."""

    def __init__(self, patience: float) -> None:
        self.patience = patience
        self.lock = threading.Lock()
        self.queue: collections.deque[threading.Event] = collections.deque()
        self.held = False

    def acquire(self) -> bool:
        """True when the caller holds the turn (and must release it)."""
        with self.lock:
            if not self.held:
                self.held = True
                return True
            event = threading.Event()
            self.queue.append(event)
        if event.wait(self.patience):
            return True
        with self.lock:
            if event.is_set():  # handed over as the wait timed out
                return True
            self.queue.remove(event)
        return False

    def release(self) -> None:
        with self.lock:
            if self.queue:
                self.queue.popleft().set()  # handed over: still held
            else:
                self.held = False


class Waiter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()  # released by the hand-over
        self.clock = time.pthread_getcpuclockid(threading.get_ident())


class CpuTurns:
    """First-come-first-served turns; the first waiter takes the turn over when the holder's thread
    used under a quarter of a CPU since the last look (it waits on I/O or a slow client)."""

    def __init__(self, check: float) -> None:
        self.check = check
        self.lock = threading.Lock()
        self.queue: collections.deque[Waiter] = collections.deque()
        self.holder: Waiter | None = None
        self.seen: tuple[float, float] = (0.0, 0.0)  # (holder's CPU time, wall time) at the last look

    def acquire(self) -> Waiter:
        me = Waiter()
        with self.lock:
            if self.holder is None:
                self.holder = me
                return me
            self.queue.append(me)
        while not me.lock.acquire(timeout=self.check):
            with self.lock:
                if self.holder is me:  # handed over as the wait timed out
                    return me
                if self.queue[0] is not me or self.holder is None:
                    continue
                cpu, wall = time.clock_gettime(self.holder.clock), time.monotonic()
                last_cpu, last_wall = self.seen
                self.seen = (cpu, wall)
                if last_wall and cpu - last_cpu < 0.25 * (wall - last_wall):
                    self.queue.popleft()
                    self.take(me)
                    return me
        return me

    def take(self, waiter: Waiter) -> None:
        self.holder = waiter
        self.seen = (0.0, 0.0)

    def release(self, me: Waiter) -> None:
        with self.lock:
            if self.holder is not me:  # taken over while it waited on I/O
                return
            if self.queue:
                nxt = self.queue.popleft()
                self.take(nxt)
                nxt.lock.release()
            else:
                self.holder = None


class TriedThreadWorker(FairThreadWorker):  # type: ignore[misc]
    linger = 0.0
    patience = 0.0
    check = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.turns = Turns(self.patience)
        self.cpu_turns = CpuTurns(self.check) if self.check else None

    def one(self, conn: Any) -> Any:
        if self.cpu_turns is not None:
            turn = self.cpu_turns.acquire()
            try:
                return super().handle(conn)
            finally:
                self.cpu_turns.release(turn)
        if not self.patience:
            return super().handle(conn)
        held = self.turns.acquire()
        try:
            return super().handle(conn)
        finally:
            if held:
                self.turns.release()

    def handle(self, conn: Any) -> Any:
        # A new connection waits for its first bytes before it takes a turn.
        if not conn.initialized and not conn.data_ready:
            if not conn.wait_for_data(DEFAULT_WORKER_DATA_TIMEOUT):
                return _DEFER
            conn.data_ready = True
        result = self.one(conn)
        while self.linger and result is True and self.alive and not conn.is_http2 and self.busy <= self.cfg.threads:
            if not conn.parser.unreader.buf.getvalue() and not conn.wait_for_data(self.linger):
                break
            result = self.one(conn)
        return result


class LingerThreadWorker(TriedThreadWorker):
    linger = float(os.environ.get("LINGER", "0.002"))


class TurnsThreadWorker(TriedThreadWorker):
    patience = float(os.environ.get("PATIENCE", "0.005"))


class LingerTurnsThreadWorker(TriedThreadWorker):
    linger = float(os.environ.get("LINGER", "0.002"))
    patience = float(os.environ.get("PATIENCE", "0.005"))


class CpuTurnsThreadWorker(TriedThreadWorker):
    check = float(os.environ.get("CHECK", "0.001"))


class LingerCpuTurnsThreadWorker(TriedThreadWorker):
    linger = float(os.environ.get("LINGER", "0.002"))
    check = float(os.environ.get("CHECK", "0.001"))
