"""Each platform's quirks, through configure() with the platform's run-time environment from the
shared table: what a user of that platform gets, not a restatement of its data row."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

import django_platform
from django_platform.deploy import gunicorn as gunicorn_conf
from django_platform.health.middleware import host_name, private_address
from django_platform.platforms import BY_NAME
from django_platform.report import Report
from tests.conftest import PASSWORD
from tests.platform_envs import LIFECYCLES, PLATFORM_ENVS, SECRET

QUOTED = quote(PASSWORD, safe="")


def configure(platform: str, **extra: str) -> tuple[dict[str, Any], Report]:
    settings: dict[str, Any] = {"DATABASES": {}}
    env = {**PLATFORM_ENVS[platform], "DJANGO_SECRET_KEY": SECRET, **extra}
    return settings, django_platform.configure(settings, env=env)


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_every_platform_configures_its_default_host(name: str) -> None:
    settings, report = configure(name)
    lifecycle = LIFECYCLES[name]
    assert report.platform == name
    if name != "heroku":  # '*' there: its router admits only the app's domains
        assert lifecycle.public_host in settings["ALLOWED_HOSTS"]
    if lifecycle.health_host:  # answered on the health paths before host validation
        probe = host_name(lifecycle.health_host)
        known = [*settings["DJANGO_PLATFORM_HEALTH_HOSTS"], *settings["ALLOWED_HOSTS"]]
        assert probe in known or "*" in known or private_address(probe)
    assert settings["MIDDLEWARE"][0] == "django_platform.health.middleware.HealthMiddleware"
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_scalingo_mysql_url_with_jdbc_parameters() -> None:
    url = f"mysql://app:{QUOTED}@db.scalingo-dbs.com:30000/app?useSSL=true&verifyServerCertificate=false"
    settings, _ = configure("scalingo", SCALINGO_MYSQL_URL=url, DATABASE_URL=url)
    assert settings["DATABASES"]["default"]["OPTIONS"] == {"ssl_mode": "PREFERRED"}
    # Only the add-on's own name, no DATABASE_URL alias: the same.
    settings, _ = configure("scalingo", SCALINGO_MYSQL_URL=url.replace("useSSL=true", "useSSL=false"))
    assert "OPTIONS" not in settings["DATABASES"]["default"]
    # DATABASE_SSL still decides over the URL's parameters.
    settings, _ = configure("scalingo", DATABASE_URL=url, DATABASE_SSL="true")
    assert settings["DATABASES"]["default"]["OPTIONS"] == {"ssl_mode": "PREFERRED"}


def test_scalingo_postgresql_keeps_the_urls_sslmode_and_both_databases() -> None:
    pg = f"postgresql://app:{QUOTED}@app-1.postgresql.a.osc-fr1.scalingo-dbs.com:31000/app?sslmode=prefer"
    mysql = f"mysql://app:{QUOTED}@m.scalingo-dbs.com:30000/app"
    settings, report = configure("scalingo", SCALINGO_POSTGRESQL_URL=pg, SCALINGO_MYSQL_URL=mysql)
    assert settings["DATABASES"]["default"]["OPTIONS"] == {"sslmode": "prefer"}
    assert settings["DATABASES"]["mysql"]["ENGINE"] == "django.db.backends.mysql"
    assert report.source("DATABASES.default") == "SCALINGO_POSTGRESQL_URL"
    settings, _ = configure("scalingo", SCALINGO_REDIS_URL="redis://:p@r.scalingo-dbs.com:30001")
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://:p@r.scalingo-dbs.com:30001"


def test_upsun_service_variables_without_relationships() -> None:
    # The per-relationship variables (<REL>_URL may be absent: built from the parts).
    env = {
        "POSTGRESQL_SCHEME": "pgsql",
        "POSTGRESQL_HOST": "postgresql.internal",
        "POSTGRESQL_PORT": "5432",
        "POSTGRESQL_PATH": "main",
        "POSTGRESQL_USERNAME": "main",
        "POSTGRESQL_PASSWORD": PASSWORD,
        "CACHE_SCHEME": "redis",
    }
    settings, report = configure("upsun", **env)
    default = settings["DATABASES"]["default"]
    assert (default["HOST"], default["NAME"], default["PASSWORD"]) == ("postgresql.internal", "main", PASSWORD)
    assert default["OPTIONS"] == {"sslmode": "disable"}
    assert PASSWORD not in repr(report.as_dict())
    url = f"pgsql://main:{QUOTED}@database.internal:5432/main"
    settings, _ = configure("upsun", DATABASE_SCHEME="pgsql", DATABASE_URL=url)
    assert settings["DATABASES"]["default"]["HOST"] == "database.internal"
    with pytest.raises(ImproperlyConfigured, match=r"^POSTGRESQL_HOST/_PORT/_PATH/_USERNAME/_PASSWORD is missing"):
        configure("upsun", POSTGRESQL_SCHEME="pgsql", POSTGRESQL_HOST="h")


def test_upsun_entropy_is_the_secret_key_and_platformsh_still_selects_it() -> None:
    settings: dict[str, Any] = {}
    env = {**PLATFORM_ENVS["upsun"], "DJANGO_PLATFORM": "platformsh"}
    report = django_platform.configure(settings, env=env)
    assert report.platform == "upsun"
    assert settings["SECRET_KEY"] == env["PLATFORM_PROJECT_ENTROPY"]
    assert settings["ALLOWED_HOSTS"] == ["app.example.com"]


def test_clevercloud_addon_variables() -> None:
    env = {
        "POSTGRESQL_ADDON_HOST": "b1-postgresql.services.clever-cloud.com",
        "POSTGRESQL_ADDON_PORT": "50013",
        "POSTGRESQL_ADDON_DB": "b1",
        "POSTGRESQL_ADDON_USER": "u1",
        "POSTGRESQL_ADDON_PASSWORD": PASSWORD,
        "MYSQL_ADDON_URI": f"mysql://u2:{QUOTED}@b2-mysql.services.clever-cloud.com:3306/b2",
        "REDIS_HOST": "r.services.clever-cloud.com",
        "REDIS_PORT": "4242",
        "REDIS_PASSWORD": "p@ss word",
    }
    settings, report = configure("clevercloud", **env)
    assert settings["DATABASES"]["default"]["PORT"] == 50013
    assert settings["DATABASES"]["mysql"]["HOST"] == "b2-mysql.services.clever-cloud.com"
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://:p%40ss%20word@r.services.clever-cloud.com:4242/0"
    assert PASSWORD not in repr(report.as_dict()) and "p%40ss%20word" not in repr(report.as_dict())
    with pytest.raises(ImproperlyConfigured, match=r"^REDIS_HOST/REDIS_PORT/REDIS_PASSWORD REDIS_PORT must be"):
        configure("clevercloud", REDIS_HOST="r", REDIS_PORT="x")
    # Elsewhere these variables are another platform's: said, not used.
    _, report = configure("render", POSTGRESQL_ADDON_HOST="h")
    assert (
        "POSTGRESQL_ADDON_HOST is set but unused: Clever Cloud reads it (DJANGO_PLATFORM=clevercloud)." in report.notes
    )


def test_coolify_and_northflank_host_lists() -> None:
    fqdn = "https://shop.example.com,http://www.Shop.example.com:8000/, api.example.com"
    settings, _ = configure("coolify", COOLIFY_FQDN=fqdn)
    assert settings["ALLOWED_HOSTS"] == ["shop.example.com", "www.shop.example.com", "api.example.com", "localhost"]
    with pytest.raises(ImproperlyConfigured, match=r"^COOLIFY_FQDN must be a comma-separated list"):
        configure("coolify", COOLIFY_FQDN="https://[::1/")
    with pytest.raises(ImproperlyConfigured, match=r"^COOLIFY_FQDN must be a comma-separated list"):
        configure("coolify", COOLIFY_FQDN="bad host")
    settings, _ = configure("northflank", NF_HOSTS="web--shop.code.run, shop.example.com")
    assert settings["ALLOWED_HOSTS"] == ["web--shop.code.run", "shop.example.com"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://web--shop.code.run", "https://shop.example.com"]


def test_digitalocean_binds_its_domain_and_has_a_long_stop_window() -> None:
    settings, _ = configure("digitalocean")
    assert settings["ALLOWED_HOSTS"] == ["app-x7k2q.ondigitalocean.app"]
    values = gunicorn_conf.settings(PLATFORM_ENVS["digitalocean"], BY_NAME["digitalocean"], cpus=1, memory=None)
    assert values["graceful_timeout"] == 119


def test_railway_drain_decides_the_graceful_timeout() -> None:
    railway = BY_NAME["railway"]
    assert gunicorn_conf.settings({}, railway, cpus=1, memory=None)["graceful_timeout"] == 1
    env = {"RAILWAY_DEPLOYMENT_DRAINING_SECONDS": "30"}
    assert gunicorn_conf.settings(env, railway, cpus=1, memory=None)["graceful_timeout"] == 29
    assert gunicorn_conf.settings({}, railway, cpus=1, memory=None)["keepalive"] == 65


@pytest.mark.parametrize(
    ("name", "memory", "workers"),
    [("scalingo", "536870912", 2), ("koyeb", "256", 1), ("fly", "1024", 4)],
)
def test_container_memory_caps_the_workers(name: str, memory: str, workers: int) -> None:
    platform = BY_NAME[name]
    env = {platform.size_variable: memory}
    assert gunicorn_conf.worker_count(env, cpus=4, memory=None, platform=platform) == workers


@pytest.mark.parametrize(
    ("name", "release", "said"),
    [
        ("heroku", "release: python manage.py platform_migrate", ""),
        ("scalingo", "postdeploy: python manage.py platform_migrate", ""),
        ("render", None, "Render: set the service's Pre-Deploy Command"),
        ("clevercloud", None, "CC_PYTHON_MODULE=tests.wsgi_app:application"),
        ("upsun", None, "hooks.deploy in .upsun/config.yaml"),
    ],
)
def test_the_release_phase_as_each_platform_spells_it(
    name: str, release: str | None, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with override_settings(WSGI_APPLICATION="tests.wsgi_app.application"):
        call_command("platform_procfile", "--platform", name, "--path", str(tmp_path))
    text = (tmp_path / "Procfile").read_text()
    lines = [line for line in text.splitlines() if not line.startswith(("web:", "#"))]
    assert lines == ([release] if release else [])
    out = capsys.readouterr().out
    assert said in out if said else "migrate" not in out
