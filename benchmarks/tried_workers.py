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
"""

from __future__ import annotations

import collections
import os
import threading
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


class TriedThreadWorker(FairThreadWorker):  # type: ignore[misc]
    linger = 0.0
    patience = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.turns = Turns(self.patience)

    def one(self, conn: Any) -> Any:
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
