from __future__ import annotations

import copy
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_platform
from django_platform.report import MASK, mask, mask_url
from tests.conftest import PASSWORD

BASE: dict[str, Any] = {
    "SECRET_KEY": "a-long-random-key-that-settings-py-read-from-somewhere-safe",
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}},
}
ENCODED = "s3cr%40t%23%2F%3F%24%25%3Apw"


def settings() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def test_configure_applies_database_url_and_returns_report() -> None:
    ns = settings()
    report = django_platform.configure(ns, env={"DYNO": "web.1", "DATABASE_URL": f"postgres://u:{ENCODED}@h/db"})
    assert ns["DATABASES"]["default"]["PASSWORD"] == PASSWORD
    assert ns["DJANGO_PLATFORM_REPORT"] is report
    assert report.platform == "heroku"
    assert report.source("DATABASES.default") == "DATABASE_URL"
    assert PASSWORD not in repr(report.as_dict())
    assert ENCODED not in repr(report.as_dict())


def test_configure_twice_gives_the_same_settings() -> None:
    env = {"DYNO": "web.1", "DATABASE_URL": "postgres://u:p@h/db", "HEROKU_POSTGRESQL_OLIVE_URL": "postgres://u:p@o/db"}
    ns = settings()
    django_platform.configure(ns, env=env)
    first = copy.deepcopy({k: v for k, v in ns.items() if k != "DJANGO_PLATFORM_REPORT"})
    django_platform.configure(ns, env=env)
    assert {k: v for k, v in ns.items() if k != "DJANGO_PLATFORM_REPORT"} == first


def test_configure_accepts_a_module() -> None:
    module = types.ModuleType("fake_settings")
    module.DATABASES = settings()["DATABASES"]  # type: ignore[attr-defined]
    django_platform.configure(module, env={"DATABASE_URL": "postgres://u:p@h/db"})
    assert module.DATABASES["default"]["HOST"] == "h"


def test_platform_argument_overrides_detection() -> None:
    report = django_platform.configure(settings(), env={"DYNO": "web.1"}, platform="qoddi")
    assert (report.platform, report.reason) == ("qoddi", "configure(platform='qoddi')")


def test_exclude_leaves_an_area_alone() -> None:
    ns = settings()
    django_platform.configure(ns, env={"DATABASE_URL": "postgres://u:p@h/db"}, exclude={"databases", "logging"})
    assert ns["DATABASES"] == BASE["DATABASES"]
    assert "LOGGING" not in ns


def test_exclude_rejects_unknown_areas() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"unknown areas \['nope'\]; valid: security, hosts, databases"):
        django_platform.configure(settings(), env={}, exclude={"nope"})


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_PLATFORM", "render")
    assert django_platform.configure(settings()).platform == "render"


@pytest.mark.slow
def test_import_is_cheap() -> None:
    code = (
        "import sys, django_platform; heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('django', 'gunicorn', 'whitenoise', 'dj_database_url', 'psycopg', 'MySQLdb')]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_configure_does_not_import_test_or_server_modules() -> None:
    code = (
        "import sys, django_platform; django_platform.configure({}, env={'DATABASE_URL': 'postgres://u:p@h/d'});"
        "print(sorted(m for m in sys.modules if m.startswith(('django.test', 'gunicorn', 'whitenoise.middleware'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    )
    assert out.stdout.strip() == "[]"


def test_mask_helpers() -> None:
    assert mask_url(f"redis://:{ENCODED}@h:6379/0") == f"redis://:{MASK}@h:6379/0"
    assert mask_url("postgres://user@h/db") == "postgres://user@h/db"
    assert mask_url("postgres://u:p@ss@h/db") == f"postgres://u:{MASK}@h/db"
    assert mask_url("redis://h:6379/0 mail me@example.com") == "redis://h:6379/0 mail me@example.com"
    assert mask_url("https://h/x?token=abc&x=1") == f"https://h/x?token={MASK}&x=1"
    assert mask({"PASSWORD": "x", "OPTIONS": {"passwd": "y", "ssl": {"ca": "/c"}}, "HOSTS": ["a"]}) == {
        "PASSWORD": MASK,
        "OPTIONS": {"passwd": MASK, "ssl": {"ca": "/c"}},
        "HOSTS": ["a"],
    }
    assert mask("", "PASSWORD") == ""
    assert mask("abc", "SECRET_KEY") == MASK


def test_report_sources_are_structured_data() -> None:
    from django_platform.report import Source

    env = {
        "DYNO": "web.1",
        "DJANGO_SECRET_KEY": "k" * 50,
        "DATABASE_URL": "postgres://u:p4ssw0rd-long@db.example.com/app",
        "MAILGUN_SMTP_SERVER": "smtp.mailgun.org",
        "MAILGUN_SMTP_LOGIN": "postmaster@x",
        "MAILGUN_SMTP_PASSWORD": "mailgun-" + "p" * 20,
    }
    settings: dict[str, Any] = {"DATABASES": {}, "DEBUG": True}
    report = django_platform.configure(settings, env=env)
    origin = {e.setting: e.origin for e in report}
    assert origin["SECRET_KEY"] == Source("environment", "DJANGO_SECRET_KEY", ["DJANGO_SECRET_KEY"])
    assert origin["SECRET_KEY"].secret
    assert origin["DEBUG"].kind == "platform"
    assert (origin["DATABASES.default"].kind, origin["DATABASES.default"].keys) == ("environment", ("DATABASE_URL",))
    assert origin["DATABASES.default"].secret  # its password is masked in the value
    email = origin.get("MAILERS.default") or origin["EMAIL"]
    assert email.keys == ("MAILGUN_SMTP_SERVER", "MAILGUN_SMTP_LOGIN", "MAILGUN_SMTP_PASSWORD")
    assert origin["SECURE_CONTENT_TYPE_NOSNIFF"].kind == "default"
    assert origin["SESSION_COOKIE_SECURE"].kind == "platform"
    # As JSON: the same, with the text beside it.
    [entry] = [e for e in report.as_dict()["settings"] if e["setting"] == "SECRET_KEY"]
    assert entry["origin"] == {"kind": "environment", "keys": ["DJANGO_SECRET_KEY"], "masked": True}
    with pytest.raises(ValueError, match="unknown source kind"):
        Source("guess", "x")


def test_report_values_compare_and_print() -> None:
    from django_platform.report import Entry, Source

    source = Source("environment", "X", ["X"])
    assert hash(source) == hash(Source("environment", "X", ["X"]))
    assert repr(source) == "Source('environment', 'X', ('X',))"
    entry = Entry("A", 1, source)
    assert entry == Entry("A", 1, source) != entry._replace(value=2)
    assert repr(entry) == "Entry('A', 1, Source('environment', 'X', ('X',)))"


def test_every_area_module_exports_the_one_contract() -> None:
    """areas/base.py: each area is a module with apply(ns, ctx, report) -> Changes, nothing else."""
    import importlib
    import inspect

    from django_platform.configuration import AREAS

    for name, module in AREAS.items():
        apply = importlib.import_module(f"django_platform.areas.{module}").apply
        assert list(inspect.signature(apply).parameters) == ["ns", "ctx", "report"], name


def test_choose_is_the_one_precedence_ladder() -> None:
    from django_platform.areas.base import choose
    from django_platform.report import Report

    report = Report("heroku", "test")
    assert choose("A", {"A": 3}, report, env=(1, "X"), store=(2, "store"), default=(4, "default")) == (True, 1)
    assert choose("B", {"B": 3}, report, store=(2, "store"), default=(4, "default")) == (True, 2)
    assert choose("C", {"C": 3}, report, default=(4, "default")) == (False, 3)
    assert choose("D", {}, report, default=lambda: (4, "default")) == (True, 4)
    assert choose("E", {}, report, default=lambda: None) == (False, None)
    assert choose("F", {}, report) == (False, None)
    recorded = {e.setting: (e.value, e.source) for e in report.entries}
    assert recorded == {
        "A": (1, "X"),
        "B": (2, "store"),
        "C": (3, "settings.py"),
        "D": (4, "default"),
    }
    # A key inside a mapping (one DATABASES entry), recorded under its full name.
    assert choose("DATABASES.default.CONN_MAX_AGE", {"CONN_MAX_AGE": 0}, report, key="CONN_MAX_AGE") == (False, 0)
    assert report.entries[-1].setting == "DATABASES.default.CONN_MAX_AGE" and report.entries[-1].source == "settings.py"
