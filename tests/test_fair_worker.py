"""The generated config's worker class, under real gunicorn: connections spread over the workers
that have an idle thread, and recycling a worker resets no connection (as reuse_port would)."""

from __future__ import annotations

import contextlib
import http.client
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gunicorn import version_info as gunicorn_version_info

from django_platform.deploy import gthread
from django_platform.deploy.gunicorn import FAIR_GUNICORN, FAIR_WORKER, settings
from django_platform.platforms import BY_NAME
from tests.platform_envs import clean_environ
from tests.services import free_port, port_open, wait_for

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")

# The fair worker overrides gthread's internals as gunicorn 27 has them; under another release the
# generated config runs stock gthread (tests/test_gunicorn_conf.py), and these tests do not apply.
pytestmark = pytest.mark.skipif(
    gunicorn_version_info[0] != FAIR_GUNICORN,
    reason=f"the fair worker runs on gunicorn {FAIR_GUNICORN} only; this environment has another release",
)


@contextlib.contextmanager
def gunicorn(*args: str) -> Iterator[int]:
    port = free_port()
    command = [GUNICORN, "tests.wsgi_app:waits", "--bind", f"127.0.0.1:{port}", "--keep-alive", "30", *args]
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env={**clean_environ(), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        try:
            assert wait_for(lambda: port_open("127.0.0.1", port), 20), "gunicorn did not start"
            yield port
        finally:
            proc.terminate()
            out = proc.communicate(timeout=30)[0].decode()
            assert "Traceback" not in out, out[-3000:]


def clients(port: int, count: int, requests: int, seconds: float) -> tuple[list[str], list[str], float]:
    """`count` keep-alive clients, each sending `requests` requests in turn: (pids that answered,
    failures, seconds for all)."""
    answers: list[str] = []
    failures: list[str] = []
    ready = threading.Barrier(count)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        ready.wait()
        for _ in range(requests):
            try:
                connection.request("GET", f"/?s={seconds}")
                response = connection.getresponse()
                body = response.read().decode()
                (answers if response.status == 200 else failures).append(body or str(response.status))
            except (OSError, http.client.HTTPException) as exc:
                failures.append(repr(exc))
                connection.close()  # the next request opens a new connection
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers, failures, time.monotonic() - started


def test_the_generated_config_uses_the_fair_worker() -> None:
    values = settings({}, BY_NAME["heroku"], cpus=1, memory=None)
    assert values["worker_class"] == FAIR_WORKER
    assert settings({"GUNICORN_WORKER_CLASS": "gthread"}, BY_NAME["heroku"], cpus=1, memory=None)["worker_class"] == (
        "gthread"
    )


@pytest.mark.slow
def test_a_burst_of_keep_alive_connections_is_shared_by_the_workers() -> None:
    # 2 workers x 2 threads, 4 clients each sending 3 requests of 0.3 s on one connection: served 4 at
    # a time that is about 0.9 s. Stock gthread lets the first worker to wake take all 4 connections
    # and serve them with its 2 threads (about 1.8 s), the other worker idle.
    with gunicorn("--worker-class", FAIR_WORKER, "--workers", "2", "--threads", "2") as port:
        answers, failures, elapsed = clients(port, count=4, requests=3, seconds=0.3)
    assert not failures
    assert len(answers) == 12
    assert len(set(answers)) == 2, f"one worker served every request: {answers}"
    assert elapsed < 1.5, f"{elapsed:.2f} s: requests queued behind busy threads"


@pytest.mark.slow
def test_recycling_workers_under_load_resets_no_connection() -> None:
    # max_requests 15: each of 2 workers exits several times while 4 clients keep sending; with
    # reuse_port the connections queued on an exiting worker's own socket are reset.
    with gunicorn(
        "--worker-class", FAIR_WORKER, "--workers", "2", "--threads", "2", "--max-requests", "15"
    ) as port:  # fmt: skip
        answers, failures, _ = clients(port, count=4, requests=40, seconds=0.005)
    assert not failures, failures[:5]
    assert len(answers) == 160
    assert len(set(answers)) > 2, "no worker was recycled"


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 3])
def test_connections_beyond_the_threads_wait_and_are_all_served(threads: int) -> None:
    # One worker, threads + 2 clients: the extra connections wait (in the kernel's queue, then the
    # pool's after STARVED) and none is dropped; never more than `threads` requests run at once, so
    # the 2 x (threads + 2) requests of 0.2 s take at least their serial time over the threads.
    with gunicorn("--worker-class", FAIR_WORKER, "--workers", "1", "--threads", str(threads)) as port:
        answers, failures, elapsed = clients(port, count=threads + 2, requests=2, seconds=0.2)
    assert not failures
    assert len(answers) == 2 * (threads + 2)
    assert elapsed >= 0.95 * 2 * (threads + 2) * 0.2 / threads


@contextlib.contextmanager
def in_process(threads: int, clients: int) -> Iterator[tuple[Any, Any, list[socket.socket]]]:
    """The worker's own methods on real sockets, in this process (its loop and signals are
    gunicorn's): (worker, listener, connected clients)."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from django_platform.deploy.gthread import FairThreadWorker
    from tests.wsgi_app import waits

    cfg = Config()
    cfg.set("threads", threads)
    cfg.set("accesslog", None)
    listener = socket.create_server(("127.0.0.1", 0))
    worker = FairThreadWorker(0, 0, [listener], None, 30, cfg, Logger(cfg))
    worker.wsgi = waits
    worker.tpool = worker.get_thread_pool()
    worker.poller = selectors.DefaultSelector()
    worker.method_queue.init()
    connected = [socket.create_connection(listener.getsockname()) for _ in range(clients)]
    try:
        yield worker, listener, connected
    finally:
        for client in connected:
            client.close()
        worker.tpool.shutdown(wait=True)
        worker.method_queue.run_callbacks(None)
        worker.murder_keepalived(force=True)  # the server's ends of the kept-alive connections
        worker.poller.close()
        worker.method_queue.close()
        listener.close()
        worker.tmp.close()


def test_the_worker_in_process_accepts_only_with_an_idle_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gthread, "STARVED", 60.0)
    with in_process(threads=1, clients=2) as (worker, listener, clients):
        worker.set_accept_enabled(True)
        assert worker._accepting
        for client in clients:
            client.sendall(b"GET /?s=0.2 HTTP/1.1\r\nHost: x\r\n\r\n")
        worker.accept(listener)
        assert (worker.busy, worker.nr_conns, worker._accepting) == (1, 1, False)  # its one thread is busy
        worker.accept(listener)  # a second listener's event from the same poll: not taken
        worker.set_accept_enabled(True)  # gunicorn's loop asks again: still no idle thread
        assert (worker.nr_conns, worker._accepting) == (1, False)
        assert clients[0].recv(4096).startswith(b"HTTP/1.1 200")
        assert wait_for(lambda: worker.method_queue.run_callbacks(None) or worker.busy == 0, 5)
        worker.set_accept_enabled(True)
        assert worker._accepting
        worker.accept(listener)
        assert (worker.busy, worker.nr_conns) == (1, 2)
        assert clients[1].recv(4096).startswith(b"HTTP/1.1 200")


def test_a_connection_no_worker_takes_is_taken_after_starved(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every thread busy in every worker: the waiting connection goes to the thread pool's queue
    # after STARVED instead of waiting for a lull.
    monkeypatch.setattr(gthread, "STARVED", 0.1)
    with in_process(threads=1, clients=2) as (worker, listener, clients):
        worker.set_accept_enabled(True)
        for client in clients:
            client.sendall(b"GET /?s=0.3 HTTP/1.1\r\nHost: x\r\n\r\n")
        worker.accept(listener)
        assert not worker.may_accept()  # the second has just been seen waiting
        time.sleep(0.15)
        worker.set_accept_enabled(True)
        assert worker._accepting
        worker.accept(listener)
        assert (worker.busy, worker.nr_conns, worker._accepting) == (2, 2, False)
        assert worker.pending_since is None
        assert not worker.may_accept()  # nothing waits now
        for client in clients:  # the second after the first, on the one thread
            assert client.recv(4096).startswith(b"HTTP/1.1 200")


def test_the_worker_in_process_keeps_accepting_with_a_thread_idle() -> None:
    with in_process(threads=2, clients=1) as (worker, listener, clients):
        worker.set_accept_enabled(True)
        clients[0].sendall(b"GET /?s=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        worker.accept(listener)
        assert (worker.busy, worker._accepting) == (1, True)
        assert clients[0].recv(4096).startswith(b"HTTP/1.1 200")
