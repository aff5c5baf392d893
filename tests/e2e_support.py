"""Pieces of a platform for the end-to-end tests: a TLS-terminating router and gunicorn nodes."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.platform_envs import clean_environ
from tests.services import free_port, port_open, self_signed, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@contextmanager
def tls_router(backend_port: int, directory: Path) -> Iterator[int]:
    """HTTPS on a free port, forwarding plain HTTP to the backend with the headers a platform's
    router adds: X-Forwarded-Proto, X-Forwarded-For and X-Request-Id."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers.update(
                {
                    "X-Forwarded-Proto": "https",
                    "X-Forwarded-For": self.client_address[0],
                    "X-Request-Id": str(uuid.uuid4()),
                }
            )
            upstream = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            finally:
                upstream.close()

        do_GET = do_POST = do_HEAD = _forward

        def log_message(self, format: str, *args: Any) -> None:
            pass

    cert, key = self_signed(directory, "router")  # several routers of one platform share it
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def copy_project(target: Path) -> Path:
    shutil.copytree(
        ROOT / "example_project",
        target,
        ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__", "staticfiles", "media"),
    )
    return target


def manage(project: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Node:
    """One gunicorn server started the way the Procfile's web line starts it."""

    def __init__(self, project: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "example.wsgi"],
            cwd=project,
            env=clean_environ(**env, PORT=str(self.port)),
            stdout=self.handle,
            stderr=subprocess.STDOUT,
        )
        if (
            not wait_for(lambda: port_open("127.0.0.1", self.port) or self.process.poll() is not None, 60)
            or self.process.poll() is not None
        ):
            self.stop()
            pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 40) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()
        return self.process.returncode
