from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_platform.platforms import BY_NAME, Context, Found
from django_platform.platforms.cloudcontrol import parse_credentials as parse_cloudcontrol_credentials
from django_platform.report import Source
from tests.conftest import PASSWORD


def _reader(name: str) -> Callable[[Mapping[str, str]], list[Found]]:
    """The platform's database hook, as configure() calls it."""
    platform = BY_NAME[name]

    def read(env: Mapping[str, str]) -> list[Found]:
        # The sources' text, as the report shows it (their structure: test_sources_are_structured).
        return [(a, e, getattr(s, "text", s)) for a, e, s in platform.databases(Context(env, platform))]

    return read


read_cloudcontrol, read_heroku, read_qoddi, read_platformsh = map(_reader, ("cloudcontrol", "heroku", "qoddi", "upsun"))

MYSQLS = {
    "MYSQLS_DATABASE": "depx1",
    "MYSQLS_HOSTNAME": "mysqlsdb.co8hm2var4k9.eu-west-1.rds.amazonaws.com",
    "MYSQLS_PORT": "3306",
    "MYSQLS_USERNAME": "depx1",
    "MYSQLS_PASSWORD": PASSWORD,
}


def write_creds(tmp_path: Path, data: Any) -> dict[str, str]:
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(data))
    return {"CRED_FILE": str(path)}


def test_cloudcontrol_mysqls_from_file_with_raw_password(tmp_path: Path) -> None:
    [(alias, entry, source)] = read_cloudcontrol(write_creds(tmp_path, {"MYSQLS": MYSQLS}))
    assert (alias, source) == ("default", "CRED_FILE MYSQLS")
    assert entry == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "depx1",
        "HOST": "mysqlsdb.co8hm2var4k9.eu-west-1.rds.amazonaws.com",
        "PORT": 3306,
        "USER": "depx1",
        "PASSWORD": PASSWORD,
    }


def test_cloudcontrol_hostname_may_carry_the_port(tmp_path: Path) -> None:
    creds = {**MYSQLS, "MYSQLS_HOSTNAME": "db.example.com:3307"}
    del creds["MYSQLS_PORT"]
    [(_, entry, _)] = read_cloudcontrol(write_creds(tmp_path, {"MYSQLS": creds}))
    assert (entry["HOST"], entry["PORT"]) == ("db.example.com", 3307)


def test_cloudcontrol_dedicated_and_elephantsql(tmp_path: Path) -> None:
    data = {
        "MYSQLD": {
            "MYSQLD_DATABASE": "m",
            "MYSQLD_HOST": "mh",
            "MYSQLD_PORT": "3306",
            "MYSQLD_USER": "mu",
            "MYSQLD_PASSWORD": "mp",
        },
        "POSTGRESQLD": {
            "POSTGRESQLD_DATABASE": "p",
            "POSTGRESQLD_HOST": "ph",
            "POSTGRESQLD_PORT": "5432",
            "POSTGRESQLD_USER": "pu",
            "POSTGRESQLD_PASSWORD": "pp",
        },
        "ELEPHANTSQL": {"ELEPHANTSQL_URL": "postgres://eu:ep@eh/ed"},
        "SENDGRID": {"SENDGRID_USERNAME": "x", "SENDGRID_PASSWORD": "y"},
    }
    found = read_cloudcontrol(write_creds(tmp_path, data))
    assert [(a, s) for a, _, s in found] == [
        ("default", "CRED_FILE POSTGRESQLD"),
        ("mysqld", "CRED_FILE MYSQLD"),
        ("elephantsql", "CRED_FILE ELEPHANTSQL"),
    ]
    assert found[0][1]["ENGINE"] == "django.db.backends.postgresql"
    assert found[2][1]["HOST"] == "eh"


def test_cloudcontrol_dedicated_falls_back_to_its_url(tmp_path: Path) -> None:
    data = {"MYSQLD": {"MYSQLD_URL": "mysql://u:p@h:3306/n"}}
    [(_, entry, _)] = read_cloudcontrol(write_creds(tmp_path, data))
    assert entry["NAME"] == "n"


def test_cloudcontrol_exported_env_vars_win_over_the_file(tmp_path: Path) -> None:
    env = {**write_creds(tmp_path, {"MYSQLS": MYSQLS}), **MYSQLS, "MYSQLS_DATABASE": "from-env"}
    [(_, entry, source)] = read_cloudcontrol(env)
    assert entry["NAME"] == "from-env"
    assert source == "environment MYSQLS_*"


def test_sources_are_structured(tmp_path: Path) -> None:
    cloudcontrol = BY_NAME["cloudcontrol"]
    env = write_creds(tmp_path, {"MYSQLS": MYSQLS})
    [(_, _, source)] = cloudcontrol.databases(Context(env, cloudcontrol))
    assert source == Source("store", "CRED_FILE MYSQLS", ["CRED_FILE"])
    [(_, _, source)] = cloudcontrol.databases(Context(MYSQLS, cloudcontrol))
    assert isinstance(source, Source)
    assert (source.kind, set(source.keys)) == ("environment", set(MYSQLS))


def test_cloudcontrol_without_cred_file_or_env_finds_nothing() -> None:
    assert read_cloudcontrol({}) == []


def _error(env: dict[str, str]) -> str:
    with pytest.raises(ImproperlyConfigured) as info:
        read_cloudcontrol(env)
    text = str(info.value)
    assert PASSWORD not in text
    return text


def test_cloudcontrol_missing_file(tmp_path: Path) -> None:
    assert _error({"CRED_FILE": str(tmp_path / "nope.json")}) == (
        f"the credentials file CRED_FILE={tmp_path / 'nope.json'} does not exist."
    )


def test_cloudcontrol_directory_instead_of_file(tmp_path: Path) -> None:
    assert _error({"CRED_FILE": str(tmp_path)}).endswith("is a directory, not a file.")


def test_cloudcontrol_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = write_creds(tmp_path, {"MYSQLS": MYSQLS})
    Path(env["CRED_FILE"]).chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it would for the app user
        real_open = os.open

        def deny(path: Any, *args: Any, **kwargs: Any) -> int:
            if str(path) == env["CRED_FILE"]:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("django_platform.textfile.os.open", deny)
    assert _error(env).endswith("is not readable by this process.")


def test_cloudcontrol_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_bytes(b"\xff\xfe" + PASSWORD.encode())
    assert _error({"CRED_FILE": str(path)}).endswith("cannot be read (UnicodeDecodeError).")


def test_cloudcontrol_malformed_json_hides_content(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_text('{"MYSQLS": {"MYSQLS_PASSWORD": "' + PASSWORD + '",}}')
    assert "is not valid JSON (line 1, column" in _error({"CRED_FILE": str(path)})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "must hold a JSON object with one entry per add-on."),
        ({"MYSQLS": PASSWORD}, "add-on 'MYSQLS' must be a JSON object."),
        (
            {"MYSQLS": {"MYSQLS_PASSWORD": PASSWORD}},
            "CRED_FILE MYSQLS is missing MYSQLS_DATABASE, MYSQLS_HOSTNAME, MYSQLS_USERNAME.",
        ),
        ({"MYSQLS": {**MYSQLS, "MYSQLS_PORT": "x"}}, "CRED_FILE MYSQLS MYSQLS_PORT must be a whole number."),
        ({"ELEPHANTSQL": {"OTHER": "1"}}, "CRED_FILE ELEPHANTSQL is missing ELEPHANTSQL_URL."),
    ],
)
def test_cloudcontrol_bad_content(tmp_path: Path, data: Any, message: str) -> None:
    assert _error(write_creds(tmp_path, data)).endswith(message)


def test_parse_credentials_keeps_non_string_values_as_json() -> None:
    assert parse_cloudcontrol_credentials('{"A": {"A_PORT": 3306, "A_X": null}}', source="s") == {
        "A": {"A_PORT": "3306"}
    }


QODDI = {
    "DATABASE_HOST": "mysql-abc123",
    "DATABASE_NAME": "app",
    "DATABASE_USERNAME": "app",
    "DATABASE_PASSWORD": PASSWORD,
    "DATABASE_PORT": "3306",
}


def test_qoddi_separate_mysql_variables() -> None:
    [(alias, entry, _)] = read_qoddi(QODDI)
    assert alias == "default"
    assert entry == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "app",
        "HOST": "mysql-abc123",
        "PORT": 3306,
        "USER": "app",
        "PASSWORD": PASSWORD,
    }


def test_qoddi_internal_name_with_port_and_alternative_user_names() -> None:
    env = {**QODDI, "DATABASE_HOST": "mysql-abc123:3306", "DATABASE_LOGIN": "login"}
    del env["DATABASE_PORT"], env["DATABASE_USERNAME"]
    [(_, entry, _)] = read_qoddi(env)
    assert (entry["HOST"], entry["PORT"], entry["USER"]) == ("mysql-abc123", 3306, "login")


def test_qoddi_missing_variables_are_named() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        read_qoddi({"DATABASE_HOST": "h", "DATABASE_PASSWORD": PASSWORD})
    assert str(info.value) == ("DATABASE_HOST/NAME/USERNAME/PASSWORD/PORT is missing DATABASE_NAME, DATABASE_USERNAME.")


def test_qoddi_without_host_finds_nothing() -> None:
    assert read_qoddi({"DATABASE_NAME": "x"}) == []


def test_northflank_mysql_add_on_parts() -> None:
    """A MySQL add-on's secrets under the aliases platform_manifest's template gives them."""
    read_northflank = _reader("northflank")
    env = {"MYSQL_HOST": "primary.mysql--abc.addon.code.run", "MYSQL_DATABASE": "d1", "MYSQL_USER": "u1"}
    [(alias, entry, source)] = read_northflank({**env, "MYSQL_PASSWORD": PASSWORD})
    assert (alias, source) == ("default", "MYSQL_HOST/PORT/DATABASE/USER/PASSWORD")
    assert entry == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "d1",
        "HOST": "primary.mysql--abc.addon.code.run",
        "PORT": 3306,
        "USER": "u1",
        "PASSWORD": PASSWORD,
    }
    with pytest.raises(ImproperlyConfigured) as info:
        read_northflank({"MYSQL_HOST": "h", "MYSQL_PASSWORD": PASSWORD})
    assert str(info.value) == "MYSQL_HOST/PORT/DATABASE/USER/PASSWORD is missing MYSQL_DATABASE, MYSQL_USER."
    with pytest.raises(ImproperlyConfigured, match=r"^MYSQL_HOST/PORT/DATABASE/USER/PASSWORD MYSQL_PORT "):
        read_northflank({**env, "MYSQL_PORT": "port"})
    assert read_northflank({"MYSQL_DATABASE": "d1"}) == []


def test_heroku_extra_databases_become_aliases() -> None:
    env = {
        "HEROKU_POSTGRESQL_OLIVE_URL": "postgres://u:p@olive/db1",
        "HEROKU_POSTGRESQL_CRIMSON_URL": "postgres://u:p@crimson/db2",
        "HEROKU_POSTGRESQL_EMPTY_URL": "",
        "HEROKU_APP_NAME": "x",
    }
    found = read_heroku(env)
    assert [(a, e["HOST"], s) for a, e, s in found] == [
        ("crimson", "crimson", "HEROKU_POSTGRESQL_CRIMSON_URL"),
        ("olive", "olive", "HEROKU_POSTGRESQL_OLIVE_URL"),
    ]


def test_heroku_extra_url_errors_name_their_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^HEROKU_POSTGRESQL_OLIVE_URL has a port"):
        read_heroku({"HEROKU_POSTGRESQL_OLIVE_URL": "postgres://u@h:x/db"})


def b64(data: Any) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


RELATIONSHIPS = {
    "cache": [{"scheme": "redis", "host": "cache.internal", "port": 6379}],
    "reports": [
        {
            "scheme": "mysql",
            "host": "reports.internal",
            "port": 3306,
            "path": "main",
            "username": "user",
            "password": "",
            "query": {"is_master": True},
        }
    ],
    "database": [
        {
            "scheme": "pgsql",
            "host": "database.internal",
            "port": 5432,
            "path": "main",
            "username": "main",
            "password": PASSWORD,
            "query": {"is_master": True},
        }
    ],
}


def test_upsun_relationships() -> None:
    found = read_platformsh({"PLATFORM_RELATIONSHIPS": b64(RELATIONSHIPS)})
    assert [(a, s) for a, _, s in found] == [
        ("default", "PLATFORM_RELATIONSHIPS database"),
        ("reports", "PLATFORM_RELATIONSHIPS reports"),
    ]
    assert found[0][1] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "main",
        "HOST": "database.internal",
        "PORT": 5432,
        "USER": "main",
        "PASSWORD": PASSWORD,
    }
    assert found[1][1]["ENGINE"] == "django.db.backends.mysql"


def test_upsun_unset_finds_nothing() -> None:
    assert read_platformsh({}) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!", "PLATFORM_RELATIONSHIPS is not valid base64."),
        (
            base64.b64encode(PASSWORD.encode()).decode(),
            "PLATFORM_RELATIONSHIPS (base64-decoded) is not valid JSON (line 1, column 1).",
        ),
        (b64([1]), "PLATFORM_RELATIONSHIPS must decode to a JSON object."),
        (b64({"database": {"scheme": "pgsql"}}), "PLATFORM_RELATIONSHIPS: 'database' must be a list of objects."),
        (
            b64({"database": [{"scheme": "pgsql", "password": PASSWORD}]}),
            "PLATFORM_RELATIONSHIPS database is missing host, path, username.",
        ),
        (
            b64({"database": [{"scheme": "pgsql", "host": "h", "path": "p", "username": "u", "port": "x"}]}),
            "PLATFORM_RELATIONSHIPS database port must be a whole number.",
        ),
    ],
)
def test_upsun_bad_relationships(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        read_platformsh({"PLATFORM_RELATIONSHIPS": value})
    assert str(info.value) == message
    assert PASSWORD not in str(info.value)
