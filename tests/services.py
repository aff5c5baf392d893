"""Real services on loopback for the tests: skip with a reason when absent, fail when required."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

REQUIRE = os.environ.get("DJANGO_PLATFORM_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip (visibly) or, under DJANGO_PLATFORM_REQUIRE_SERVICES=1, fail."""
    if REQUIRE:
        pytest.fail(f"required service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query_one(databases: dict[str, Any], sql: str, alias: str = "default") -> Any:
    """Connect through Django's own backend with `databases` and return the first column."""
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler(databases)
    connection = handler[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            if cursor.description is None:  # a statement that returns no rows
                return None
            row = cursor.fetchone()
            return row[0] if row else None
    finally:
        connection.close()


@dataclass
class PgCluster:
    port: int
    ssl: bool
    user: str
    password: str
    name: str
    data: Path | None = None
    pg_ctl: str = ""

    def restart(self) -> None:
        """Stop (fast: active connections are cut) and start again, waiting until it accepts."""
        assert self.data is not None
        subprocess.run(
            _as_postgres(
                [self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "restart", "-l", str(self.data.parent / "log")]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    on_path = shutil.which(name)
    if not found and not on_path:
        unavailable(f"PostgreSQL server binaries ({name}) not installed")
    return found[-1] if found else str(on_path)


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def pg_cluster(*, ssl: bool, password: str) -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster on a free port with TLS on or off. TCP logins need the
    password (scram), so a mangled password fails for real; the socket is trusted for setup."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    base = Path(tempfile.mkdtemp(prefix="djp-pg-"))
    data = base / "data"
    port = free_port()
    try:
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [
                    initdb,
                    "-D",
                    str(data),
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-U",
                    "postgres",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        settings = [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{base}'",
            "fsync = off",
        ]
        if ssl:
            cert, key = self_signed(data, "server")
            if os.geteuid() == 0:
                for path in (cert, key):
                    shutil.chown(path, "postgres", "postgres")
            key.chmod(0o600)  # PostgreSQL refuses a key others can read
            settings += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        else:
            settings.append("ssl = off")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "start"]),
            check=True,
            capture_output=True,
            timeout=60,
        )
        admin = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": str(base),
                "PORT": port,
                "USER": "postgres",
                "NAME": "postgres",
            }
        }
        literal = password.replace("'", "''")
        query_one(admin, f"CREATE ROLE app LOGIN PASSWORD '{literal}'")
        query_one(admin, "CREATE DATABASE app OWNER app")
        yield PgCluster(port=port, ssl=ssl, user="app", password=password, name="app", data=data, pg_ctl=pg_ctl)
    except subprocess.CalledProcessError as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        unavailable(f"throwaway PostgreSQL cluster did not start: {exc.stderr!r} {log[-500:]}")
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def self_signed(directory: Path, name: str = "server") -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (reused if already there)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    if not (cert.exists() and key.exists()):
        subprocess.run(
            [
                "openssl",
                "req",
                "-new",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


@contextlib.contextmanager
def s3_server(*buckets: str) -> Iterator[str]:
    """moto's S3-compatible server on a free loopback port, with the buckets created."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("moto[server] and boto3 are not installed")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    for bucket in buckets:
        client.create_bucket(Bucket=bucket)
    try:
        yield url
    finally:
        server.stop()


@contextlib.contextmanager
def s3_server_with_auth(bucket: str) -> Iterator[tuple[str, str, str]]:
    """moto's S3 server that checks who asks: an IAM user allowed s3:* (its key ID and secret are
    yielded with the URL), the bucket created, then every request must be signed by that user.
    (moto 5.2 authenticates the Authorization header only, not a signed URL's query string:
    `moto_auth(False)` lets a test fetch one.)"""
    try:
        import boto3
        from moto import settings as moto_settings
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("moto[server] and boto3 are not installed")
    previous = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    admin = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    try:
        # moto keeps its users and buckets per process: start from none.
        import requests

        requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
        iam = boto3.client("iam", **admin)
        iam.create_user(UserName="app")
        key = iam.create_access_key(UserName="app")["AccessKey"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="app", PolicyName="s3", PolicyDocument=json.dumps(policy))
        boto3.client("s3", **admin).create_bucket(Bucket=bucket)
        moto_auth(True)
        yield url, key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = previous
        server.stop()


def moto_auth(on: bool) -> None:
    from moto import settings as moto_settings
    from moto.core.authorization import ActionAuthenticatorMixin

    ActionAuthenticatorMixin.request_count = 0
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else float("inf")


def wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
