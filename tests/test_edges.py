"""Error and fallback branches that the feature tests do not reach on their own."""

from __future__ import annotations

import socket
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_platform.areas.mail import mail_settings
from django_platform.deploy import deps
from django_platform.deploy import gunicorn as gunicorn_conf
from django_platform.deploy.gunicorn_cli import gunicorn_call
from django_platform.parsers.dotenv import read_dotenv
from django_platform.parsers.mail import Mail
from django_platform.platforms import BY_NAME, Context
from django_platform.report import Report, mask_url


def test_web_lines_that_are_not_gunicorn() -> None:
    assert gunicorn_call('gunicorn "unterminated', {}) is None
    assert gunicorn_call("python app.py", {}) is None
    assert gunicorn_call("gunicorn --workers 2", {}) == (None, None, None)


def test_requirement_lines_without_a_name() -> None:
    text = "--index-url https://x\n\n# only a comment\ngunicorn\n"
    assert deps.parse("requirements.txt", text) == {"gunicorn": set()}


def test_unreadable_dotenv(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"is a directory, not a file"):
        read_dotenv(tmp_path)
    bad = tmp_path / ".env"
    bad.write_bytes(b"\xff\xfeA=1")
    with pytest.raises(ImproperlyConfigured, match=r"cannot be read \(UnicodeDecodeError\)"):
        read_dotenv(bad)


def _can_bind_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_ipv6_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    # What this machine can do, found independently of the probe.
    assert gunicorn_conf.ipv6_support()[0] is (socket.has_ipv6 and _can_bind_ipv6_loopback())
    monkeypatch.setattr(socket, "has_ipv6", False)
    assert gunicorn_conf.ipv6_support() == (False, False)
    monkeypatch.setattr(socket, "has_ipv6", True)

    class NoBind(socket.socket):
        def bind(self, address: object) -> None:
            raise OSError("no IPv6 here")

    monkeypatch.setattr(socket, "socket", NoBind)
    assert gunicorn_conf.ipv6_support() == (False, False)


def test_ipv6_without_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.read_text

    def no_proc(self: Path, *args: object, **kwargs: object) -> str:
        if str(self).startswith("/proc/sys/net"):
            raise OSError("no /proc")
        return real(self)

    monkeypatch.setattr(Path, "read_text", no_proc)
    _supported, v6only = gunicorn_conf.ipv6_support()
    assert v6only is False


def test_post_fork_before_django_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker forked before the app loaded (preload off): closing connections must not import
    # Django's database layer into it.
    monkeypatch.delitem(sys.modules, "django.db")
    gunicorn_conf.post_fork(None, None)
    assert "django.db" not in sys.modules


def test_no_dev_shm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(gunicorn_conf, "SHM", str(tmp_path / "absent"))
    assert "worker_tmp_dir" not in gunicorn_conf.settings({}, BY_NAME["local"], cpus=1, memory=None)


def test_upsun_route_without_host() -> None:
    import base64
    import json

    routes = {"https:///": {"type": "upstream"}, "https://a.example.com/": {"type": "upstream"}}
    value = base64.b64encode(json.dumps(routes).encode()).decode()
    upsun = BY_NAME["upsun"]
    assert upsun.hosts(Context({"PLATFORM_ROUTES": value}, upsun)) == [("a.example.com", "PLATFORM_ROUTES")]


def test_email_timeout_before_django_6_1() -> None:
    mail = Mail("django.core.mail.backends.smtp.EmailBackend", "x", "h", 587, "u", "p", True, False, 9)
    assert mail_settings(mail, mailers=False)["EMAIL_TIMEOUT"] == 9
    assert mail_settings(mail, mailers=True)["OPTIONS"]["timeout"] == 9


def test_managed_file_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "Procfile").mkdir()
    with (
        pytest.raises(CommandError, match=r"cannot be read \(IsADirectoryError\)") as info,
        override_settings(WSGI_APPLICATION="p.wsgi.application"),
    ):
        call_command("platform_procfile", "--path", str(tmp_path), "--platform", "render", stdout=StringIO())
    assert info.value.returncode == 2


@override_settings(WSGI_APPLICATION="application")
def test_procfile_with_a_bad_wsgi_application(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"WSGI_APPLICATION must be a dotted path") as info:
        call_command("platform_procfile", "--path", str(tmp_path), "--platform", "render", stdout=StringIO())
    assert info.value.returncode == 2


@override_settings(WSGI_APPLICATION="tests.wsgi_app.application")
def test_run_gunicorn_runs_gunicorn_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management import ManagementUtility

    monkeypatch.setattr(sys, "argv", sys.argv)
    utility = ManagementUtility(["manage.py", "run_gunicorn", "--check-config", "-b", "127.0.0.1:0"])
    with pytest.raises(SystemExit) as info:
        utility.execute()
    assert info.value.code == 0
    assert sys.argv[-1] == "tests.wsgi_app"  # the project's WSGI module was added


def test_report_helpers() -> None:
    assert mask_url("http://[broken") == "http://[broken"
    report = Report("heroku", "r")
    with pytest.raises(KeyError):
        report.source("NOPE")
    report.record("A", 1, "s")
    assert repr(report) == "<Report platform='heroku' settings=1>"
