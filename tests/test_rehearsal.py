"""Platform rehearsal: each platform's simulated environment, with its own way of handing over
credentials, boots the example project, migrates the real database with that platform's TLS
setting, and passes `platform_check` with no errors. The README's recipes are these."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e_support import copy_project, manage
from tests.platform_envs import PLATFORM_ENVS, SECRET
from tests.services import PgCluster, port_open, s3_server, unavailable

pytestmark = [pytest.mark.services, pytest.mark.e2e]

COMMON = {
    "DJANGO_SECRET_KEY": SECRET,
    "REDIS_URL": "redis://127.0.0.1:6379/13",
    "AWS_STORAGE_BUCKET_NAME": "rehearsal",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def pg_url(cluster: PgCluster) -> str:
    return f"postgres://{cluster.user}:{quote(cluster.password, safe='')}@127.0.0.1:{cluster.port}/{cluster.name}"


def heroku(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> dict[str, str]:
    return {"DATABASE_URL": pg_url(tls)}  # Heroku Postgres requires TLS


def dokku(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> dict[str, str]:
    return {"DATABASE_URL": pg_url(plain)}  # postgres:link, internal network, no TLS


def cloudcontrol(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> dict[str, str]:
    # The seed's way: add-on credentials in the JSON file at $CRED_FILE (shared MySQL add-on).
    creds = tmp / "creds.json"
    creds.write_text(
        json.dumps(
            {
                "MYSQLS": {
                    "MYSQLS_DATABASE": mysql["name"],
                    "MYSQLS_HOSTNAME": f"{mysql['host']}:{mysql['port']}",
                    "MYSQLS_USERNAME": mysql["user"],
                    "MYSQLS_PASSWORD": mysql["password"],
                }
            }
        )
    )
    return {"CRED_FILE": str(creds)}


def qoddi(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> dict[str, str]:
    # The seed's way for MySQL: separate variables; SSL is off on Qoddi's datastores.
    return {
        "DATABASE_HOST": f"{mysql['host']}:{mysql['port']}",
        "DATABASE_NAME": mysql["name"],
        "DATABASE_USERNAME": mysql["user"],
        "DATABASE_PASSWORD": mysql["password"],
    }


def url_platform(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> dict[str, str]:
    return {"DATABASE_URL": pg_url(plain)}  # Render, Fly, Railway: the internal URL


def platformsh(tls: PgCluster, plain: PgCluster, mysql: dict[str, Any], tmp: Path) -> dict[str, str]:
    relationships = {
        "database": [
            {
                "scheme": "pgsql",
                "host": "127.0.0.1",
                "port": plain.port,
                "path": plain.name,
                "username": plain.user,
                "password": plain.password,
            }
        ]
    }
    return {"PLATFORM_RELATIONSHIPS": base64.b64encode(json.dumps(relationships).encode()).decode()}


RECIPES: dict[str, Callable[[PgCluster, PgCluster, dict[str, Any], Path], dict[str, str]]] = {
    "heroku": heroku,
    "dokku": dokku,
    "cloudcontrol": cloudcontrol,
    "qoddi": qoddi,
    "render": url_platform,
    "fly": url_platform,
    "railway": url_platform,
    "platformsh": platformsh,
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server("rehearsal") as url:
        yield url


def test_every_platform_profile_has_a_recipe() -> None:
    assert set(RECIPES) == set(PLATFORM_ENVS)


@pytest.mark.parametrize("platform", sorted(RECIPES))
def test_rehearsal(
    platform: str, pg_tls: PgCluster, pg_plain: PgCluster, mariadb: dict[str, Any], s3_endpoint: str, tmp_path: Path
) -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    project = copy_project(tmp_path / "project")
    env = {
        **PLATFORM_ENVS[platform],
        **COMMON,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        **RECIPES[platform](pg_tls, pg_plain, mariadb, tmp_path),
    }
    manage(project, env, "platform_procfile", "--platform", platform)
    manage(project, env, "platform_gunicorn", "--platform", platform)
    manage(project, env, "migrate", "--noinput")  # a real connection with the platform's TLS setting
    out = manage(project, env, "platform_check", "--format", "json")
    document = json.loads(out)
    assert document["platform"] == platform
    assert [f["id"] for f in document["findings"] if f["level"] in ("error", "critical")] == []
    tls = {s["setting"]: s["value"] for s in document["settings"]}
    expected = {
        "heroku": ("sslmode", "require"),
        "dokku": ("sslmode", "disable"),
        "platformsh": ("sslmode", "disable"),
        "qoddi": ("ssl_mode", "DISABLED"),
    }.get(platform)
    if expected:
        assert tls[f"DATABASES.default.OPTIONS.{expected[0]}"] == expected[1]
