"""The example project on every platform: production-like settings give zero findings from
`check --deploy` and `platform_check`; local defaults checked for Qoddi fail as they should."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest

from tests.conftest import PASSWORD
from tests.platform_envs import PLATFORM_ENVS, SECRET, clean_environ

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"
# PostgreSQL, Redis cache and sessions, S3 media, email through an add-on.
PRODUCTION = {
    "DJANGO_SECRET_KEY": SECRET,
    "DATABASE_URL": f"postgres://app:{quote(PASSWORD, safe='')}@db.internal:5432/app",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "uploads",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "aws-" + SECRET,
    "EMAIL_URL": f"smtp+tls://mailer:{quote(PASSWORD, safe='')}@smtp.example.com:587",
}
SCHEMA = {
    "type": "object",
    "required": [
        "schema",
        "platform",
        "reason",
        "unverified",
        "settings",
        "gunicorn",
        "granian",
        "notes",
        "findings",
        "summary",
    ],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": 2},
        "platform": {"type": "string"},
        "reason": {"type": "string"},
        "unverified": {"type": "array", "items": {"type": "string"}},
        "settings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["setting", "value", "source", "origin"],
                "additionalProperties": False,
                "properties": {
                    "setting": {"type": "string"},
                    "value": {},
                    "source": {"type": "string"},
                    "origin": {
                        "type": "object",
                        "required": ["kind", "keys", "masked"],
                        "additionalProperties": False,
                        "properties": {
                            "kind": {"enum": ["environment", "store", "settings.py", "platform", "default"]},
                            "keys": {"type": "array", "items": {"type": "string"}},
                            "masked": {"type": "boolean"},
                        },
                    },
                },
            },
        },
        "gunicorn": {
            "oneOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["setting", "value", "why"],
                        "additionalProperties": False,
                        "properties": {"setting": {"type": "string"}, "value": {}, "why": {"type": "string"}},
                    },
                },
            ]
        },
        "granian": {
            "oneOf": [
                {"type": "null"},
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["flag", "value", "why"],
                        "additionalProperties": False,
                        "properties": {
                            "flag": {"type": "string", "pattern": "^--"},
                            "value": {"type": ["string", "integer", "null"]},
                            "why": {"type": "string"},
                        },
                    },
                },
            ]
        },
        "notes": {"type": "array", "items": {"type": "string"}},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "level", "message", "hint", "object"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": ["string", "null"]},
                    "level": {"enum": ["critical", "error", "warning", "info", "debug"]},
                    "message": {"type": "string"},
                    "hint": {"type": ["string", "null"]},
                    "object": {"type": ["string", "null"]},
                },
            },
        },
        "summary": {
            "type": "object",
            "required": ["critical", "error", "warning", "info", "debug"],
            "additionalProperties": {"type": "integer"},
        },
    },
}


@pytest.fixture
def project(tmp_path: Path, example_static: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__", "staticfiles"))
    shutil.copytree(example_static, target / "staticfiles")  # collected at build
    return target


def manage(project: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize("platform", sorted(PLATFORM_ENVS))
def test_production_like_settings_have_zero_findings(platform: str, project: Path) -> None:
    env = {**PLATFORM_ENVS[platform], **PRODUCTION}
    # Production asks for the Python it runs (I003 on Heroku, Nixpacks' 3.11 on Coolify otherwise).
    (project / ".python-version").write_text(f"{sys.version_info.major}.{sys.version_info.minor}\n")
    for command in ("platform_procfile", "platform_gunicorn"):
        assert manage(project, command, "--platform", platform, env=env).returncode == 0
    result = manage(project, "check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    result = manage(project, "platform_check", "--deploy", "--fail-level", "DEBUG", "--format", "json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["platform"] == platform
    assert document["findings"] == []
    for secret in (PASSWORD, quote(PASSWORD, safe=""), SECRET):
        assert secret not in result.stdout + result.stderr


@pytest.mark.slow
def test_local_defaults_checked_for_qoddi_report_data_loss(project: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{project}/db.sqlite3", "DJANGO_SECRET_KEY": SECRET}
    result = manage(project, "platform_check", "--platform", "qoddi", env=env)
    assert result.returncode == 1
    assert "Platform: Qoddi (--platform qoddi)" in result.stdout
    assert (
        "django_platform.E001: Uploaded files are saved to the local disk, which Qoddi wipes: "
        "notes.Note.attachment." in result.stdout
    )
    assert "django_platform.E002: The 'default' database is a SQLite file" in result.stdout
    assert "2 error(s)" in result.stdout
    assert "CommandError: 2 finding(s) at ERROR or above." in result.stderr
    json_result = manage(project, "platform_check", "--platform", "qoddi", "--format", "json", env=env)
    document = json.loads(json_result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert {f["id"] for f in document["findings"] if f["level"] == "error"} == {
        "django_platform.E001",
        "django_platform.E002",
    }
    assert SECRET not in result.stdout + json_result.stdout


@pytest.mark.slow
def test_planted_secrets_never_reach_platform_check_output(project: Path) -> None:
    env = {**PLATFORM_ENVS["heroku"], **PRODUCTION}
    for fmt in ("text", "json"):
        result = manage(project, "platform_check", "--deploy", "--format", fmt, "--fail-level", "CRITICAL", env=env)
        assert result.returncode == 0, result.stderr
        output = result.stdout + result.stderr
        assert "DATABASE_URL" in output or "DATABASES.default" in output
        for secret in (PASSWORD, quote(PASSWORD, safe=""), SECRET, "aws-" + SECRET):
            assert secret not in output


@pytest.mark.slow
def test_example_project_refuses_to_start_without_a_key_on_a_platform(project: Path) -> None:
    result = manage(project, "check", env=PLATFORM_ENVS["render"])
    assert result.returncode == 1
    assert "No secret key on Render: set DJANGO_SECRET_KEY" in result.stderr
