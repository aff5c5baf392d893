"""platform_check in-process: text and JSON output, exit codes, --platform, --deploy."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_platform.report import Report
from tests.test_example_deploy import SCHEMA

REPORT = Report("render", "environment has RENDER=true")
REPORT.record(
    "DATABASES.default", {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "planted-pw"}, "DATABASE_URL"
)
REPORT.record("SECRET_KEY", "planted-secret-key", "DJANGO_SECRET_KEY")
REPORT.note("a note")


def run(*args: str) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("platform_check", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), str(exc), exc.returncode
    return out.getvalue(), err.getvalue(), 0


@override_settings(DJANGO_PLATFORM_REPORT=REPORT, SECURE_PROXY_SSL_HEADER=None)
def test_text_output_groups_findings_and_masks_secrets() -> None:
    out, err, code = run("--fail-level", "WARNING")
    assert out.startswith("Platform: Render (environment has RENDER=true)\nSettings from configure():\n")
    assert (
        "  DATABASES.default = {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': '********'}  "
        "[DATABASE_URL]" in out
    )
    assert "  note: a note" in out
    assert "Warnings:\n" in out
    assert "\n  django_platform.W003: SECURE_PROXY_SSL_HEADER is not set" in out
    assert out.index("Errors:") < out.index("Warnings:")
    assert "    hint: Set SECURE_PROXY_SSL_HEADER" in out
    assert code == 1 and err.endswith("at WARNING or above.")
    assert "planted" not in out + err


@override_settings(DJANGO_PLATFORM_REPORT=REPORT, SECURE_PROXY_SSL_HEADER=None)
def test_json_output() -> None:
    out, _, code = run("--format", "json", "--fail-level", "CRITICAL")
    document: dict[str, Any] = json.loads(out)
    assert code == 0
    assert (document["schema"], document["platform"], document["reason"]) == (2, "render", REPORT.reason)
    origin = {"kind": "environment", "keys": ["DJANGO_SECRET_KEY"], "masked": True}
    secret = {"setting": "SECRET_KEY", "value": "********", "source": "DJANGO_SECRET_KEY", "origin": origin}
    assert secret in document["settings"]
    w003 = next(f for f in document["findings"] if f["id"] == "django_platform.W003")
    assert w003["level"] == "warning" and w003["object"] is None
    assert document["summary"]["warning"] >= 1
    assert "planted" not in out


def test_platform_option_and_no_report() -> None:
    out, _err, code = run("--platform", "qoddi")
    assert out.startswith("Platform: Qoddi (--platform qoddi)\nconfigure() was not called")
    assert code == 1  # the test settings' file fields on local disk: E001
    assert "django_platform.E001" in out
    assert "Errors:" in out


@pytest.mark.parametrize(
    ("platform", "env"),
    [
        ("fly", {"BUCKET_NAME": "b", "AWS_ENDPOINT_URL_S3": "https://fly.storage.tigris.dev"}),
        ("railway", {"BUCKET": "b", "ENDPOINT": "https://storage.railway.app"}),
        ("render", {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "https://a.r2.cloudflarestorage.com"}),
        (
            "digitalocean",
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "https://fra1.digitaloceanspaces.com"},
        ),
        ("heroku", {"DJANGO_AWS_STORAGE_BUCKET_NAME": "b"}),  # an instance role's: no keys
        (
            "heroku",
            {"BUCKETEER_BUCKET_NAME": "b", "BUCKETEER_AWS_ACCESS_KEY_ID": "a", "BUCKETEER_AWS_SECRET_ACCESS_KEY": "s"},
        ),
    ],
)
def test_e001_clears_with_each_providers_bucket(platform: str, env: dict[str, str]) -> None:
    import django_platform

    ns: dict[str, Any] = {"SECRET_KEY": "s" * 50}
    django_platform.configure(ns, env={"DJANGO_SECRET_KEY": "k" * 50, **env}, platform=platform)
    assert ns["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    # testapp.Document.file uses the default storage (Avatar.picture its own local one: still E001).
    with override_settings(STORAGES=ns["STORAGES"]):
        out, _, _ = run("--platform", platform, "--fail-level", "CRITICAL")
    assert "django_platform.E001" in out and "Document.file" not in out
    out, _, _ = run("--platform", platform, "--fail-level", "CRITICAL")
    assert "testapp.Document.file" in out


@override_settings(DJANGO_PLATFORM_REPORT=Report("local", "no platform marker in the environment"))
def test_laptop_is_quiet_and_deploy_adds_django_checks() -> None:
    out, _, code = run()
    assert code == 0
    assert "Settings were configured for" not in out
    assert out.rstrip().endswith("0 error(s), 0 warning(s), 0 other.")
    out, _, code = run("--deploy", "--fail-level", "CRITICAL")
    assert "security.W" in out  # Django's own deployment checks ran
    assert code == 0


@override_settings(DJANGO_PLATFORM_REPORT=Report("local", "x"))
def test_settings_configured_for_another_platform_are_said() -> None:
    out, _, _ = run("--platform", "fly", "--fail-level", "CRITICAL")
    assert "Settings were configured for: local" in out


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
@override_settings(DJANGO_PLATFORM_REPORT=Report("local", "x"))
def test_info_findings_are_listed(level: str) -> None:
    from django.core import checks

    def info_check(**kwargs: Any) -> list[checks.CheckMessage]:
        return [checks.Info("an informational finding", id="django_platform.I999")]

    checks.register(info_check, "platform")
    try:
        out, _, code = run("--fail-level", level)
    finally:
        checks.registry.registry.registered_checks.discard(info_check)
    assert "Info:\n  django_platform.I999: an informational finding" in out
    assert code == 1


def test_the_gunicorn_values_that_would_apply_here_and_why() -> None:
    report = Report("railway", "environment has RAILWAY_PROJECT_ID")
    report.environment = {
        "RAILWAY_PROJECT_ID": "p",
        "WEB_CONCURRENCY": "3",
        "RAILWAY_DEPLOYMENT_DRAINING_SECONDS": "20",
    }
    with override_settings(DJANGO_PLATFORM_REPORT=report):
        out, _, _ = run("--fail-level", "CRITICAL")
        document = json.loads(run("--format", "json", "--fail-level", "CRITICAL")[0])
    assert "gunicorn at server start here (this machine, this environment):" in out
    assert "  workers = 3  [WEB_CONCURRENCY]" in out
    assert "  graceful_timeout = 19  [Railway sends SIGTERM, then SIGKILL after 20 s]" in out
    assert "  keepalive = 65  [above the router's 60 s idle timeout]" in out
    rows = {row["setting"]: row for row in document["gunicorn"]}
    assert rows["workers"] == {"setting": "workers", "value": 3, "why": "WEB_CONCURRENCY"}
    # An invalid value: what is wrong, by name, never the value.
    report.environment = {"GUNICORN_THREADS": "many-planted"}
    with override_settings(DJANGO_PLATFORM_REPORT=report):
        out, _, _ = run("--fail-level", "CRITICAL")
        document = json.loads(run("--format", "json", "--fail-level", "CRITICAL")[0])
    assert "  not resolvable: GUNICORN_THREADS must be a whole number." in out
    assert document["gunicorn"] == "GUNICORN_THREADS must be a whole number."
    assert "planted" not in out


def test_the_granian_launchers_flags_that_would_apply_here_and_why(tmp_path: Path) -> None:
    """A web command that starts the Granian launcher: its flags explained, as gunicorn's values are
    for a gunicorn line (gunicorn does not start)."""
    (tmp_path / "Procfile").write_text("web: python -m django_platform.granian proj.asgi:application\n")
    report = Report("heroku", "environment has DYNO")
    report.environment = {"DYNO": "web.1", "PORT": "5000", "WEB_CONCURRENCY": "3"}
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        out, _, _ = run("--fail-level", "CRITICAL")
        document = json.loads(run("--format", "json", "--fail-level", "CRITICAL")[0])
    assert "Granian (python -m django_platform.granian) at server start here (this machine, this environment):" in out
    assert "gunicorn at server start here" not in out
    assert "  --workers 3  [WEB_CONCURRENCY]\n" in out
    assert "  --port 5000  [PORT]\n" in out
    assert "  --workers-kill-timeout 29  [Heroku sends SIGTERM, then SIGKILL after 30 s]\n" in out
    assert (
        "  --no-http1-keep-alive  [95 s (the router's 90 s idle timeout + 5) is longer than Granian keeps an idle "
        "connection (60 s): a connection per request]\n" in out
    )
    assert "  --loop asyncio  [asyncio's: the launcher closes open websockets at a stop (Channels is installed)]" in out
    flags = {row["flag"]: row for row in document["granian"]}
    assert flags["--workers"] == {"flag": "--workers", "value": 3, "why": "WEB_CONCURRENCY"}
    assert flags["--respawn-failed-workers"]["value"] is None
    assert flags["--port"]["value"] == 5000  # numbers as numbers, as gunicorn's values
    assert document["gunicorn"] == "not started: the web command starts Granian (see granian)"
    jsonschema.validate(document, SCHEMA)  # the documented --format json schema
    # Where the router's idle timeout is below Granian's longest, or unknown: kept, with why.
    report.environment = {"DYNO": "web.1", "GUNICORN_KEEPALIVE": "20"}
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        out, _, _ = run("--fail-level", "CRITICAL")
    assert "  --http1-header-read-timeout 20000  [GUNICORN_KEEPALIVE: Granian ends an idle connection when" in out
    with override_settings(DJANGO_PLATFORM_REPORT=Report("render", "r"), BASE_DIR=tmp_path):
        out, _, _ = run("--platform", "render", "--fail-level", "CRITICAL")
    assert "  --http1-header-read-timeout 60000  [idle connections kept as long as Granian can" in out
    # An invalid value: what is wrong, by name, never the value.
    report.environment = {"DYNO": "web.1", "GUNICORN_KEEPALIVE": "long-planted"}
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        out, _, _ = run("--fail-level", "CRITICAL")
        document = json.loads(run("--format", "json", "--fail-level", "CRITICAL")[0])
    assert "  not resolvable: GUNICORN_KEEPALIVE must be a whole number." in out
    assert document["granian"] == "GUNICORN_KEEPALIVE must be a whole number."
    jsonschema.validate(document, SCHEMA)
    assert "planted" not in out + json.dumps(document)
    # A gunicorn line: no granian entry.
    (tmp_path / "Procfile").write_text("web: gunicorn proj.asgi\n")
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        assert json.loads(run("--format", "json", "--fail-level", "CRITICAL")[0])["granian"] is None


def test_the_platforms_unverified_facts_are_said() -> None:
    out, _, _ = run("--platform", "koyeb", "--fail-level", "CRITICAL")
    assert "Unverified for Koyeb (set them yourself if they differ): KOYEB_* variables at build," in out
    document = json.loads(run("--platform", "koyeb", "--format", "json", "--fail-level", "CRITICAL")[0])
    assert "stop signal and grace" in document["unverified"]
    assert (
        json.loads(run("--platform", "heroku", "--format", "json", "--fail-level", "CRITICAL")[0])["unverified"] == []
    )


def test_deploy_says_when_migrations_were_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.checks import migrations as migration_checks

    monkeypatch.setattr(migration_checks, "judged_in_time", lambda alias, timeout: "the database 'x' did not answer")
    monkeypatch.setattr(migration_checks, "from_record", lambda alias, why: ([], f"not judged: {why}"))
    out, _, _ = run("--deploy", "--platform", "render", "--fail-level", "CRITICAL")
    assert "Migrations not judged: the database 'x' did not answer." in out


def test_a_database_that_cannot_be_asked_is_said_by_its_class_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.schema import plan

    def refused(connection: Any) -> Any:
        raise ConnectionRefusedError("db.internal:5432 with its password")

    monkeypatch.setattr(plan, "release_plan", refused)
    assert plan.judged_in_time("default", 5.0) == "the database 'default' did not answer (ConnectionRefusedError)"
