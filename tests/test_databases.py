from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.databases import build_databases, engine_family
from django_platform.platforms import BY_NAME, LOCAL, Context
from django_platform.report import MASK, Report
from tests.conftest import PASSWORD

SQLITE = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
PG_URL = "postgres://u:p@h:5432/db"
MYSQL_URL = "mysql://u:p@h:3306/db"


def build(env: dict[str, str], platform: str = "local", existing: Any = SQLITE) -> tuple[Any, Report]:
    report = Report(platform, "test")
    return build_databases(Context(env, BY_NAME[platform]), existing, report), report


def test_nothing_found_keeps_settings_py_locally() -> None:
    databases, report = build({})
    assert databases == SQLITE
    assert report.source("DATABASES.default") == "settings.py"


def test_no_databases_at_all_leaves_the_setting_alone() -> None:
    assert build({}, existing=None)[0] is None


def test_sqlite_gets_no_tls_option_on_any_platform() -> None:
    for name in BY_NAME:
        databases, _ = build({"DATABASE_URL": "sqlite:////tmp/x.db"}, name)
        assert "OPTIONS" not in databases["default"], name


@pytest.mark.parametrize(
    ("platform", "url", "option", "value"),
    [
        ("heroku", PG_URL, "sslmode", "require"),
        ("cloudcontrol", PG_URL, "sslmode", "require"),
        ("qoddi", PG_URL, "sslmode", "disable"),
        ("qoddi", MYSQL_URL, "ssl_mode", "DISABLED"),
        ("dokku", PG_URL, "sslmode", "disable"),
        ("upsun", MYSQL_URL, "ssl_mode", "DISABLED"),
    ],
)
def test_platform_tls_defaults_per_engine(platform: str, url: str, option: str, value: str) -> None:
    databases, report = build({"DATABASE_URL": url}, platform)
    assert databases["default"]["OPTIONS"] == {option: value}
    entry = report.get(f"DATABASES.default.OPTIONS.{option}")
    assert entry is not None
    assert entry.source == f"platform default ({platform})"


@pytest.mark.parametrize("platform", ["local", "render", "fly", "railway", "heroku-ci"])
def test_platforms_without_a_tls_rule_leave_it_to_the_url(platform: str) -> None:
    databases, _ = build({"DATABASE_URL": PG_URL}, platform)
    assert "sslmode" not in databases["default"].get("OPTIONS", {})


def test_heroku_does_not_force_postgres_tls_options_onto_mysql() -> None:
    databases, _ = build({"DATABASE_URL": MYSQL_URL}, "heroku")
    assert "OPTIONS" not in databases["default"]


def test_sslmode_in_the_url_always_wins() -> None:
    env = {"DATABASE_URL": PG_URL + "?sslmode=verify-full", "DATABASE_SSL": "false"}
    databases, report = build(env, "heroku")
    assert databases["default"]["OPTIONS"]["sslmode"] == "verify-full"
    assert report.source("DATABASES.default.OPTIONS.sslmode") == "database URL or settings.py"


def test_mysql_ssl_ca_in_the_url_wins() -> None:
    databases, _ = build({"DATABASE_URL": MYSQL_URL + "?ssl-ca=/etc/ca.pem"}, "qoddi")
    assert databases["default"]["OPTIONS"] == {"ssl": {"ca": "/etc/ca.pem"}}


def test_database_ssl_env_overrides_the_platform() -> None:
    databases, _ = build({"DATABASE_URL": PG_URL, "DATABASE_SSL": "off"}, "heroku")
    assert databases["default"]["OPTIONS"]["sslmode"] == "disable"
    databases, _ = build({"DATABASE_URL": MYSQL_URL, "DATABASE_SSL": "yes"}, "local")
    assert databases["default"]["OPTIONS"]["ssl_mode"] == "REQUIRED"


def test_database_ssl_on_sqlite_is_noted_not_applied() -> None:
    databases, report = build({"DATABASE_SSL": "true"})
    assert "OPTIONS" not in databases["default"]
    assert report.notes == ["DATABASE_SSL does not apply to DATABASES['default']: its engine has no TLS option."]


def test_database_ssl_must_be_a_boolean() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_SSL must be one of true/false"):
        build({"DATABASE_URL": PG_URL, "DATABASE_SSL": "require"})


def test_persistent_connections_with_health_checks_on_a_platform() -> None:
    databases, _ = build({"DATABASE_URL": PG_URL}, "render")
    assert databases["default"]["CONN_MAX_AGE"] == 600
    assert databases["default"]["CONN_HEALTH_CHECKS"] is True


def test_health_checks_on_when_settings_py_has_dj_database_urls_default() -> None:
    import dj_database_url

    # Heroku's sample settings: dj-database-url writes CONN_HEALTH_CHECKS=False into the entry.
    existing = {"default": dj_database_url.parse("postgres://u:p@localhost/db", conn_max_age=600)}
    assert existing["default"]["CONN_HEALTH_CHECKS"] is False
    databases, report = build({"DATABASE_URL": PG_URL}, "heroku", existing)
    assert databases["default"]["CONN_HEALTH_CHECKS"] is True
    assert report.source("DATABASES.default.CONN_HEALTH_CHECKS") == "platform default (heroku)"
    databases, _ = build({}, "heroku", existing)  # settings.py's entry alone
    assert databases["default"]["CONN_HEALTH_CHECKS"] is True


def test_local_keeps_django_connection_defaults() -> None:
    databases, _ = build({"DATABASE_URL": PG_URL})
    assert "CONN_MAX_AGE" not in databases["default"]
    assert "CONN_HEALTH_CHECKS" not in databases["default"]


def test_env_overrides_connection_settings() -> None:
    env = {
        "DATABASE_URL": PG_URL,
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_CONN_HEALTH_CHECKS": "false",
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
    }
    databases, report = build(env, "heroku")
    entry = databases["default"]
    assert (entry["CONN_MAX_AGE"], entry["CONN_HEALTH_CHECKS"], entry["DISABLE_SERVER_SIDE_CURSORS"]) == (
        0,
        False,
        True,
    )
    assert report.source("DATABASES.default.CONN_MAX_AGE") == "DATABASE_CONN_MAX_AGE"


def test_settings_py_connection_choices_survive_a_database_url() -> None:
    existing = {
        "default": {**SQLITE["default"], "CONN_MAX_AGE": 60, "ATOMIC_REQUESTS": True, "OPTIONS": {"timeout": 20}}
    }
    databases, report = build({"DATABASE_URL": PG_URL}, "heroku", existing)
    entry = databases["default"]
    assert (entry["CONN_MAX_AGE"], entry["ATOMIC_REQUESTS"]) == (60, True)
    # SQLite's OPTIONS do not leak into the PostgreSQL entry.
    assert entry["OPTIONS"] == {"sslmode": "require"}
    assert report.source("DATABASES.default.CONN_MAX_AGE") == "settings.py"


@pytest.mark.parametrize(
    ("own", "url"),
    [
        ("django.contrib.gis.db.backends.postgis", PG_URL),  # GeoDjango on Heroku's postgres:// URL
        ("django_tenants.postgresql_backend", PG_URL),
        ("django_prometheus.db.backends.postgresql", PG_URL),
        ("django.contrib.gis.db.backends.mysql", MYSQL_URL),
        ("dj_db_conn_pool.backends.mysql", MYSQL_URL),
    ],
)
def test_settings_py_backend_for_the_same_database_survives_a_plain_url(own: str, url: str) -> None:
    """A platform's postgres:// or mysql:// URL says where the database is; the backend settings.py
    chose for that database (GeoDjango's, django-tenants') stays, and the report says so."""
    existing = {"default": {"ENGINE": own, "NAME": "local", "HOST": "localhost"}}
    databases, report = build({"DATABASE_URL": url}, "heroku", existing)
    entry = databases["default"]
    assert (entry["ENGINE"], entry["NAME"], entry["HOST"]) == (own, "db", "h")
    assert report.source("DATABASES.default.ENGINE").startswith("settings.py: a backend for the ")
    assert report.source("DATABASES.default.ENGINE").endswith(" database DATABASE_URL describes")


def test_settings_py_options_for_the_same_database_survive_a_url_under_its_own() -> None:
    """settings.py's OPTIONS for the database the URL describes stay (sslmode=verify-full is not
    lowered to the platform's require); the URL's own options go over them key by key, and say so."""
    own = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "x",
        "OPTIONS": {"sslmode": "verify-full", "options": "-c search_path=app", "pool": {"min_size": 2}},
    }
    databases, report = build({"DATABASE_URL": PG_URL}, "heroku", {"default": own})
    entry = databases["default"]
    assert entry["OPTIONS"] == own["OPTIONS"]
    assert entry["CONN_MAX_AGE"] == 0  # Django refuses persistent connections beside a pool
    assert report.source("DATABASES.default.CONN_MAX_AGE") == "settings.py's pool (OPTIONS: pool) needs 0"
    assert report.source("DATABASES.default.OPTIONS.options") == "settings.py"
    assert report.source("DATABASES.default.OPTIONS.sslmode") == "database URL or settings.py"
    databases, report = build({"DATABASE_URL": PG_URL + "?sslmode=require"}, "heroku", {"default": own})
    assert databases["default"]["OPTIONS"]["sslmode"] == "require"
    assert report.notes == [
        "DATABASES['default']['OPTIONS']['sslmode'] of settings.py not kept: the URL's own TLS option is used."
    ]
    # Another option the URL sets replaces settings.py's, and is said.
    databases, report = build(
        {"DATABASE_URL": PG_URL + "?options=-c%20search_path%3Dother"}, "heroku", {"default": own}
    )
    assert databases["default"]["OPTIONS"]["options"] == "-c search_path=other"
    assert report.notes == ["DATABASES['default']['OPTIONS']['options']: DATABASE_URL's replaces settings.py's."]
    # Another kind of database's OPTIONS (MySQL's charset) mean nothing to PostgreSQL: left behind.
    mysql = {"ENGINE": "django.db.backends.mysql", "NAME": "x", "OPTIONS": {"charset": "utf8mb4"}}
    assert build({"DATABASE_URL": PG_URL}, "heroku", {"default": mysql})[0]["default"]["OPTIONS"] == {
        "sslmode": "require"
    }
    mysql_url = build({"DATABASE_URL": MYSQL_URL}, "heroku", {"default": mysql})[0]["default"]
    assert mysql_url["OPTIONS"] == {"charset": "utf8mb4"}  # Heroku sets no TLS option for MySQL
    # OPTIONS that are not a mapping are not merged.
    odd = {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "OPTIONS": None}
    assert build({"DATABASE_URL": PG_URL}, "heroku", {"default": odd})[0]["default"]["OPTIONS"] == {
        "sslmode": "require"
    }


@pytest.mark.parametrize(
    ("platform", "env", "own", "kept", "why"),
    [
        # A local server's sslmode=disable beside Heroku's URL: Heroku's databases require TLS.
        ("heroku", {}, "disable", "require", "Heroku's databases require TLS (DATABASE_SSL=false says otherwise)"),
        ("qoddi", {}, "require", "disable", "Qoddi's databases have TLS off (DATABASE_SSL=true says otherwise)"),
        ("heroku", {"DATABASE_SSL": "false"}, "verify-full", "disable", "DATABASE_SSL is set"),
        (
            "heroku",
            {"DATABASE_URL": PG_URL + "?sslmode=verify-ca"},
            "disable",
            "verify-ca",
            "the URL's own TLS option is used",
        ),
        ("heroku", {}, "verify-full", "verify-full", None),  # stricter than the platform's: kept
        ("local", {}, "disable", "disable", None),  # no platform rule
    ],
)
def test_settings_py_tls_option_gives_way_to_the_url_the_environment_and_the_platform(
    platform: str, env: dict[str, str], own: str, kept: str, why: str | None
) -> None:
    entry = {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "OPTIONS": {"sslmode": own, "connect_timeout": 5}}
    databases, report = build({"DATABASE_URL": PG_URL, **env}, platform, {"default": entry})
    assert databases["default"]["OPTIONS"] == {"sslmode": kept, "connect_timeout": 5}
    notes = [n for n in report.notes if "of settings.py not kept" in n]
    assert notes == (
        [] if why is None else [f"DATABASES['default']['OPTIONS']['sslmode'] of settings.py not kept: {why}."]
    )


@pytest.mark.parametrize("url", [PG_URL, None])
def test_a_none_tls_option_in_settings_py_chooses_nothing(url: str | None) -> None:
    """psycopg leaves a None option out of the connection string (libpq's `prefer` would apply), so
    `sslmode: None` is no choice: the platform's default applies, with or without a URL."""
    entry = {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "OPTIONS": {"sslmode": None}}
    databases, report = build({} if url is None else {"DATABASE_URL": url}, "heroku", {"default": entry})
    assert databases["default"]["OPTIONS"] == {"sslmode": "require"}
    recorded = report.get("DATABASES.default.OPTIONS.sslmode")
    assert recorded is not None
    assert recorded.origin.text == "platform default (heroku)"
    assert not [n for n in report.notes if "not kept" in n]
    # On Qoddi, whose databases have TLS off, a None `ssl` of MySQL's gives way to ssl_mode=DISABLED.
    mysql = {"ENGINE": "django.db.backends.mysql", "NAME": "x", "OPTIONS": {"ssl": None}}
    options = build({"DATABASE_URL": MYSQL_URL}, "qoddi", {"default": mysql})[0]["default"]["OPTIONS"]
    assert options["ssl_mode"] == "DISABLED"


def test_every_mysql_tls_option_of_settings_py_gives_way_to_the_urls() -> None:
    own = {"ENGINE": "django.db.backends.mysql", "NAME": "x", "OPTIONS": {"ssl_mode": "DISABLED", "charset": "utf8mb4"}}
    databases, report = build({"DATABASE_URL": MYSQL_URL + "?ssl-ca=/etc/ca.pem"}, "heroku", {"default": own})
    assert databases["default"]["OPTIONS"] == {"ssl": {"ca": "/etc/ca.pem"}, "charset": "utf8mb4"}
    assert report.notes == [
        "DATABASES['default']['OPTIONS']['ssl_mode'] of settings.py not kept: the URL's own TLS option is used."
    ]


def test_a_mysql_tls_option_of_settings_py_that_agrees_with_the_urls_stays() -> None:
    """settings.py's CA (PlanetScale's Django advice) beside DigitalOcean's ?ssl-mode=REQUIRED:
    both, the CA verifying what the URL requires; beside a URL that switches TLS off, it goes."""
    ca = {"ssl": {"ca": "/etc/ssl/certs/ca-certificates.crt"}}
    own = {"ENGINE": "django.db.backends.mysql", "NAME": "x", "OPTIONS": ca}
    databases, report = build({"DATABASE_URL": MYSQL_URL + "?ssl-mode=REQUIRED"}, "digitalocean", {"default": own})
    assert databases["default"]["OPTIONS"] == {**ca, "ssl_mode": "REQUIRED"} and report.notes == []
    databases, report = build({"DATABASE_URL": MYSQL_URL + "?ssl-mode=DISABLED"}, "digitalocean", {"default": own})
    assert databases["default"]["OPTIONS"] == {"ssl_mode": "DISABLED"}
    assert report.notes == [
        "DATABASES['default']['OPTIONS']['ssl'] of settings.py not kept: the URL's own TLS option is used."
    ]


@pytest.mark.parametrize(
    ("own", "url", "engine"),
    [
        # A backend for another database, or none: the URL's.
        ("django.db.backends.sqlite3", PG_URL, "django.db.backends.postgresql"),
        ("django.contrib.gis.db.backends.postgis", MYSQL_URL, "django.db.backends.mysql"),
        ("django.db.backends.mysql", PG_URL, "django.db.backends.postgresql"),
        # A URL that names a backend of its own (postgis://) outranks settings.py's.
        ("django.db.backends.postgresql", "postgis://u:p@h:5432/db", "django.contrib.gis.db.backends.postgis"),
        ("django_tenants.postgresql_backend", "postgis://u:p@h:5432/db", "django.contrib.gis.db.backends.postgis"),
    ],
)
def test_the_urls_backend_where_settings_py_names_none_for_that_database(own: str, url: str, engine: str) -> None:
    databases, report = build({"DATABASE_URL": url}, "heroku", {"default": {"ENGINE": own, "NAME": "x"}})
    assert databases["default"]["ENGINE"] == engine
    assert report.get("DATABASES.default.ENGINE") is None


def test_bad_conn_max_age() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_CONN_MAX_AGE must be a whole number\.$"):
        build({"DATABASE_URL": PG_URL, "DATABASE_CONN_MAX_AGE": "ten"})
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_CONN_MAX_AGE must be at least 0\.$"):
        build({"DATABASE_URL": PG_URL, "DATABASE_CONN_MAX_AGE": "-1"})


def test_pooling_sets_pool_and_zero_max_age() -> None:
    if importlib.util.find_spec("psycopg_pool") is None:
        pytest.fail("psycopg_pool is part of the test extra")
    databases, report = build(
        {"DATABASE_URL": PG_URL, "DATABASE_POOL": "true", "DATABASE_POOL_MAX_SIZE": "8"}, "heroku"
    )
    entry = databases["default"]
    assert entry["OPTIONS"] == {"sslmode": "require", "pool": {"max_size": 8}}
    assert entry["CONN_MAX_AGE"] == 0
    assert report.source("DATABASES.default.CONN_MAX_AGE") == "DATABASE_POOL (pooling needs 0)"


def test_pooling_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_POOL needs CONN_MAX_AGE=0"):
        build({"DATABASE_URL": PG_URL, "DATABASE_POOL": "1", "DATABASE_CONN_MAX_AGE": "60"})
    only = r"^DATABASE_POOL applies to PostgreSQL, and to MariaDB and MySQL through Django's mysqlclient backend, only"
    with pytest.raises(ImproperlyConfigured, match=only):
        build({"DATABASE_URL": "sqlite:////tmp/db.sqlite3", "DATABASE_POOL": "1"})
    with pytest.raises(ImproperlyConfigured, match=only):  # MySQL Connector's backend: not the one pooled
        build({"DATABASE_URL": "mysql-connector://u:p@h/d", "DATABASE_POOL": "1"})
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("psycopg_pool", "dj_db_conn_pool") else real_find_spec(name, *a),
    )
    with pytest.raises(ImproperlyConfigured, match=r"needs psycopg's pool: pip install"):
        build({"DATABASE_URL": PG_URL, "DATABASE_POOL": "1"})
    with pytest.raises(ImproperlyConfigured, match=r"needs django-db-connection-pool for MariaDB and MySQL: pip"):
        build({"DATABASE_URL": MYSQL_URL, "DATABASE_POOL": "1"})


def test_pooling_mariadb_and_mysql() -> None:
    """DATABASE_POOL on MariaDB or MySQL: django-db-connection-pool's backend, its size from
    DATABASE_POOL_MAX_SIZE, no overflow, a request waiting 30 s for a connection."""
    databases, report = build({"DATABASE_URL": MYSQL_URL, "DATABASE_POOL": "yes", "DATABASE_POOL_MAX_SIZE": "6"})
    entry = databases["default"]
    assert entry["ENGINE"] == "dj_db_conn_pool.backends.mysql"
    assert entry["POOL_OPTIONS"] == {"POOL_SIZE": 6, "MAX_OVERFLOW": 0, "TIMEOUT": 30}
    assert entry["CONN_MAX_AGE"] == 0
    assert report.source("DATABASES.default.POOL_OPTIONS") == "DATABASE_POOL"
    assert report.source("DATABASES.default.ENGINE") == "DATABASE_POOL"


def test_database_url_wins_over_platform_sources_and_says_so() -> None:
    env = {
        "DATABASE_URL": PG_URL,
        "DATABASE_HOST": "mysql-x",
        "DATABASE_NAME": "n",
        "DATABASE_USERNAME": "u",
        "DATABASE_PASSWORD": PASSWORD,
    }
    databases, report = build(env, "qoddi")
    assert databases["default"]["HOST"] == "h"
    assert report.notes == [
        "DATABASE_HOST/NAME/USERNAME/PASSWORD/PORT ignored for DATABASES['default']: DATABASE_URL is set."
    ]


def test_qoddi_variables_off_qoddi_are_noted() -> None:
    import django_platform

    report = django_platform.configure({"DATABASES": {}}, env={"DATABASE_HOST": "mysql-x"})
    assert report.notes == ["DATABASE_HOST is set but unused: Qoddi reads it (DJANGO_PLATFORM=qoddi)."]
    report = django_platform.configure({"DATABASES": {}}, env={"MYSQL_HOST": "mysql-x"})
    assert report.notes == ["MYSQL_HOST is set but unused: Northflank reads it (DJANGO_PLATFORM=northflank)."]
    # Qoddi's MongoDB datastore fills the same names, and MONGO_URL: not SQL credentials.
    env = {"DJANGO_PLATFORM": "qoddi", "DJANGO_SECRET_KEY": "k" * 50, "DATABASE_HOST": "m", "MONGO_URL": "mongodb://m"}
    settings: dict[str, Any] = {"DATABASES": {}}
    report = django_platform.configure(settings, env=env)
    assert settings["DATABASES"] == {}
    assert report.notes[0].startswith("DATABASE_HOST/NAME/USERNAME/PASSWORD/PORT ignored: with MONGO_URL set")


def test_extra_aliases_keep_settings_py_aliases() -> None:
    existing = {**SQLITE, "legacy": {"ENGINE": "django.db.backends.sqlite3", "NAME": "legacy.db"}}
    env = {"DATABASE_URL": PG_URL, "HEROKU_POSTGRESQL_OLIVE_URL": "postgres://u:p@olive/db"}
    databases, report = build(env, "heroku", existing)
    assert sorted(databases) == ["default", "legacy", "olive"]
    assert databases["olive"]["OPTIONS"] == {"sslmode": "require"}
    assert report.source("DATABASES.legacy") == "settings.py"


@pytest.mark.parametrize(
    ("url", "pooler"),
    [
        ("postgresql://u:p@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/db?sslmode=require", "Neon"),
        ("postgres://postgres.ref:p@aws-0-eu-central-1.pooler.supabase.com:6543/postgres", "Supabase"),
        ("postgresql://u:p@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/db?sslmode=require", None),  # direct
        ("postgres://postgres.ref:p@aws-0-eu-central-1.pooler.supabase.com:5432/postgres", None),  # session mode
        ("mysql://u:p@ep-x-pooler.neon.tech/db", None),  # not PostgreSQL
    ],
)
def test_a_hosted_transaction_pooler_gets_server_side_cursors_off(url: str, pooler: str | None) -> None:
    """Neon's pooled host and Supabase's pooler on 6543 hand the connection on at each transaction's
    end, so .iterator()'s server-side cursor would vanish: off, said; DATABASE_DISABLE_SERVER_SIDE_CURSORS
    still chooses."""
    databases, report = build({"DATABASE_URL": url}, "render")
    entry = report.get("DATABASES.default.DISABLE_SERVER_SIDE_CURSORS")
    if pooler is None:
        assert "DISABLE_SERVER_SIDE_CURSORS" not in databases["default"] and entry is None
        return
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert entry is not None and entry.origin.text == (
        f"{pooler}'s pooler shares connections per transaction: server-side cursors off, as Django advises"
    )
    env = {"DATABASE_URL": url, "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "false"}
    assert build(env, "render")[0]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_report_masks_passwords() -> None:
    _, report = build({"DATABASE_URL": f"postgres://u:{quote(PASSWORD, safe='')}@h/db"})
    entry = report.get("DATABASES.default")
    assert entry is not None
    assert entry.value["PASSWORD"] == MASK
    assert PASSWORD not in repr(report.as_dict())


def test_engine_family() -> None:
    assert engine_family("django.contrib.gis.db.backends.postgis") == "postgresql"
    assert engine_family("django.db.backends.mysql") == "mysql"
    assert engine_family("django.db.backends.sqlite3") is None
    assert LOCAL.development
