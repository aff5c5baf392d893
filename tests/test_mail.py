from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.mail import build_mail, find_mail
from django_platform.parsers.mail import CONSOLE, SMTP, Mail, parse_email_url
from django_platform.platforms import BY_NAME, Context, Platform
from django_platform.report import MASK, Report
from tests.conftest import PASSWORD

HEROKU = BY_NAME["heroku"]


def _find(env: dict[str, str], platform: Platform) -> Mail | None:
    return find_mail(Context(env, platform), {}, Report(platform.name, "test"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://u:p@mail.example.com:587",
            Mail(SMTP, "EMAIL_URL", "mail.example.com", 587, "u", "p", True, False, keys=("EMAIL_URL",)),
        ),
        (
            "smtp://u:p@mail.example.com:465",
            Mail(SMTP, "EMAIL_URL", "mail.example.com", 465, "u", "p", False, True, keys=("EMAIL_URL",)),
        ),
        ("smtp://relay.internal", Mail(SMTP, "EMAIL_URL", "relay.internal", 25, keys=("EMAIL_URL",))),
        (
            "smtp+tls://u:p@m.example.com",
            Mail(SMTP, "EMAIL_URL", "m.example.com", 587, "u", "p", True, False, keys=("EMAIL_URL",)),
        ),
        (
            "smtp+ssl://u:p@m.example.com",
            Mail(SMTP, "EMAIL_URL", "m.example.com", 465, "u", "p", False, True, keys=("EMAIL_URL",)),
        ),
        (
            "smtps://u:p@m.example.com:2465",
            Mail(SMTP, "EMAIL_URL", "m.example.com", 2465, "u", "p", False, True, keys=("EMAIL_URL",)),
        ),
        (
            "smtp+tls://u:p@m.example.com:25?timeout=10",
            Mail(SMTP, "EMAIL_URL", "m.example.com", 25, "u", "p", True, False, 10, keys=("EMAIL_URL",)),
        ),
        ("console://", Mail(CONSOLE, "EMAIL_URL", keys=("EMAIL_URL",))),
    ],
)
def test_email_url(url: str, expected: Mail) -> None:
    assert parse_email_url(url) == expected


@pytest.mark.parametrize(
    ("url", "tls", "ssl", "note"),
    [
        ("smtps://u:p@m.example.com:587", True, False, "EMAIL_URL: smtps:// on port 587 uses STARTTLS"),
        ("smtp+ssl://u:p@m.example.com:2525", True, False, "EMAIL_URL: smtp+ssl:// on port 2525 uses STARTTLS"),
        ("smtp+tls://u:p@m.example.com:465", False, True, "EMAIL_URL: smtp+tls:// on port 465 uses implicit TLS"),
        ("smtps://u:p@m.example.com:465", False, True, ""),
        ("smtp+tls://u:p@m.example.com:587", True, False, ""),
    ],
)
def test_the_port_decides_when_the_scheme_contradicts_it(url: str, tls: bool, ssl: bool, note: str) -> None:
    mail = parse_email_url(url)
    assert (mail.use_tls, mail.use_ssl) == (tls, ssl)
    assert mail.note == (f"{note}, as that port requires." if note else "")
    values, _, report = build({"EMAIL_URL": url}, {}, (5, 2))
    assert (values["EMAIL_USE_TLS"], values["EMAIL_USE_SSL"]) == (tls, ssl)
    assert report.notes == ([mail.note] if note else [])


def test_email_url_password_is_decoded() -> None:
    assert parse_email_url(f"smtp://user:{quote(PASSWORD, safe='')}@h:587").password == PASSWORD


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"smtp://u:{PASSWORD}@h:587", "EMAIL_URL contains a raw '#'"),
        ("smtp://u@h:x", "EMAIL_URL has a port that is not a number"),
        (f"http://u:{quote(PASSWORD, safe='')}@h", "EMAIL_URL must start with smtp://"),
        (f"smtp://u:{quote(PASSWORD, safe='')}@:587", "EMAIL_URL names no host"),
        ("smtp://h?timeout=soon", "EMAIL_URL timeout must be a whole number"),
    ],
)
def test_bad_email_urls(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        parse_email_url(url)
    assert str(info.value).startswith(message)
    assert PASSWORD not in str(info.value) and quote(PASSWORD, safe="") not in str(info.value)


@pytest.mark.usefixtures("no_anymail")
def test_sendgrid_api_key_and_legacy_credentials() -> None:
    mail = _find({"SENDGRID_API_KEY": "SG.key"}, HEROKU)
    sendgrid = Mail(SMTP, "environment SENDGRID_API_KEY", "smtp.sendgrid.net", 587, "apikey", "SG.key", True, False)
    assert mail == sendgrid._replace(keys=("SENDGRID_API_KEY",))
    legacy = _find({"SENDGRID_USERNAME": "app@heroku.com", "SENDGRID_PASSWORD": PASSWORD}, HEROKU)
    assert legacy is not None and (legacy.username, legacy.password) == ("app@heroku.com", PASSWORD)
    with pytest.raises(ImproperlyConfigured, match=r"SENDGRID_USERNAME is set without SENDGRID_PASSWORD"):
        _find({"SENDGRID_USERNAME": "u"}, HEROKU)


@pytest.mark.usefixtures("no_anymail")
def test_mailgun_and_postmark() -> None:
    env = {
        "MAILGUN_SMTP_SERVER": "smtp.mailgun.org",
        "MAILGUN_SMTP_PORT": "465",
        "MAILGUN_SMTP_LOGIN": "postmaster@x",
        "MAILGUN_SMTP_PASSWORD": PASSWORD,
    }
    assert _find(env, HEROKU) == Mail(
        SMTP,
        "environment MAILGUN_SMTP_*",
        "smtp.mailgun.org",
        465,
        "postmaster@x",
        PASSWORD,
        False,
        True,
        keys=tuple(env),
    )
    with pytest.raises(ImproperlyConfigured, match=r"MAILGUN_SMTP_SERVER is set without MAILGUN_SMTP_PASSWORD"):
        _find({"MAILGUN_SMTP_SERVER": "s", "MAILGUN_SMTP_LOGIN": "l"}, HEROKU)
    with pytest.raises(ImproperlyConfigured, match=r"MAILGUN_SMTP_PORT must be a whole number"):
        _find({**env, "MAILGUN_SMTP_PORT": "x"}, HEROKU)
    postmark = _find({"POSTMARK_API_TOKEN": "tok"}, HEROKU)
    expected = Mail(SMTP, "environment POSTMARK_API_TOKEN", "smtp.postmarkapp.com", 587, "tok", "tok", True, False)
    expected = expected._replace(keys=("POSTMARK_API_TOKEN",))
    assert postmark == expected


def test_cloudcontrol_addon_in_the_credentials_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(
        json.dumps(
            {
                "MAILGUN": {
                    "MAILGUN_SMTP_SERVER": "smtp.mailgun.org",
                    "MAILGUN_SMTP_PORT": "587",
                    "MAILGUN_SMTP_LOGIN": "l",
                    "MAILGUN_SMTP_PASSWORD": PASSWORD,
                }
            }
        )
    )
    mail = _find({"CRED_FILE": str(creds)}, BY_NAME["cloudcontrol"])
    assert mail is not None and mail.source == "CRED_FILE MAILGUN_SMTP_*" and mail.password == PASSWORD
    # The same file is not read off cloudControl.
    assert _find({"CRED_FILE": str(creds)}, HEROKU) is None
    creds.write_text(json.dumps({"SENDGRID": {}}))
    assert _find({"CRED_FILE": str(creds)}, BY_NAME["cloudcontrol"]) is None


def test_upsun_smtp_host() -> None:
    upsun = BY_NAME["upsun"]
    assert _find({"PLATFORM_SMTP_HOST": "10.0.0.1"}, upsun) == Mail(
        SMTP, "PLATFORM_SMTP_HOST", "10.0.0.1", 25, keys=("PLATFORM_SMTP_HOST",)
    )
    assert _find({"PLATFORM_SMTP_HOST": ""}, upsun) is None  # outgoing mail disabled


def build(
    env: dict[str, str],
    current: dict[str, Any],
    version: tuple[int, int],
    platform: str = "heroku",
    debug: bool = False,
) -> tuple[dict[str, Any], list[str], Report]:
    report = Report(platform, "")
    values, remove = build_mail(Context(env, BY_NAME[platform]), current, debug, version, report)
    return values, remove, report


@pytest.mark.usefixtures("no_anymail")
def test_writes_email_settings_before_django_6_1() -> None:
    values, remove, report = build(
        {"SENDGRID_API_KEY": PASSWORD, "DEFAULT_FROM_EMAIL": "noreply@example.com"}, {}, (5, 2)
    )
    assert values == {
        "DEFAULT_FROM_EMAIL": "noreply@example.com",
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "smtp.sendgrid.net",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "apikey",
        "EMAIL_HOST_PASSWORD": PASSWORD,
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    assert remove == []
    assert PASSWORD not in repr(report.as_dict())


def test_writes_mailers_on_django_6_1_and_removes_deprecated_settings() -> None:
    current = {"EMAIL_HOST": "old", "EMAIL_PORT": 25, "MAILERS": {"bulk": {"BACKEND": "x.Backend"}}}
    values, remove, report = build(
        {"EMAIL_URL": "smtp+ssl://u:p@m.example.com?timeout=5", "SERVER_EMAIL": "ops@x"}, current, (6, 1)
    )
    assert values["MAILERS"] == {
        "bulk": {"BACKEND": "x.Backend"},
        "default": {
            "BACKEND": SMTP,
            "OPTIONS": {
                "host": "m.example.com",
                "port": 465,
                "username": "u",
                "password": "p",
                "use_tls": False,
                "use_ssl": True,
                "timeout": 5,
            },
        },
    }
    assert values["SERVER_EMAIL"] == "ops@x"
    assert remove == ["EMAIL_HOST", "EMAIL_PORT"]
    entry = report.get("MAILERS.default")
    assert entry is not None and entry.value["OPTIONS"]["password"] == MASK


def test_console_locally_with_debug_and_nothing_configured() -> None:
    values, _, _ = build({}, {}, (6, 1), "local", debug=True)
    assert values == {"MAILERS": {"default": {"BACKEND": CONSOLE, "OPTIONS": {}}}}
    values, _, _ = build({}, {}, (5, 2), "local", debug=True)
    assert values == {"EMAIL_BACKEND": CONSOLE}
    # Not on a platform, not without DEBUG, not over the user's own settings.
    assert build({}, {}, (5, 2), "heroku", debug=True)[0] == {}
    assert build({}, {}, (5, 2), "local", debug=False)[0] == {}
    values, _, report = build({}, {"EMAIL_HOST": "smtp.example.com"}, (5, 2), "local", debug=True)
    assert values == {} and report.source("email") == "settings.py"


@pytest.mark.parametrize("version", [(5, 2), (6, 1)])
def test_settings_py_mail_the_environment_replaces_is_said(version: tuple[int, int]) -> None:
    """A console backend left from development, or another SMTP server, replaced by the add-on's:
    a note names what settings.py had (the host name only, never credentials written into it)."""
    console = "django.core.mail.backends.console.EmailBackend"
    _, _, report = build({"SENDGRID_API_KEY": PASSWORD}, {"EMAIL_BACKEND": console}, version)
    assert f"settings.py's EMAIL_BACKEND ({console}) replaced by {SMTP}, from environment SENDGRID_API_KEY." in (
        report.notes
    )
    own = {"EMAIL_HOST": f"user:{PASSWORD}@old.example.com"}
    _, remove, report = build({"SENDGRID_API_KEY": PASSWORD}, own, version)
    said = [n for n in report.notes if "EMAIL_HOST" in n]
    if version >= (6, 1):  # removed, and the removal is the note
        assert remove == ["EMAIL_HOST"] and said == [
            "Removed EMAIL_HOST from settings: MAILERS replaces them on Django 6.1+."
        ]
    else:
        assert said == ["settings.py's EMAIL_HOST replaced by smtp.sendgrid.net, from environment SENDGRID_API_KEY."]
        _, _, report = build({"SENDGRID_API_KEY": PASSWORD}, {"EMAIL_HOST": "old.example.com"}, version)
        assert "settings.py's EMAIL_HOST (old.example.com) replaced by smtp.sendgrid.net, from environment " in (
            "".join(report.notes)
        )
    assert PASSWORD not in repr(report.as_dict())
    # The same server: nothing to say.
    _, _, report = build(
        {"SENDGRID_API_KEY": PASSWORD}, {"EMAIL_HOST": "smtp.sendgrid.net", "EMAIL_BACKEND": SMTP}, version
    )
    assert not [n for n in report.notes if "replaced by" in n]


def test_configure_replaces_the_users_email_settings() -> None:
    """On Django 6.1+ MAILERS is written and settings.py's EMAIL_* names are removed (Django refuses
    both at once); before 6.1 the EMAIL_* settings are replaced."""
    import django

    import django_platform

    ns: dict[str, Any] = {"EMAIL_HOST": "old.example.com", "EMAIL_PORT": 25, "SECRET_KEY": "k" * 50}
    report = django_platform.configure(ns, env={"EMAIL_URL": "smtp+tls://u:p@mail.example.com:587"})
    if django.VERSION >= (6, 1):
        assert "EMAIL_HOST" not in ns and "EMAIL_PORT" not in ns
        assert ns["MAILERS"]["default"]["OPTIONS"]["host"] == "mail.example.com"
        assert report.notes[-1] == "Removed EMAIL_HOST, EMAIL_PORT from settings: MAILERS replaces them on Django 6.1+."
    else:
        assert (ns["EMAIL_HOST"], ns["EMAIL_PORT"]) == ("mail.example.com", 587)
        assert "MAILERS" not in ns
