"""Mail through the providers' HTTP APIs: each provider's variables give Anymail's backend and its
options, and a message goes through Anymail's real code to a local HTTP server standing in for the
provider's API (Anymail lets the API URL be set), which records what the provider would receive."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import django
import pytest
from django.core import mail as django_mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.utils.module_loading import import_string
from django.views.debug import ExceptionReporter

import django_platform
from django_platform.areas.mail import build_mail
from django_platform.platforms import BY_NAME, Context
from django_platform.report import Report
from tests.platform_envs import LIFECYCLES, PLATFORM_ENVS, SECRET

KEY = "ak-" + "Zq7w" * 10 + "-KEYz"  # planted: must reach the provider and nowhere else
MAILERS = django.VERSION >= (6, 1)


class Recorded:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


@pytest.fixture
def provider_api() -> Iterator[tuple[str, list[Recorded], dict[str, tuple[int, Any]]]]:
    """A local HTTP server: (its URL, the requests it received, path suffix -> (status, JSON))."""
    received: list[Recorded] = []
    replies: dict[str, tuple[int, Any]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, payload = next((r for s, r in replies.items() if self.path.endswith(s)), (404, {}))
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received, replies
    finally:
        server.shutdown()
        server.server_close()


def readable(body: bytes) -> str:
    """The request's content as text: JSON, a form, or SES's raw MIME message inside JSON."""
    text = unquote_plus(body.decode())
    with contextlib.suppress(ValueError, KeyError, TypeError):
        text += base64.b64decode(json.loads(body)["Content"]["Raw"]["Data"]).decode()
    return text


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# provider: (its variables, settings.py's ANYMAIL pointing at the stand-in (or None: a variable
# does), the API path and its reply, what the request must carry)
Case = tuple[dict[str, str], Callable[[str], dict[str, Any]], str, tuple[int, Any], Callable[[dict[str, str]], bool]]
POSTMARK_OK = {"To": "user@example.com", "SubmittedAt": "2026-12-02T10:00:00Z", "MessageID": "b7bc", "ErrorCode": 0}
MAILJET_OK = {"Status": "success", "To": [{"Email": "user@example.com", "MessageUUID": "u1", "MessageID": 7}]}
PROVIDERS: dict[str, Case] = {
    "postmark": (
        {"POSTMARK_API_TOKEN": KEY},
        lambda url: {"POSTMARK_API_URL": url + "/"},
        "/email",
        (200, {**POSTMARK_OK, "Message": "OK"}),
        lambda h: h["x-postmark-server-token"] == KEY,
    ),
    "mailgun": (
        {"MAILGUN_API_KEY": KEY, "MAILGUN_DOMAIN": "mg.example.com"},
        lambda url: {},  # MAILGUN_API_URL, a variable (the EU region's), below
        "/v3/mg.example.com/messages",
        (200, {"id": "<1.1@mg.example.com>", "message": "Queued. Thank you."}),
        lambda h: h["authorization"] == basic("api", KEY),
    ),
    "sendgrid": (
        {"SENDGRID_API_KEY": KEY},
        lambda url: {"SENDGRID_API_URL": url + "/v3/"},
        "/v3/mail/send",
        (202, None),
        lambda h: h["authorization"] == f"Bearer {KEY}",
    ),
    "resend": (
        {"RESEND_API_KEY": KEY},
        lambda url: {"RESEND_API_URL": url + "/"},
        "/emails",
        (200, {"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}),
        lambda h: h["authorization"] == f"Bearer {KEY}",
    ),
    "brevo": (
        {"BREVO_API_KEY": KEY},
        lambda url: {"BREVO_API_URL": url + "/v3/"},
        "/v3/smtp/email",
        (201, {"messageId": "<202612021000.1@smtp-relay.mailin.fr>"}),
        lambda h: h["api-key"] == KEY,
    ),
    "mailjet": (
        {"MAILJET_API_KEY": "mj-public-key", "MAILJET_SECRET_KEY": KEY},
        lambda url: {"MAILJET_API_URL": url + "/v3.1/"},
        "/v3.1/send",
        (200, {"Messages": [MAILJET_OK]}),
        lambda h: h["authorization"] == basic("mj-public-key", KEY),
    ),
    "amazon_ses": (
        {"AWS_SES_REGION_NAME": "eu-west-1", "AWS_SES_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SES_SECRET_ACCESS_KEY": KEY},
        # settings.py's boto3 options stay beside the region and keys from the environment.
        lambda url: {"AMAZON_SES_CLIENT_PARAMS": {"endpoint_url": url}},
        "/v2/email/outbound-emails",
        (200, {"MessageId": "0100018c-ses"}),
        # Signed (SigV4): the key ID is sent, the secret key never is.
        lambda h: "Credential=AKIDEXAMPLE/" in h["authorization"] and KEY not in json.dumps(h),
    ),
}  # fmt: skip


def configure(env: dict[str, str], settings: dict[str, Any] | None = None) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"DEFAULT_FROM_EMAIL": "app@example.com", **(settings or {})}
    report = django_platform.configure(ns, env={**PLATFORM_ENVS["heroku"], "DJANGO_SECRET_KEY": SECRET, **env})
    return ns, report


def mail_settings(ns: dict[str, Any]) -> dict[str, Any]:
    return {k: ns[k] for k in ("EMAIL_BACKEND", "ANYMAIL", "MAILERS", "DEFAULT_FROM_EMAIL") if k in ns}


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")  # SendGrid's, by choice
def test_each_provider_sends_through_anymails_real_code(
    provider: str,
    provider_api: tuple[str, list[Recorded], dict[str, tuple[int, Any]]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received, replies = provider_api
    env, anymail, path, reply, carries = PROVIDERS[provider]
    replies[path] = reply
    if provider == "mailgun":
        env = {**env, "MAILGUN_API_URL": url + "/v3"}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):  # only the SES variables count
        monkeypatch.delenv(name, raising=False)
    own: dict[str, Any] = {"ANYMAIL": anymail(url)}
    if provider == "sendgrid":
        # Anymail no longer supports SendGrid: only a project that names its backend gets it.
        own["EMAIL_BACKEND"] = "anymail.backends.sendgrid.EmailBackend"
    ns, report = configure(env, own)
    backend = f"anymail.backends.{provider}.EmailBackend"
    assert (ns["MAILERS"]["default"]["BACKEND"] if MAILERS else ns["EMAIL_BACKEND"]) == backend
    caplog.set_level(logging.DEBUG)
    with override_settings(**mail_settings(ns)):
        sent = django_mail.send_mail("Hello", "A note.", None, ["user@example.com"])
    assert sent == 1
    assert len(received) == 1, [r.path for r in received]
    request = received[0]
    assert request.path.endswith(path)
    assert carries(request.headers)
    content = readable(request.body)
    assert "user@example.com" in content and "app@example.com" in content and "A note." in content
    assert KEY not in caplog.text
    assert KEY not in json.dumps(report.as_dict(), default=str)


def test_the_key_is_masked_in_the_report_platform_check_and_the_debug_page(tmp_path: Path) -> None:
    ns, report = configure({"MAILJET_API_KEY": "mj-public-key", "MAILJET_SECRET_KEY": KEY})
    settings = mail_settings(ns)
    assert KEY in json.dumps(settings)  # really used
    assert KEY not in json.dumps(report.as_dict(), default=str)
    out = StringIO()
    with override_settings(**settings, DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        for fmt in ("text", "json"):
            call_command("platform_check", "--format", fmt, "--fail-level", "CRITICAL", stdout=out, stderr=out)
        reporter = ExceptionReporter(RequestFactory().get("/"), ValueError, ValueError("boom"), None)
        reporter.filter = import_string(ns["DEFAULT_EXCEPTION_REPORTER_FILTER"])()
        page = reporter.get_traceback_html()
    assert KEY not in out.getvalue()
    assert KEY not in page


def build(env: dict[str, str], version: tuple[int, int], **current: Any) -> tuple[dict[str, Any], list[str], Report]:
    report = Report("heroku", "test")
    values, remove = build_mail(Context(env, BY_NAME["heroku"]), current, False, version, report)
    return values, remove, report


def test_settings_before_and_after_django_6_1() -> None:
    env = {"MAILGUN_API_KEY": KEY, "MAILGUN_DOMAIN": "mg.example.com"}
    values, _, _ = build(env, (5, 2), ANYMAIL={"WEBHOOK_SECRET": "user:pass", "MAILGUN_API_KEY": "old"})
    assert values["EMAIL_BACKEND"] == "anymail.backends.mailgun.EmailBackend"
    # The environment's key over settings.py's; its webhook secret kept.
    assert values["ANYMAIL"] == {
        "WEBHOOK_SECRET": "user:pass",
        "MAILGUN_API_KEY": KEY,
        "MAILGUN_SENDER_DOMAIN": "mg.example.com",
    }
    values, remove, _ = build(env, (6, 1), EMAIL_HOST="smtp.example.com", ANYMAIL={"WEBHOOK_SECRET": "user:pass"})
    assert values["MAILERS"]["default"] == {
        "BACKEND": "anymail.backends.mailgun.EmailBackend",
        "OPTIONS": {"api_key": KEY, "sender_domain": "mg.example.com"},
    }
    assert "ANYMAIL" not in values and remove == ["EMAIL_HOST"]


def test_ses_without_keys_leaves_credentials_to_boto3() -> None:
    values, _, _ = build({"AWS_SES_REGION_NAME": "us-east-1"}, (6, 1))
    assert values["MAILERS"]["default"]["OPTIONS"] == {"client_params": {"region_name": "us-east-1"}}
    values, _, _ = build(
        {"AWS_SES_REGION_NAME": "us-east-1"}, (5, 2), ANYMAIL={"AMAZON_SES_CLIENT_PARAMS": {"config": {"retries": 3}}}
    )
    assert values["ANYMAIL"] == {"AMAZON_SES_CLIENT_PARAMS": {"config": {"retries": 3}, "region_name": "us-east-1"}}


def test_a_missing_companion_variable_is_named_without_values() -> None:
    with pytest.raises(
        ImproperlyConfigured, match=r"^environment MAILJET_API_KEY is set without MAILJET_SECRET_KEY\.$"
    ) as info:
        build({"MAILJET_API_KEY": KEY}, (5, 2))
    assert KEY not in str(info.value) and info.value.__cause__ is None
    with pytest.raises(ImproperlyConfigured, match=r"^environment MAILGUN_API_URL must be an https:// URL"):
        build({"MAILGUN_API_KEY": KEY, "MAILGUN_API_URL": "api.eu.mailgun.net/v3"}, (5, 2))


def test_precedence_email_url_then_settings_py_provider_then_the_order() -> None:
    both = {"SENDGRID_API_KEY": KEY, "POSTMARK_API_TOKEN": KEY}
    values, _, _ = build({**both, "EMAIL_URL": "smtp://u:p@mail.example.com:587"}, (5, 2))
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    values, _, _ = build(both, (5, 2))
    assert values["EMAIL_BACKEND"] == "anymail.backends.postmark.EmailBackend"
    # SendGrid's key alone: its SMTP relay, as Anymail no longer supports SendGrid's API.
    values, _, _ = build({"SENDGRID_API_KEY": KEY}, (5, 2))
    assert (values["EMAIL_HOST"], values["EMAIL_HOST_USER"]) == ("smtp.sendgrid.net", "apikey")
    # settings.py names SendGrid (cookiecutter-django's way): its provider first, nothing replaced.
    values, _, report = build(both, (5, 2), EMAIL_BACKEND="anymail.backends.sendgrid.EmailBackend")
    assert values["EMAIL_BACKEND"] == "anymail.backends.sendgrid.EmailBackend" and report.replaced == {}
    # Another provider's variables only: settings.py's choice replaced, and said.
    values, _, report = build({"RESEND_API_KEY": KEY}, (5, 2), EMAIL_BACKEND="anymail.backends.brevo.EmailBackend")
    assert values["EMAIL_BACKEND"] == "anymail.backends.resend.EmailBackend"
    assert report.replaced == {"EMAIL_BACKEND": "anymail.backends.brevo.EmailBackend"}


@pytest.mark.parametrize("version", [(5, 2), (6, 1)])
def test_platform_check_says_which_provider_replaced_settings_pys(version: tuple[int, int], tmp_path: Path) -> None:
    """W023 finds the backend where the mail area records it (EMAIL, or MAILERS before 6.1's
    removal of EMAIL_*), and names the area configure() takes: it raised KeyError instead."""
    _, _, report = build({"RESEND_API_KEY": KEY}, version, EMAIL_BACKEND="anymail.backends.brevo.EmailBackend")
    out = StringIO()
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        call_command("platform_check", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    assert (
        "django_platform.W023: EMAIL_BACKEND from settings.py (anymail.backends.brevo.EmailBackend) was replaced by "
        "environment RESEND_API_KEY." in out.getvalue()
    )
    assert "exclude={'email'}" in out.getvalue()
    # A provider's key from .env: W023 says so, as the report's own entry does.
    report.mark_from_file(["RESEND_API_KEY"], ".env")
    assert report.replaced_by("EMAIL_BACKEND") == ("environment RESEND_API_KEY (.env)", "email")


@pytest.mark.usefixtures("no_anymail")
def test_without_anymail_smtp_where_the_provider_has_it_else_said() -> None:
    values, _, _ = build({"SENDGRID_API_KEY": KEY}, (5, 2))
    assert (values["EMAIL_HOST"], values["EMAIL_HOST_USER"]) == ("smtp.sendgrid.net", "apikey")
    values, _, report = build({"RESEND_API_KEY": KEY}, (5, 2))
    assert "EMAIL_BACKEND" not in values
    assert any("django-anymail is not installed" in note and "Resend" in note for note in report.notes)


def test_w025_when_a_provider_sends_from_localhost(tmp_path: Path) -> None:
    ns, report = configure({"RESEND_API_KEY": KEY}, {"DEFAULT_FROM_EMAIL": "webmaster@localhost"})
    out = StringIO()
    with override_settings(**mail_settings(ns), DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        call_command("platform_check", "--format", "json", "--fail-level", "CRITICAL", stdout=out, stderr=out)
        flagged = "django_platform.W025" in out.getvalue()
        with override_settings(DEFAULT_FROM_EMAIL="app@example.com", SERVER_EMAIL="errors@example.com"):
            again = StringIO()
            call_command("platform_check", "--format", "json", "--fail-level", "CRITICAL", stdout=again, stderr=again)
    assert flagged and "Resend" in out.getvalue()
    assert "django_platform.W025" not in again.getvalue()


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_a_project_with_no_mail_settings_sends_on_every_platform(
    name: str, provider_api: tuple[str, list[Recorded], dict[str, tuple[int, Any]]]
) -> None:
    """The run phase of each platform (its own variables and what its recipe asks of the user) with
    a Postmark add-on's token; settings.py only points Anymail at the stand-in."""
    url, received, replies = provider_api
    replies["/email"] = (200, {**POSTMARK_OK, "Message": "OK"})
    lifecycle = LIFECYCLES[name]
    ns: dict[str, Any] = {"ANYMAIL": {"POSTMARK_API_URL": url + "/"}, "DEFAULT_FROM_EMAIL": "app@example.com"}
    env = {**lifecycle.run, "DJANGO_SECRET_KEY": SECRET, **lifecycle.user, "POSTMARK_API_TOKEN": KEY}
    django_platform.configure(ns, env=env)
    with override_settings(**mail_settings(ns)):
        assert django_mail.send_mail("Hello", "A note.", None, ["user@example.com"]) == 1
    assert [r.headers["x-postmark-server-token"] for r in received] == [KEY]


def test_a_mailers_setting_names_the_provider_first() -> None:
    both = {"RESEND_API_KEY": KEY, "POSTMARK_API_TOKEN": KEY}
    mailers = {"default": {"BACKEND": "anymail.backends.resend.EmailBackend"}}
    values, _, _ = build(both, (6, 1), MAILERS=mailers)
    assert values["MAILERS"]["default"]["BACKEND"] == "anymail.backends.resend.EmailBackend"
