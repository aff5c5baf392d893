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
