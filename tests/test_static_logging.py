from __future__ import annotations

import logging
import logging.config
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter

import django_platform
from django_platform.areas.health import MIDDLEWARE as HEALTH
from django_platform.areas.logconf import HANDLER, build_logging
from django_platform.areas.static import PLATFORM_STORAGE, SECURITY, WHITENOISE, with_whitenoise
from django_platform.parsers.dotenv import parse_dotenv
from django_platform.report import Report
from tests.conftest import PASSWORD

KEY = {"DJANGO_SECRET_KEY": "k" * 50}
MIDDLEWARE = [SECURITY, "django.contrib.sessions.middleware.SessionMiddleware"]
COMMON = "django.middleware.common.CommonMiddleware"


def run(env: dict[str, str], tmp_path: Path, **settings: Any) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"BASE_DIR": tmp_path, "MIDDLEWARE": list(MIDDLEWARE), **settings}
    report = django_platform.configure(ns, env={**KEY, **env})
    return ns, report


# --- static files ------------------------------------------------------------------------------


def test_whitenoise_right_after_security_exactly_once_and_a_list() -> None:
    assert with_whitenoise(MIDDLEWARE) == [SECURITY, WHITENOISE, MIDDLEWARE[1]]
    assert with_whitenoise([MIDDLEWARE[1], WHITENOISE, SECURITY, WHITENOISE]) == [MIDDLEWARE[1], SECURITY, WHITENOISE]
    assert with_whitenoise([MIDDLEWARE[1]]) == [WHITENOISE, MIDDLEWARE[1]]


def test_the_report_says_what_was_done_to_whitenoises_place(tmp_path: Path) -> None:
    cors = "corsheaders.middleware.CorsMiddleware"
    said = {
        "inserted after SecurityMiddleware": [SECURITY, cors],
        "kept right after SecurityMiddleware": [SECURITY, WHITENOISE, cors],
        f"moved from after {cors} to right after SecurityMiddleware": [SECURITY, cors, WHITENOISE],
        "moved from first to right after SecurityMiddleware": [WHITENOISE, SECURITY, cors],
        "listed 2 times: kept once, right after SecurityMiddleware": [SECURITY, WHITENOISE, cors, WHITENOISE],
    }
    for words, middleware in said.items():
        ns, report = run({"RENDER": "true"}, tmp_path, MIDDLEWARE=middleware)
        assert ns["MIDDLEWARE"] == [HEALTH, SECURITY, WHITENOISE, cors]
        assert f"WhiteNoise {words}" in report.source("MIDDLEWARE"), words


def test_static_on_a_platform(tmp_path: Path) -> None:
    ns, report = run({"RENDER": "true"}, tmp_path)
    assert ns["STATIC_ROOT"] == tmp_path / "staticfiles"
    assert not (tmp_path / "staticfiles").exists()  # nothing created while settings import
    assert ns["MIDDLEWARE"] == [HEALTH, SECURITY, WHITENOISE, MIDDLEWARE[1]]
    assert isinstance(ns["MIDDLEWARE"], list)
    assert ns["STORAGES"] == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": PLATFORM_STORAGE},
    }
    assert "STATICFILES_STORAGE" not in ns
    assert report.source("STORAGES.staticfiles") == "default: the same in build and run"


def test_static_keeps_user_choices(tmp_path: Path) -> None:
    storages = {"staticfiles": {"BACKEND": "myapp.storage.CDNStorage"}}
    ns, _ = run({"RENDER": "true"}, tmp_path, STATIC_ROOT="/srv/static", STORAGES=storages)
    assert ns["STATIC_ROOT"] == "/srv/static"
    assert ns["STORAGES"]["staticfiles"] == {"BACKEND": "myapp.storage.CDNStorage"}


def test_static_root_without_base_dir_uses_the_settings_file(tmp_path: Path) -> None:
    ns: dict[str, Any] = {"__file__": str(tmp_path / "proj" / "settings.py")}
    django_platform.configure(ns, env={})
    assert ns["STATIC_ROOT"] == tmp_path / "staticfiles"


def test_configure_twice_keeps_one_whitenoise(tmp_path: Path) -> None:
    ns, _ = run({"RENDER": "true"}, tmp_path)
    django_platform.configure(ns, env={**KEY, "RENDER": "true"})
    assert ns["MIDDLEWARE"].count(WHITENOISE) == 1


# --- logging --------------------------------------------------------------------------------------


def test_logging_defaults_and_level() -> None:
    config = build_logging({"DJANGO_LOG_LEVEL": "warning"}, None, Report("x", ""))
    assert config["root"] == {"handlers": [HANDLER], "level": "WARNING"}
    assert config["loggers"]["django.request"]["level"] == "ERROR"
    assert config["disable_existing_loggers"] is False
    with pytest.raises(ImproperlyConfigured, match=r"^LOG_LEVEL must be one of DEBUG, INFO"):
        build_logging({"LOG_LEVEL": "loud"}, None, Report("x", ""))


def test_user_logging_is_merged_not_replaced() -> None:
    user = {
        "version": 1,
        "handlers": {"file": {"class": "logging.NullHandler"}},
        "loggers": {"django": {"handlers": ["file"], "level": "DEBUG"}, "myapp": {"level": "INFO"}},
    }
    config = build_logging({}, user, Report("x", ""))
    assert config["loggers"]["django"] == {"handlers": ["file"], "level": "DEBUG"}
    assert config["loggers"]["myapp"] == {"level": "INFO"}
    assert config["handlers"]["file"] == {"class": "logging.NullHandler"}
    assert "django.request" in config["loggers"]
    assert user["loggers"] == {"django": {"handlers": ["file"], "level": "DEBUG"}, "myapp": {"level": "INFO"}}


def test_request_errors_reach_the_console(capsys: pytest.CaptureFixture[str]) -> None:
    config = build_logging({}, None, Report("x", ""))
    logging.config.dictConfig(config)
    try:
        logging.getLogger("django.request").error("Internal Server Error: /boom")
        logging.getLogger("django.request").warning("Not Found: /x")  # below ERROR: not shown
        logging.getLogger("myapp").info("hello")
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    err = capsys.readouterr().err
    assert "ERROR django.request: Internal Server Error: /boom" in err
    assert "Not Found" not in err
    assert "INFO myapp: hello" in err


def test_settings_pys_root_stream_handler_gets_djangos_records(capsys: pytest.CaptureFixture[str]) -> None:
    """cookiecutter-django's LOGGING (a verbose root console, disable_existing_loggers): Django's
    errors and the one-line foreign Host reach its root handler in its format, not ours; a root that
    writes to files only leaves them on ours, the platform's stream."""
    theirs = {
        "version": 1,
        "disable_existing_loggers": True,
        "formatters": {"verbose": {"format": "VERBOSE %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "verbose"}},
        "root": {"level": "INFO", "handlers": ["console"]},
    }
    report = Report("x", "")
    config = build_logging({}, theirs, report)
    assert config["root"] == theirs["root"]
    assert report.source("LOGGING").endswith("; Django's loggers to settings.py's root handlers")
    logging.config.dictConfig(config)
    try:
        logging.getLogger("django.request").error("Internal Server Error: /boom")
        logging.getLogger("django.security.DisallowedHost").error("Invalid HTTP_HOST header: 'x'.", exc_info=True)
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    assert capsys.readouterr().err.splitlines() == [
        "VERBOSE ERROR django.request Internal Server Error: /boom",
        "VERBOSE WARNING django.security.DisallowedHost Invalid HTTP_HOST header: 'x'.",
    ]
    files = {**theirs, "handlers": {"file": {"class": "logging.FileHandler", "filename": "/dev/null"}}}
    files["root"] = {"level": "INFO", "handlers": ["file"]}
    assert build_logging({}, files, Report("x", ""))["loggers"]["django"]["handlers"] == [HANDLER]
    # A root given as the "" logger is settings.py's too: no second root beside it.
    as_logger = {"handlers": theirs["handlers"], "loggers": {"": {"handlers": ["console"], "level": "INFO"}}}
    config = build_logging({}, as_logger, Report("x", ""))
    assert "root" not in config and config["loggers"]["django"] == {"propagate": True, "level": "INFO"}


def test_a_foreign_host_is_one_warning_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    from django.test import Client

    logging.config.dictConfig(build_logging({}, None, Report("x", "")))
    try:
        with override_settings(ALLOWED_HOSTS=["app.example.com"], MIDDLEWARE=[SECURITY, WHITENOISE, COMMON]):
            assert Client().get("/", HTTP_HOST="scanner.example.net").status_code == 400
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("WARNING django.security.DisallowedHost: Invalid HTTP_HOST header: 'scanner.example.net'.")
    assert "Traceback" not in err


def test_a_users_own_disallowed_host_logger_wins() -> None:
    mine = {"loggers": {"django.security.DisallowedHost": {"handlers": ["null"], "propagate": False}}}
    config = build_logging({}, mine, Report("x", ""))
    assert config["loggers"]["django.security.DisallowedHost"] == mine["loggers"]["django.security.DisallowedHost"]


# --- error reports --------------------------------------------------------------------------------


def _render_debug_page(request: Any) -> str:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        return ExceptionReporter(request, type(exc), exc, exc.__traceback__).get_traceback_html()


def test_debug_page_masks_credential_urls_in_settings_and_meta() -> None:
    # Built at run time so the secrets are not in this file's source, which the page shows.
    token = "".join(reversed("nekot-yrtnes"))
    url = f"postgres://user:{quote(PASSWORD, safe='')}@h/db"
    request = RequestFactory().get("/", DATABASE_URL=url)
    with override_settings(
        DEFAULT_EXCEPTION_REPORTER_FILTER="django_platform.exception_filter.PlatformExceptionReporterFilter",
        DEBUG=True,
        MY_BROKER_URL=url,
        SENTRY_DSN=f"https://{token}@sentry.example/1",
        STATIC_URL="/static/",
    ):
        html = _render_debug_page(request)
    assert "ValueError" in html
    for secret in (quote(PASSWORD, safe=""), PASSWORD, token):
        assert secret not in html
    assert "/static/" in html  # ordinary URLs stay readable


def test_error_reports_filter_is_set_unless_the_user_chose_one(tmp_path: Path) -> None:
    ns, _ = run({}, tmp_path)
    assert ns["DEFAULT_EXCEPTION_REPORTER_FILTER"] == "django_platform.exception_filter.PlatformExceptionReporterFilter"
    ns, _ = run({}, tmp_path, DEFAULT_EXCEPTION_REPORTER_FILTER="myapp.Filter")
    assert ns["DEFAULT_EXCEPTION_REPORTER_FILTER"] == "myapp.Filter"


# --- .env -----------------------------------------------------------------------------------------


def test_dotenv_grammar() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "export A=plain value  # trailing comment",
            "B='single # kept $HOME'",
            'C="line\\nbreak \\"q\\" # kept"',
            "D=",
            "E=a#b",
            "F = spaced ",
        ]
    )
    assert parse_dotenv(text) == {
        "A": "plain value",
        "B": "single # kept $HOME",
        "C": 'line\nbreak "q" # kept',
        "D": "",
        "E": "a#b",
        "F": "spaced",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NOEQUALS", "line 1: expected KEY=value"),
        ("1A=x", "line 1: expected KEY=value"),
        ("A='open", "line 1: unterminated single quote"),
        ('A="open', "line 1: unterminated double quote"),
        ("A='x' y", "line 1: unexpected text after the closing quote"),
    ],
)
def test_dotenv_errors_name_the_line_not_the_value(text: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        parse_dotenv(text.replace("x", PASSWORD) if "x" in text else text)
    assert message in str(info.value)
    assert PASSWORD not in str(info.value)


def test_dotenv_is_opt_in_and_the_real_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DJANGO_DEBUG=false\nDATABASE_URL=postgres://u:{PASSWORD[:4]}@file/db\n")
    ns, _ = run({}, tmp_path, DEBUG=True)
    assert ns["DEBUG"] is True  # not read without dotenv=
    ns = {"BASE_DIR": tmp_path, "DEBUG": True}
    report = django_platform.configure(ns, env={"DJANGO_DEBUG": "true"}, dotenv=True)
    assert ns["DEBUG"] is True
    assert ns["DATABASES"]["default"]["HOST"] == "file"
    assert report.source("DATABASES.default") == "DATABASE_URL (.env)"
    assert report.notes[-1] == ".env supplied: DATABASE_URL."
    other = tmp_path / "other.env"
    other.write_text("DJANGO_LOG_LEVEL=ERROR\n")
    ns = {"BASE_DIR": tmp_path}
    django_platform.configure(ns, env={}, dotenv=other)
    assert ns["LOGGING"]["root"]["level"] == "ERROR"
    django_platform.configure({"BASE_DIR": tmp_path / "missing"}, env={}, dotenv=True)  # absent file: fine
