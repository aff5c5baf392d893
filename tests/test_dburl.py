from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.dburl import parse_database_url
from tests.conftest import PASSWORD


def test_postgres_url_with_encoded_awkward_password() -> None:
    url = f"postgres://user:{quote(PASSWORD, safe='')}@db.example.com:5433/app"
    config = parse_database_url(url, variable="DATABASE_URL")
    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
        "HOST": "db.example.com",
        "PORT": 5433,
        "USER": "user",
        "PASSWORD": PASSWORD,
    }


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgresql://u:p@h/db", "django.db.backends.postgresql"),
        ("pgsql://u:p@h/db", "django.db.backends.postgresql"),
        ("postgis://u:p@h/db", "django.contrib.gis.db.backends.postgis"),
        ("mysql://u:p@h/db", "django.db.backends.mysql"),
        ("mysql2://u:p@h/db", "django.db.backends.mysql"),
        ("sqlite:////tmp/db.sqlite3", "django.db.backends.sqlite3"),
        ("oracle://u:p@h:1521/db", "django.db.backends.oracle"),
    ],
)
def test_schemes(url: str, engine: str) -> None:
    assert parse_database_url(url, variable="DATABASE_URL")["ENGINE"] == engine


def test_sqlite_memory_and_query_options() -> None:
    assert parse_database_url("sqlite://:memory:", variable="X")["NAME"] == ":memory:"
    config = parse_database_url("postgres://u:p@h/db?sslmode=verify-full&connect_timeout=5", variable="X")
    assert config["OPTIONS"] == {"sslmode": "verify-full", "connect_timeout": 5}


def test_connection_defaults_are_not_taken_from_dj_database_url() -> None:
    config = parse_database_url("postgres://u:p@h/db", variable="X")
    assert "CONN_MAX_AGE" not in config
    assert "CONN_HEALTH_CHECKS" not in config


def test_dollar_signs_are_literal() -> None:
    config = parse_database_url("postgres://u:$HOME@h/db", variable="X")
    assert config["PASSWORD"] == "$HOME"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"postgres://u:{PASSWORD}@h/db", "DATABASE_URL contains a raw '#'"),
        (f"postgres://u@h:{PASSWORD[:4]}/db", "DATABASE_URL has a port that is not a number"),
        (f"postgres://u:{PASSWORD[:4]}@h:abc/db", "DATABASE_URL has a port that is not a number"),
        (f"postgres://u:{PASSWORD[:4]}@h:99999/db", "DATABASE_URL has a port that is not a number"),
        (f"postgres://u:{PASSWORD[:4]}@h/db#{PASSWORD}", "DATABASE_URL contains a raw '#'"),
        (f"nosuch://u:{quote(PASSWORD, safe='')}@h/db", "DATABASE_URL uses an unknown database scheme 'nosuch'"),
        (PASSWORD, "DATABASE_URL contains a raw '#'"),
        (quote(PASSWORD, safe=""), "DATABASE_URL is not a database URL"),
        (f"postgres://u:{quote(PASSWORD, safe='')}@h", "DATABASE_URL names no database"),
        (f"postgres://[u:{PASSWORD}@h/db", "DATABASE_URL is not a valid URL"),
    ],
)
def test_bad_urls_name_the_variable_and_hide_the_password(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        parse_database_url(url, variable="DATABASE_URL")
    text = str(info.value)
    assert text.startswith(message)
    assert PASSWORD not in text
    assert PASSWORD[:4] not in text
    # No chained exception carries the URL into a traceback either.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_unknown_scheme_that_does_not_look_like_one_is_not_echoed() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        parse_database_url("Hunter2Hunter2Hunter2Hunter2Hunter2xx://h/db", variable="DATABASE_URL")
    assert str(info.value).startswith("DATABASE_URL uses an unknown database scheme; valid schemes:")
    assert "hunter2" not in str(info.value).lower()


@pytest.mark.parametrize(
    ("query", "mode"),
    [
        ("ssl-mode=REQUIRED", "REQUIRED"),  # DigitalOcean's and Aiven's connection strings
        ("ssl_mode=verify_identity", "VERIFY_IDENTITY"),
        ("ssl-mode=VERIFY-CA", "VERIFY_CA"),
        ("sslmode=require", "REQUIRED"),  # libpq's spelling, as for PostgreSQL
        ("sslmode=verify-full", "VERIFY_IDENTITY"),
        ("sslmode=disable", "DISABLED"),
    ],
)
def test_a_mysql_urls_tls_mode_becomes_mysqlclients_ssl_mode(query: str, mode: str) -> None:
    for scheme in ("mysql", "mysqlgis"):
        config = parse_database_url(f"{scheme}://u:p@h:25060/db?{query}&charset=utf8mb4", variable="DATABASE_URL")
        assert config["OPTIONS"] == {"ssl_mode": mode, "charset": "utf8mb4"}
    # PostgreSQL's sslmode is libpq's own keyword: as it is.
    assert parse_database_url("postgres://u:p@h/db?sslmode=require", variable="X")["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "ssl-mode=bogus",
            "DATABASE_URL's ssl-mode must be one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY.",
        ),
        ("sslmode=require&ssl-mode=REQUIRED", "DATABASE_URL sets the TLS mode twice (ssl-mode, sslmode): keep one."),
    ],
)
def test_a_mysql_tls_mode_that_is_none_or_given_twice_is_named(query: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        parse_database_url(f"mysql://u:p@h/db?{query}", variable="DATABASE_URL")
    assert str(caught.value) == message
