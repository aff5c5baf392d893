"""Dockerfile placeholders (#26): `RUN DATABASE_URL=postgres://none REDIS_URL=none SECRET_KEY=dummy
python manage.py collectstatic --noinput` builds; the same values stop every other command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_platform
from django_platform.configuration import collecting_static

ROOT = Path(__file__).resolve().parent.parent
# The idioms people write in Dockerfiles for variables the build does not have.
PLACEHOLDERS = [
    {"DATABASE_URL": "postgres://none", "REDIS_URL": "none"},
    {"DATABASE_URL": "none", "CACHE_URL": "dummy"},
    {"DATABASE_URL": "dummy", "CELERY_BROKER_URL": "none", "EMAIL_URL": "none"},
    {"DATABASE_URL": "sqlite://:memory:", "REDIS_URL": "redis://"},
    {"DATABASE_URL": "", "REDIS_URL": ""},
]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["manage.py", "collectstatic", "--noinput"], True),
        (["/app/manage.py", "collectstatic"], True),
        (["/usr/local/bin/django-admin", "collectstatic"], True),
        ([f"{os.sep}site-packages{os.sep}django{os.sep}__main__.py", "collectstatic"], True),
        (["manage.py", "migrate"], False),
        (["manage.py"], False),
        (["gunicorn", "collectstatic"], False),
        ([], False),
    ],
)
def test_collecting_static(argv: list[str], expected: bool) -> None:
    assert collecting_static(argv) is expected


@pytest.mark.parametrize("placeholders", PLACEHOLDERS)
def test_placeholders_build_and_stop_other_commands(
    placeholders: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"DJANGO_SECRET_KEY": "dummy" * 10, **placeholders}
    mine = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}

    def run() -> tuple[dict[str, Any], Any]:
        ns: dict[str, Any] = {"SECRET_KEY": "x", "DATABASES": mine, "CELERY_TASK_ACKS_LATE": True}
        return ns, django_platform.configure(ns, env=env, exclude={"logging"})

    monkeypatch.setattr(sys, "argv", ["manage.py", "collectstatic", "--noinput"])
    ns, report = run()
    if placeholders["DATABASE_URL"] not in ("", "sqlite://:memory:"):
        assert ns["DATABASES"] == mine  # settings.py's, untouched
    assert ns["STATIC_ROOT"]
    broken = any(v not in ("", "sqlite://:memory:") for v in placeholders.values())
    deferred = [n for n in report.notes if "Ignored while collectstatic runs" in n]
    assert bool(deferred) is broken
    assert all(v not in " ".join(deferred) for v in placeholders.values() if "://" in v)  # named, not quoted
    monkeypatch.setattr(sys, "argv", ["manage.py", "migrate"])
    if broken:
        with pytest.raises(ImproperlyConfigured):
            run()
    else:
        run()


def test_the_note_names_the_variable_and_the_area(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["manage.py", "collectstatic"])
    ns: dict[str, Any] = {"SECRET_KEY": "x"}
    report = django_platform.configure(ns, env={"DATABASE_URL": "postgres://none"}, exclude={"logging"})
    assert report.notes[0] == (
        "DATABASE_URL names no database: add /name after the host. Ignored while collectstatic runs: it needs no "
        "databases."
    )
    # Security is not deferred: collectstatic writes with the settings it decides.
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECURE_HSTS_SECONDS"):
        django_platform.configure(
            {"SECRET_KEY": "x"}, env={"DYNO": "web.1", "DJANGO_SECURE_HSTS_SECONDS": "x", "DJANGO_SECRET_KEY": "k" * 50}
        )


def test_a_docker_build_with_placeholders_collects_and_the_run_refuses(tmp_path: Path) -> None:
    """The example project as a Dockerfile builds it: no platform variable, placeholders only."""
    project = tmp_path / "example_project"
    shutil.copytree(ROOT / "example_project", project, ignore=shutil.ignore_patterns("db.sqlite3", "staticfiles"))
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": "postgres://none",
        "REDIS_URL": "none",
        "SECRET_KEY": "dummy",
    }
    build = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    run = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0
    assert "DATABASE_URL names no database" in run.stderr
