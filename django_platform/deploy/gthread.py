"""gunicorn's threaded worker, accepting a connection only while one of its threads is idle.

Stock gthread accepts while it holds fewer than worker_connections (1,000) connections. All workers
share one listening socket, so the first to wake takes every connection of a burst and queues them
behind its own threads while the others idle; the connections stay with it (keep-alive). Measured
in benchmarks/anchors.py: 0.29x-0.45x Heroku's sample settings on a view that waits 50 ms. This worker
stops polling the listening socket while every thread is busy, so the kernel's queue waits for a
worker with an idle thread. Unlike reuse_port (one socket per worker), nothing is queued on a worker
that exits: recycling and deploys reset no connection.

When every worker is busy, a connection would wait in the kernel's queue until some worker has a
lull, behind kept-alive connections that keep every thread busy (p99 above a second with slow
clients): a connection that has waited STARVED seconds is taken anyway, into the thread pool's
first-come queue, as stock gthread would.

Imported by gunicorn when it loads worker_class (master and workers), never at settings import.
"""

from __future__ import annotations

import select
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

STARVED = 0.02


class FairThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    """gthread (gunicorn 27+), with accepting tied to idle threads. Every hook runs on the
    worker's main thread (finish_request through gunicorn's method queue): no lock needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.busy = 0  # requests submitted to the thread pool and not finished
        self.pending_since: float | None = None  # a connection seen waiting in the kernel's queue

    def may_accept(self) -> bool:
        """An idle thread, or a connection no worker has taken for STARVED seconds."""
        if self.busy < self.cfg.threads:
            return True
        if not select.select(self.sockets, [], [], 0)[0]:
            self.pending_since = None
            return False
        now = time.monotonic()
        if self.pending_since is None:
            self.pending_since = now
        return now - self.pending_since >= STARVED

    def set_accept_enabled(self, enabled: bool) -> None:
        # gunicorn's loop asks for accepting whenever it holds < worker_connections.
        super().set_accept_enabled(enabled and self.may_accept())

    def accept(self, listener: Any) -> None:
        # A second listener ([::] and 0.0.0.0) can be ready in the same poll that filled the threads.
        if self.may_accept():
            self.pending_since = None  # the next waiting connection gets its own STARVED
            super().accept(listener)

    def enqueue_req(self, conn: Any) -> None:
        self.busy += 1
        super().enqueue_req(conn)
        if self.busy >= self.cfg.threads:
            super().set_accept_enabled(False)

    def finish_request(self, conn: Any, fs: Any) -> None:
        # The loop re-enables accepting on its next turn; a read-ahead request re-enters enqueue_req.
        self.busy -= 1
        super().finish_request(conn, fs)
