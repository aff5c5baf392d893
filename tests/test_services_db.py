"""Real connections: each platform's database settings against real servers on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import OperationalError

import django_platform
from tests.conftest import PASSWORD
from tests.services import PgCluster, query_one

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("real_connections")]

ENCODED = quote(PASSWORD, safe="")
KEY = {"DJANGO_SECRET_KEY": "test-secret-key-for-platform-profiles-0123456789"}
SSL_IN_USE = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


def pg_url(cluster: PgCluster, query: str = "") -> str:
    return f"postgres://{cluster.user}:{ENCODED}@127.0.0.1:{cluster.port}/{cluster.name}{query}"


def test_heroku_url_connects_with_tls_required(pg_tls: PgCluster) -> None:
    ns: dict[str, object] = {}
    django_platform.configure(ns, env={"DYNO": "web.1", "DATABASE_URL": pg_url(pg_tls), **KEY})
    databases = ns["DATABASES"]
    assert databases["default"]["OPTIONS"]["sslmode"] == "require"  # type: ignore[index]
    assert query_one(databases, SSL_IN_USE) is True  # type: ignore[arg-type]


def test_settings_py_options_reach_the_server_behind_a_database_url(pg_tls: PgCluster) -> None:
    """settings.py's OPTIONS for its PostgreSQL (a pool, a search_path, an application name) hold
    over Heroku's DATABASE_URL: the server sees them, through the pool, with TLS still required."""
    from django.db.utils import ConnectionHandler

    own = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "local",
        "OPTIONS": {
            "options": "-c search_path=kept_schema,public",
            "application_name": "kept-app",
            "pool": {"min_size": 1, "max_size": 2},
        },
    }
    ns: dict[str, object] = {"DATABASES": {"default": own}}
    django_platform.configure(ns, env={"DYNO": "web.1", "DATABASE_URL": pg_url(pg_tls), **KEY})
    entry = ns["DATABASES"]["default"]  # type: ignore[index]
    assert (entry["CONN_MAX_AGE"], entry["OPTIONS"]["sslmode"]) == (0, "require")
    connection: Any = ConnectionHandler(ns["DATABASES"])["default"]  # PostgreSQL's wrapper: its pool
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('search_path'), current_setting('application_name'), "
                "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())"
            )
            assert cursor.fetchone() == ("kept_schema,public", "kept-app", True)
        assert connection.pool is not None  # settings.py's pool lent the connection
    finally:
        connection.close()
        connection.close_pool()


def test_heroku_tls_requirement_fails_clearly_without_tls(pg_plain: PgCluster) -> None:
    ns: dict[str, object] = {}
    django_platform.configure(ns, env={"DYNO": "web.1", "DATABASE_URL": pg_url(pg_plain), **KEY})
    with pytest.raises(OperationalError) as info:
        query_one(ns["DATABASES"], "SELECT 1")  # type: ignore[arg-type]
    assert "server does not support SSL" in str(info.value)
    assert PASSWORD not in str(info.value)


def test_qoddi_profile_connects_to_a_server_with_ssl_off(pg_plain: PgCluster) -> None:
    ns: dict[str, object] = {}
    django_platform.configure(ns, env={"DJANGO_PLATFORM": "qoddi", "DATABASE_URL": pg_url(pg_plain), **KEY})
    assert ns["DATABASES"]["default"]["OPTIONS"]["sslmode"] == "disable"  # type: ignore[index]
    assert query_one(ns["DATABASES"], SSL_IN_USE) is False  # type: ignore[arg-type]


def test_qoddi_forced_sslmode_require_fails_with_a_clear_error(pg_plain: PgCluster) -> None:
    ns: dict[str, object] = {}
    django_platform.configure(
        ns, env={"DJANGO_PLATFORM": "qoddi", "DATABASE_URL": pg_url(pg_plain, "?sslmode=require"), **KEY}
    )
    with pytest.raises(OperationalError, match="server does not support SSL, but SSL was required"):
        query_one(ns["DATABASES"], "SELECT 1")  # type: ignore[arg-type]


def test_wrong_password_is_rejected(pg_plain: PgCluster) -> None:
    # Proves the clusters check passwords, so the tests above really exercise the decoding.
    url = f"postgres://{pg_plain.user}:wrong@127.0.0.1:{pg_plain.port}/{pg_plain.name}"
    ns: dict[str, object] = {}
    django_platform.configure(ns, env={"DATABASE_URL": url, **KEY})
    with pytest.raises(OperationalError, match="password authentication failed"):
        query_one(ns["DATABASES"], "SELECT 1")  # type: ignore[arg-type]


def test_upsun_relationship_connects(pg_plain: PgCluster) -> None:
    import base64

    rel = {
        "database": [
            {
                "scheme": "pgsql",
                "host": "127.0.0.1",
                "port": pg_plain.port,
                "path": pg_plain.name,
                "username": pg_plain.user,
                "password": PASSWORD,
            }
        ]
    }
    env = {
        "PLATFORM_APPLICATION_NAME": "app",
        "PLATFORM_RELATIONSHIPS": base64.b64encode(json.dumps(rel).encode()).decode(),
    }
    ns: dict[str, object] = {}
    django_platform.configure(ns, env={**env, **KEY})
    assert query_one(ns["DATABASES"], SSL_IN_USE) is False  # type: ignore[arg-type]


def test_cloudcontrol_credentials_file_reaches_mariadb(mariadb: dict[str, object], tmp_path: Path) -> None:
    creds = {
        "MYSQLS": {
            "MYSQLS_DATABASE": mariadb["name"],
            "MYSQLS_HOSTNAME": f"{mariadb['host']}:{mariadb['port']}",
            "MYSQLS_USERNAME": mariadb["user"],
            "MYSQLS_PASSWORD": mariadb["password"],
        }
    }
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(creds))
    ns: dict[str, object] = {}
    django_platform.configure(
        ns, env={"PAAS_VENDOR": "cloudControl", "CRED_FILE": str(path), "DEP_NAME": "app/default", **KEY}
    )
    assert query_one(ns["DATABASES"], "SELECT CURRENT_USER()") == "djp@%"  # type: ignore[arg-type]


def test_settings_py_init_command_reaches_mariadb_behind_a_database_url(mariadb: dict[str, object]) -> None:
    """Django's advice for MySQL (strict mode through OPTIONS' init_command) and settings.py's charset
    hold under a platform's mysql:// URL (JawsDB's, ClearDB's shape): the session has them."""
    own = {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "local",
        "OPTIONS": {"init_command": "SET sql_mode='STRICT_TRANS_TABLES'", "charset": "utf8mb4"},
    }
    url = f"mysql://{mariadb['user']}:{quote(str(mariadb['password']), safe='')}@127.0.0.1:3306/{mariadb['name']}"
    ns: dict[str, object] = {"DATABASES": {"default": own}}
    django_platform.configure(ns, env={"DYNO": "web.1", "DATABASE_URL": url, **KEY})
    databases: Any = ns["DATABASES"]
    assert query_one(databases, "SELECT @@SESSION.sql_mode") == "STRICT_TRANS_TABLES"
    assert query_one(databases, "SELECT @@character_set_connection") == "utf8mb4"
    assert query_one(databases, "SELECT CURRENT_USER()") == "djp@%"


def test_a_digitalocean_mysql_url_with_its_ssl_mode_reaches_mariadb(mariadb: dict[str, object]) -> None:
    """DigitalOcean's (and Aiven's) MySQL connection strings end in ?ssl-mode=REQUIRED, which
    mysqlclient refused at the first query ("'ssl-mode' is an invalid keyword argument"): it
    reaches the server as mysqlclient's ssl_mode (this MariaDB has no TLS, which libmariadb accepts)."""
    url = f"mysql://{mariadb['user']}:{quote(str(mariadb['password']), safe='')}@127.0.0.1:3306/{mariadb['name']}"
    ns: dict[str, object] = {}
    django_platform.configure(
        ns, env={"DJANGO_PLATFORM": "digitalocean", "DATABASE_URL": f"{url}?ssl-mode=REQUIRED", **KEY}
    )
    assert ns["DATABASES"]["default"]["OPTIONS"]["ssl_mode"] == "REQUIRED"  # type: ignore[index]
    assert query_one(ns["DATABASES"], "SELECT CURRENT_USER()") == "djp@%"  # type: ignore[arg-type]


def test_qoddi_separate_variables_reach_mariadb_without_tls(mariadb: dict[str, object]) -> None:
    env = {
        "DJANGO_PLATFORM": "qoddi",
        "DATABASE_HOST": str(mariadb["host"]),
        "DATABASE_PORT": str(mariadb["port"]),
        "DATABASE_NAME": str(mariadb["name"]),
        "DATABASE_USERNAME": str(mariadb["user"]),
        "DATABASE_PASSWORD": str(mariadb["password"]),
    }
    ns: dict[str, object] = {}
    django_platform.configure(ns, env={**env, **KEY})
    assert ns["DATABASES"]["default"]["OPTIONS"] == {"ssl_mode": "DISABLED"}  # type: ignore[index]
    assert query_one(ns["DATABASES"], "SHOW STATUS LIKE 'Ssl_cipher'") == "Ssl_cipher"  # type: ignore[arg-type]
    assert query_one(ns["DATABASES"], "SELECT CURRENT_USER()") == "djp@%"  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_northflank_mysql_add_on_linked_by_the_template(mariadb: dict[str, object], tmp_path: Path) -> None:
    """The template links a MySQL add-on's parts (its connection strings are no URLs) under the
    aliases the Northflank platform reads: the add-on's values under them reach the database."""
    from tests.test_manifests import load, run

    run(tmp_path, "northflank", DATABASES={"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}})
    steps = load("northflank", (tmp_path / "northflank.json").read_text())["spec"]["spec"]["steps"]
    (link,) = next(s["spec"] for s in steps if s["kind"] == "SecretGroup")["addonDependencies"]
    # The add-on's secrets, as its connection details page lists them.
    addon = {
        "HOST": str(mariadb["host"]),
        "PORT": str(mariadb["port"]),
        "DATABASE": str(mariadb["name"]),
        "USERNAME": str(mariadb["user"]),
        "PASSWORD": str(mariadb["password"]),
        "MYSQL_CONNECTOR_URI": f"server={mariadb['host']}:{mariadb['port']};uid={mariadb['user']};database=test",
    }
    linked = {alias: addon[key["keyName"]] for key in link["keys"] for alias in key["aliases"]}
    ns: dict[str, object] = {}
    report = django_platform.configure(ns, env={"NF_OBJECT_ID": "web", "NF_PROJECT_ID": "p", **linked, **KEY})
    assert report.platform == "northflank"
    assert report.source("DATABASES.default").startswith("MYSQL_HOST/PORT/DATABASE/USER/PASSWORD")
    assert query_one(ns["DATABASES"], "SELECT CURRENT_USER()") == "djp@%"  # type: ignore[arg-type]


def test_under_asgi_the_mariadb_pool_bounds_connections_and_requests_wait(mariadb_limited: str) -> None:
    """Under ASGI each request's sync code runs in a thread of its own: 32 requests at once to a
    database user allowed 6 connections. A connection per request (Django's MySQL backend, no pool)
    gets some refused; through the pool configure() sets (django-db-connection-pool, 4 a process)
    every one is served, waiting for a connection, and the server never sees more than 4."""
    import threading

    from dj_db_conn_pool.core import pool_container
    from django.db.utils import ConnectionHandler

    url = mariadb_limited

    def serve(extra: dict[str, str]) -> tuple[list[str], int]:
        """32 requests' worth of threads against the settings configure() makes: the errors, and the
        most connections the user held at once, as the server counts them."""
        ns: dict[str, object] = {}
        env = {"DJANGO_PLATFORM": "qoddi", "DJANGO_PLATFORM_SERVER": "asgi", "DATABASE_URL": url, **KEY, **extra}
        django_platform.configure(ns, env=env)
        entry = ns["DATABASES"]["default"]  # type: ignore[index]
        handler = ConnectionHandler({"default": entry})  # the pool is the process's, by alias
        errors: list[str] = []
        peak = [0]
        start = threading.Barrier(32)

        def request() -> None:
            connection = handler["default"]
            start.wait()
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT SLEEP(0.1)")
                    cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'djp_pool'")
                    peak[0] = max(peak[0], int(cursor.fetchone()[0]))
            except OperationalError as exc:
                errors.append(str(exc.args[0]))
            finally:
                connection.close()  # Django's request_finished, as the request ends

        threads = [threading.Thread(target=request) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        pooled = pool_container.pop("default", None)
        if pooled is not None:
            pooled.dispose()
        return errors, peak[0]

    errors, peak = serve({"DATABASE_POOL": "false"})  # a connection per request
    assert errors and set(errors) == {"1226"}, errors  # ER_USER_LIMIT_REACHED: max_user_connections
    errors, peak = serve({})
    assert errors == [] and 1 <= peak <= 4, (errors, peak)
