"""Mail, cache and media settings from configure(), used against real servers on loopback."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils.module_loading import import_string

import django_platform
from tests.conftest import PASSWORD
from tests.services import free_port, port_open, s3_server, self_signed, unavailable

pytestmark = pytest.mark.services
KEY = {"DJANGO_SECRET_KEY": "k" * 50}


# --- SMTP with AUTH and STARTTLS --------------------------------------------------------------------


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[Any]]]:
    with smtp_on(free_port(), tmp_path, monkeypatch) as server:
        yield server


@contextlib.contextmanager
def smtp_on(port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[Any]]]:
    """aiosmtpd on loopback: STARTTLS required before AUTH, one account with an awkward password."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = self_signed(tmp_path, "smtp")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # The client verifies the server certificate against this CA, as it would a real provider's.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append((session.authenticated, envelope))
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"mailer"
            and auth_data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.mark.slow
def test_mail_through_starttls_and_auth(smtp_server: tuple[int, list[Any]]) -> None:
    port, received = smtp_server
    send_through(f"smtp+tls://mailer:{quote(PASSWORD, safe='')}@localhost:{port}", received)


@pytest.mark.slow
def test_smtps_on_the_submission_port_means_starttls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # How django-environ and dj-email-url users write STARTTLS; implicit TLS there would hang.
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 587))
        except OSError:
            pytest.skip("port 587 on 127.0.0.1 cannot be bound here (not root, or taken)")
    with smtp_on(587, tmp_path, monkeypatch) as (port, received):
        send_through(f"smtps://mailer:{quote(PASSWORD, safe='')}@localhost:{port}?timeout=5", received)


def send_through(url: str, received: list[Any]) -> None:
    from django.core import mail

    env = {**KEY, "DYNO": "web.1", "EMAIL_URL": url, "DEFAULT_FROM_EMAIL": "app@example.com"}
    ns: dict[str, Any] = {}
    django_platform.configure(ns, env=env)
    mail_settings = {k: v for k, v in ns.items() if k.startswith(("EMAIL_", "MAILERS", "DEFAULT_FROM"))}
    # The test runner swaps in the locmem backend; put the configured one back for this test.
    with override_settings(**mail_settings):
        message = mail.EmailMessage("Hello", "Body", to=["user@example.com"])
        if "MAILERS" in mail_settings:  # Django 6.1+
            sent = message.send(using="default")  # type: ignore[call-arg,unused-ignore]
        else:
            message.connection = mail.get_connection(mail_settings["EMAIL_BACKEND"])
            sent = message.send()
    assert sent == 1
    [(authenticated, envelope)] = received
    assert authenticated is True
    assert envelope.mail_from == "app@example.com"
    assert envelope.rcpt_tos == ["user@example.com"]
    assert b"Subject: Hello" in envelope.content


# --- Redis cache ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["redis", "valkey"])  # Valkey's URL against the same protocol
def test_redis_cache_set_and_get(scheme: str) -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    ns: dict[str, Any] = {}
    django_platform.configure(ns, env={**KEY, "DYNO": "web.1", "REDIS_URL": f"{scheme}://127.0.0.1:6379/15"})
    from django.core.cache import caches

    with override_settings(CACHES=ns["CACHES"]):
        cache = caches["default"]
        key = f"django-platform-test-{uuid.uuid4()}"
        cache.set(key, {"answer": 42}, timeout=30)
        assert cache.get(key) == {"answer": 42}
        cache.delete(key)
        assert cache.get(key) is None
        caches["default"].close()


# --- S3 media -------------------------------------------------------------------------------------------


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    with s3_server("uploads") as url:
        yield url


def test_upload_and_read_back_through_s3(s3_endpoint: str) -> None:
    env = {
        **KEY,
        "DYNO": "web.1",
        "AWS_STORAGE_BUCKET_NAME": "uploads",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": PASSWORD,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
    }
    ns: dict[str, Any] = {}
    django_platform.configure(ns, env=env)
    config = ns["STORAGES"]["default"]
    storage = import_string(config["BACKEND"])(**config["OPTIONS"])
    name = storage.save("notes/hello.txt", ContentFile(b"uploaded through S3"))
    assert storage.exists(name)
    with storage.open(name) as handle:
        assert handle.read() == b"uploaded through S3"
    # file_overwrite is off: a second upload of the same name gets a new name.
    assert storage.save("notes/hello.txt", ContentFile(b"again")) != name


# Each provider's variables as its platform (or its docs) hands them over; the endpoint is the
# stand-in's. R2 and Tigris sign with the region "auto".
def _tigris(url: str, key: str, secret: str) -> tuple[str, dict[str, str]]:
    return "fly", {"FLY_APP_NAME": "shop", "BUCKET_NAME": "media-bucket", "AWS_ENDPOINT_URL_S3": url,
                   "AWS_REGION": "auto", "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}  # fmt: skip


def _railway(url: str, key: str, secret: str) -> tuple[str, dict[str, str]]:
    return "railway", {"RAILWAY_PROJECT_ID": "p", "BUCKET": "media-bucket", "ENDPOINT": url, "REGION": "auto",
                       "ACCESS_KEY_ID": key, "SECRET_ACCESS_KEY": secret}  # fmt: skip


def _r2(url: str, key: str, secret: str) -> tuple[str, dict[str, str]]:
    return "render", {"RENDER": "true", "AWS_STORAGE_BUCKET_NAME": "media-bucket", "AWS_S3_ENDPOINT_URL": url,
                      "AWS_S3_REGION_NAME": "auto", "AWS_ACCESS_KEY_ID": key,
                      "AWS_SECRET_ACCESS_KEY": secret}  # fmt: skip


def _spaces(url: str, key: str, secret: str) -> tuple[str, dict[str, str]]:
    return "digitalocean", {"DJANGO_PLATFORM": "digitalocean", "AWS_STORAGE_BUCKET_NAME": "media-bucket",
                            "AWS_S3_ENDPOINT_URL": url, "AWS_S3_REGION_NAME": "fra1", "AWS_ACCESS_KEY_ID": key,
                            "AWS_SECRET_ACCESS_KEY": secret}  # fmt: skip


@pytest.mark.parametrize("style", [_tigris, _railway, _r2, _spaces], ids=["tigris", "railway", "r2", "spaces"])
def test_uploads_land_in_each_providers_bucket_and_only_signed_urls_serve(style: Any) -> None:
    import requests

    from tests.services import moto_auth, s3_server_with_auth

    with s3_server_with_auth("media-bucket") as (url, key, secret):
        platform, env = style(url, key, secret)
        ns: dict[str, Any] = {"SECRET_KEY": "s" * 50}
        report = django_platform.configure(ns, env={**env, "DJANGO_SECRET_KEY": "k" * 50})
        assert report.platform == platform
        config = ns["STORAGES"]["default"]
        storage = import_string(config["BACKEND"])(**config["OPTIONS"])
        name = storage.save("notes/private.txt", ContentFile(b"for signed eyes only"))
        assert storage.exists(name)
        # The stand-in checks signatures: a wrong secret is refused.
        wrong = import_string(config["BACKEND"])(**{**config["OPTIONS"], "secret_key": "not-" + secret})
        with pytest.raises(Exception, match=r"SignatureDoesNotMatch|403"):
            wrong.save("notes/other.txt", ContentFile(b"x"))
        signed = storage.url(name)
        assert "X-Amz-Signature=" in signed and f"X-Amz-Credential={key}" in signed
        unsigned = signed.split("?", 1)[0]
        assert requests.get(unsigned, timeout=10).status_code == 403
        moto_auth(False)  # moto cannot authenticate a signed URL's query string (see s3_server_with_auth)
        response = requests.get(signed, timeout=10)
        assert (response.status_code, response.content) == (200, b"for signed eyes only")
        assert secret not in json.dumps(report.as_dict(), default=str)
