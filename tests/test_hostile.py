"""Hostile input, one finding of the outside fuzz run at a time: secrets by where they came from,
errors that are ImproperlyConfigured and carry nothing, .env choosing the platform."""

from __future__ import annotations

import base64
import json
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings
from django.utils.module_loading import import_string
from django.views.debug import ExceptionReporter

import django_platform
from django_platform.configuration import AREAS
from django_platform.report import MASK, Report

TOKEN = "pm-" + "7f3a9c" * 6  # a Postmark server token: its SMTP user name *and* password
KEY = {"DJANGO_SECRET_KEY": "k" * 50}


def configure(env: dict[str, str], **settings: Any) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"SECRET_KEY": "x", **settings}
    return ns, django_platform.configure(ns, env=env, exclude={"logging"})


def b64(data: Any) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def chain(exc: BaseException | None) -> list[BaseException]:
    found = []
    while exc is not None and exc not in found:
        found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found


# --- 1. a credential by where it came from, whatever the setting is called --------------------


@pytest.mark.usefixtures("no_anymail")
def test_postmark_token_as_smtp_user_is_masked_everywhere(tmp_path: Path) -> None:
    ns, report = configure({"DYNO": "web.1", **KEY, "POSTMARK_API_TOKEN": TOKEN})
    assert TOKEN not in json.dumps(report.as_dict(), default=str)
    mail_settings = {k: v for k, v in ns.items() if k.startswith(("EMAIL_", "MAILERS"))}
    assert TOKEN in json.dumps(mail_settings)  # it is really used
    out = StringIO()
    with override_settings(**mail_settings, DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        for fmt in ("text", "json"):
            call_command("platform_check", "--format", fmt, "--fail-level", "CRITICAL", stdout=out, stderr=out)
        reporter = ExceptionReporter(RequestFactory().get("/"), ValueError, ValueError("boom"), None)
        reporter.filter = import_string(ns["DEFAULT_EXCEPTION_REPORTER_FILTER"])()  # what configure() set
        page = reporter.get_traceback_html()
    assert TOKEN not in out.getvalue()
    assert TOKEN not in page


def test_the_same_token_from_cloudcontrols_credentials_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"POSTMARK": {"POSTMARK_API_TOKEN": TOKEN}}))
    env = {"PAAS_VENDOR": "cloudControl", "CRED_FILE": str(creds), **KEY}
    ns, report = configure(env)
    assert TOKEN in json.dumps({k: v for k, v in ns.items() if k.startswith(("EMAIL_", "MAILERS"))})
    assert TOKEN not in json.dumps(report.as_dict(), default=str)


# --- 2. masking gaps ------------------------------------------------------------------------------


def test_a_raw_space_in_a_url_password_is_still_hidden() -> None:
    secret = "pa SECRET-" + "z" * 12
    _, report = configure({"DYNO": "web.1", **KEY, "REDIS_URL": f"redis://u:{secret}@redis.internal:6379/0"})
    assert secret not in json.dumps(report.as_dict(), default=str)
    assert "SECRET-" not in json.dumps(report.as_dict(), default=str)


@pytest.mark.parametrize("scheme", ["locmem", "dummy"])
def test_userinfo_never_reaches_a_cache_location(scheme: str) -> None:
    secret = "hunter2-" + "q" * 16
    ns, report = configure({**KEY, "CACHE_URL": f"{scheme}://u:{secret}@users"})
    assert secret not in json.dumps(ns["CACHES"])
    assert secret not in json.dumps(report.as_dict(), default=str)


@pytest.mark.parametrize("url", ["postgres://u:1234/SECRETPW@h/db", "postgresql:///u:SECRETPW@db/app"])
def test_a_password_outside_the_userinfo_is_refused_not_shown_as_name(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL has an '@' after the host") as info:
        configure({"DATABASE_URL": url})
    assert all("SECRETPW" not in str(e) for e in chain(info.value))


# --- 3. settings import raises ImproperlyConfigured only ----------------------------------------


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {
                "PLATFORM_APPLICATION_NAME": "a",
                "PLATFORM_RELATIONSHIPS": b64(
                    {"database": [{"scheme": "pgsql", "host": {"h": 1}, "path": "p", "username": "u"}]}
                ),
            },
            "PLATFORM_RELATIONSHIPS database: host must be a string or a number.",
        ),
        (
            {"PLATFORM_APPLICATION_NAME": "a", "PLATFORM_RELATIONSHIPS": base64.b64encode(DEEP.encode()).decode()},
            "PLATFORM_RELATIONSHIPS (base64-decoded) nests JSON deeper than 20 levels.",
        ),
        (
            {"PLATFORM_APPLICATION_NAME": "a", "PLATFORM_ROUTES": base64.b64encode(DEEP.encode()).decode()},
            "PLATFORM_ROUTES (base64-decoded) nests JSON deeper than 20 levels.",
        ),
        (
            {"PLATFORM_APPLICATION_NAME": "a", "PLATFORM_ROUTES": b64({"https://[abc/": {"type": "upstream"}})},
            "PLATFORM_ROUTES has an upstream route whose URL has no valid host name.",
        ),
        (
            {
                "PLATFORM_APPLICATION_NAME": "a",
                "PLATFORM_ROUTES": b64({"https://\uff45xample.com\u2100/": {"type": "upstream"}}),
            },
            "PLATFORM_ROUTES has an upstream route whose URL has no valid host name.",
        ),
        (
            {"DATABASE_URL": "postgres://u:p@h/db?connect_timeout=%C2%B2"},
            "DATABASE_URL has an option dj-database-url cannot read (ParseError).",
        ),
        ({"DATABASE_URL": "postgres://u:p@h/db?connect_timeout=" + "9" * 5000}, "DATABASE_URL is longer than 4096"),
        (
            {"DATABASE_URL": "postgres://u:p@h/db", "DATABASE_CONN_MAX_AGE": "9" * 400},
            "DATABASE_CONN_MAX_AGE must be a whole number of at most 18 digits.",
        ),
        (
            {"DJANGO_SECURE_HSTS_SECONDS": "1" * 5000, "DYNO": "web.1", **KEY},
            "DJANGO_SECURE_HSTS_SECONDS must be a whole number of at most 18 digits.",
        ),
        ({"PAAS_VENDOR": "cloudControl", "CRED_FILE": "/tmp/x\0y", **KEY}, "CRED_FILE contains a NUL byte"),
    ],
)
def test_settings_import_raises_improperly_configured_only(env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        configure(env)
    assert str(info.value).startswith(message)
    assert chain(info.value) == [info.value]


def test_a_relationship_whose_scheme_is_not_a_string_is_not_a_database() -> None:
    relationships = b64({"database": [{"scheme": ["pgsql"]}], "cache": [{"scheme": {"redis": 1}}]})
    ns, _ = configure({"PLATFORM_APPLICATION_NAME": "a", "PLATFORM_RELATIONSHIPS": relationships})
    assert "DATABASES" not in ns


def test_deep_json_in_the_credentials_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(DEEP)
    with pytest.raises(ImproperlyConfigured, match="nests JSON deeper than 20 levels") as info:
        configure({"PAAS_VENDOR": "cloudControl", "CRED_FILE": str(creds), **KEY})
    assert chain(info.value) == [info.value]


# --- 5. no exception context to carry a secret ---------------------------------------------------


def test_errors_keep_no_context_that_holds_the_secret(tmp_path: Path) -> None:
    password = "S3cr3t-" + "w" * 20
    with pytest.raises(ImproperlyConfigured) as info:
        configure({"DATABASE_URL": f"postgres://u:{password}@h:port/db"})
    assert chain(info.value) == [info.value]
    creds = tmp_path / "creds.json"
    creds.write_bytes(b'{"MYSQLS": {"MYSQLS_PASSWORD": "' + password.encode() + b'\xff"}}')
    with pytest.raises(ImproperlyConfigured, match=r"cannot be read \(UnicodeDecodeError\)") as info:
        configure({"PAAS_VENDOR": "cloudControl", "CRED_FILE": str(creds), **KEY})
    assert chain(info.value) == [info.value]  # UnicodeDecodeError.object held the whole file


def test_an_unknown_platform_name_is_echoed_only_when_it_looks_like_one() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM='herokku' is not a known platform"):
        configure({"DJANGO_PLATFORM": "herokku"})
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM is not a known platform") as info:
        configure({"DJANGO_PLATFORM": "postgres://u:pw@h/db"})
    assert "pw" not in str(info.value)


# --- 8. .env may select the platform ---------------------------------------------------------------


def test_dotenv_selects_the_platform(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DJANGO_PLATFORM=qoddi\nDJANGO_SECRET_KEY=" + "d" * 50 + "\n")
    ns: dict[str, Any] = {"BASE_DIR": tmp_path, "SECRET_KEY": "x"}
    report = django_platform.configure(ns, env={}, dotenv=True, exclude=set(AREAS) - {"security"})
    assert report.platform == "qoddi"
    assert report.reason == "DJANGO_PLATFORM (.env)=qoddi"
    assert ns["DEBUG"] is False
    entry = report.get("SECRET_KEY")
    assert entry is not None and entry.value == MASK


def test_planted_secret_in_every_settings_value_of_the_debug_page() -> None:
    from django_platform.exception_filter import PlatformExceptionReporterFilter

    _, report = configure({"DYNO": "web.1", **KEY, "POSTMARK_API_TOKEN": TOKEN})
    with override_settings(DJANGO_PLATFORM_REPORT=report):
        cleansed = PlatformExceptionReporterFilter().cleanse_setting("EMAIL_HOST_USER", TOKEN)
        assert cleansed != TOKEN
        assert PlatformExceptionReporterFilter().cleanse_setting("EMAIL_HOST", "smtp.postmarkapp.com") == (
            "smtp.postmarkapp.com"
        )
    assert quote(TOKEN) == TOKEN  # the token needs no encoding: the checks above are exact


# --- 6. writers keep every byte they do not own ------------------------------------------------------


def write_procfile(tmp_path: Path, *args: str) -> str:
    out = StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        call_command("platform_procfile", "--platform", "heroku", "--path", str(tmp_path), *args, stdout=out)
    return out.getvalue()


BLOCK_LINES = [
    "# BEGIN django-platform (for heroku): written by `python manage.py platform_procfile`; edit outside this block.",
    "web: gunicorn proj.wsgi",
    "release: python manage.py platform_migrate",
    "# END django-platform",
]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_outside_the_block_are_kept_and_followed(tmp_path: Path, newline: str) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_bytes(f"# mine{newline}worker: celery -A proj worker{newline}".encode())
    write_procfile(tmp_path, "--force")
    # --force puts the block first, then a blank line, then the old lines as they were.
    expected = newline.join(BLOCK_LINES) + newline * 2 + f"# mine{newline}worker: celery -A proj worker{newline}"
    assert procfile.read_bytes() == expected.encode()
    assert "up to date" in write_procfile(tmp_path)  # the CRLF block is recognised as ours


def test_a_byte_order_mark_stays_first_and_the_block_is_found(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_bytes(b"\xef\xbb\xbfclock: python clock.py\n")
    write_procfile(tmp_path, "--force")
    data = procfile.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# BEGIN django-platform") and data.count(b"\xef\xbb\xbf") == 1
    assert data.endswith(b"# END django-platform\n\nclock: python clock.py\n")
    assert "up to date" in write_procfile(tmp_path)
    assert write_procfile(tmp_path, "--check").startswith("Procfile is up to date")


def test_a_symlinked_procfile_is_written_through_to_its_target(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    target = tmp_path / "deploy" / "Procfile.heroku"
    target.write_text("clock: python clock.py\n")
    (tmp_path / "Procfile").symlink_to("deploy/Procfile.heroku")
    write_procfile(tmp_path, "--force")
    assert (tmp_path / "Procfile").is_symlink()
    assert target.read_text().endswith("# END django-platform\n\nclock: python clock.py\n")


def test_the_owner_is_kept(tmp_path: Path) -> None:
    import os

    if os.getuid() != 0:
        pytest.skip("only root can hand a file to another owner")
    procfile = tmp_path / "Procfile"
    procfile.write_text("clock: python clock.py\n")
    os.chown(procfile, 4321, 4322)
    write_procfile(tmp_path, "--force")
    assert (procfile.stat().st_uid, procfile.stat().st_gid) == (4321, 4322)


def test_a_hard_linked_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("clock: python clock.py\n")
    (tmp_path / "Procfile.backup").hardlink_to(procfile)
    with pytest.raises(CommandError, match="has other hard links") as info:
        write_procfile(tmp_path, "--force")
    assert info.value.returncode == 2
    assert procfile.read_text() == "clock: python clock.py\n" == (tmp_path / "Procfile.backup").read_text()


@pytest.mark.parametrize(("parent", "error"), [("missing", "FileNotFoundError"), ("a-file", "NotADirectoryError")])
def test_an_unwritable_directory_is_a_command_error_naming_the_path(tmp_path: Path, parent: str, error: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(CommandError, match=rf"{parent}/Procfile cannot be (read|written) \({error}\)") as info:
        write_procfile(tmp_path / parent)
    assert info.value.returncode == 2


def test_temporary_files_of_killed_writers_are_cleaned(tmp_path: Path) -> None:
    import os
    import time

    dead = tmp_path / ".Procfile.99999999.a1b2c3.tmp"  # no such process
    mine = tmp_path / f".Procfile.{os.getpid()}.z9y8x7.tmp"  # a writer still running
    old_style = tmp_path / ".Procfile.q1w2e3r4.tmp"
    for path in (dead, mine, old_style):
        path.write_text("half")
    os.utime(old_style, (time.time() - 7200, time.time() - 7200))
    other = tmp_path / ".Procfile.notes.txt"
    other.write_text("not ours")
    write_procfile(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["Procfile", mine.name, other.name])


def test_stale_temporary_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from django_platform.deploy import files

    assert files._age(tmp_path / "vanished") == 0.0  # removed by another writer meanwhile

    def refuse(pid: int, signal: int) -> None:
        raise PermissionError

    monkeypatch.setattr(os, "kill", refuse)
    assert files._alive(1) is True  # another user's process
    assert files.line_ending("") == "\n"


def test_an_oversized_json_store_is_refused() -> None:
    huge = base64.b64encode(b'{"database": "' + b"x" * (1 << 20) + b'"}').decode()
    with pytest.raises(ImproperlyConfigured, match=r"^PLATFORM_RELATIONSHIPS \(base64-decoded\) is larger than"):
        configure({"PLATFORM_APPLICATION_NAME": "a", "PLATFORM_RELATIONSHIPS": huge})


def test_an_area_that_is_not_total_yet_still_raises_improperly_configured_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django_platform.areas import hosts

    def broken(*args: Any) -> None:
        raise TypeError("unsupported operand: 'SECRETVALUE'")

    monkeypatch.setattr(hosts, "apply", broken)
    with pytest.raises(ImproperlyConfigured) as info:
        configure({})
    assert str(info.value).startswith("configure() could not read the environment for its 'hosts' settings (TypeError)")
    assert chain(info.value) == [info.value]
    assert "SECRETVALUE" not in str(info.value)


def test_short_secrets_are_masked_whole_not_inside_other_words() -> None:
    from django_platform.report import hide

    secrets = frozenset({"main", "Zz9" * 4})
    assert hide({"NAME": "main", "HOST": "domain.internal", "X": "a" + "Zz9" * 4}, secrets) == {
        "NAME": MASK,
        "HOST": "domain.internal",
        "X": "a" + MASK,
    }


def test_private_addresses_are_not_secrets() -> None:
    env = {"FLY_APP_NAME": "app", "FLY_PRIVATE_IP": "fdaa:0:18:a7b:7d:3f06:2fc:2", **KEY}
    _, report = configure(env)
    entry = report.get("ALLOWED_HOSTS")
    assert entry is not None and entry.value == ["app.fly.dev", "[fdaa:0:18:a7b:7d:3f06:2fc:2]"]
    from django_platform.report import is_secret_name

    assert is_secret_name("SSH_PRIVATE_KEY") and is_secret_name("GITHUB_PRIVATE_KEY_PEM")
    assert not is_secret_name("FLY_PRIVATE_IP") and not is_secret_name("RAILWAY_PRIVATE_DOMAIN")
