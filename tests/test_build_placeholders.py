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


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_build_under_the_base_settings_is_named_as_the_cause(tmp_path: Path) -> None:
    """Split settings whose base module does not call configure() and keeps Django's plain storage:
    a Docker build that runs collectstatic under `base` collects files without a manifest. E017 names
    that cause and the fix (the module to build with), not a missing collectstatic."""
    from tests.platform_envs import SECRET, clean_environ

    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "projects" / "split", project, ignore=shutil.ignore_patterns("__pycache__"))
    base = project / "mysite" / "settings" / "base.py"
    base.write_text(
        base.read_text().replace(
            '"mysite.storage.StaticStorage"', '"django.contrib.staticfiles.storage.StaticFilesStorage"'
        )
    )
    (project / "Procfile").write_text("web: gunicorn mysite.wsgi\n")

    def manage(settings_module: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=project,
            env=clean_environ(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE=settings_module, **(env or {})),
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("mysite.settings.base", "collectstatic", "--noinput", "-v0").returncode == 0
    assert (project / "collected" / "admin" / "css" / "base.css").is_file()
    fly = {"FLY_APP_NAME": "app", "FLY_REGION": "ams", "FLY_MACHINE_ID": "e784", "DJANGO_SECRET_KEY": SECRET}
    checked = manage("mysite.settings.production", "platform_check", env=fly)
    assert "django_platform.E017: Static files were collected without their manifest" in checked.stdout + checked.stderr
    assert "DJANGO_SETTINGS_MODULE=mysite.settings.production" in checked.stdout + checked.stderr
    assert "unstyled" not in checked.stdout + checked.stderr
    assert manage("mysite.settings.production", "collectstatic", "--noinput", "-v0").returncode == 0
    checked = manage("mysite.settings.production", "platform_check", env=fly)
    assert "django_platform.E017" not in checked.stdout + checked.stderr
