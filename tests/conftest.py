from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.services import PgCluster, pg_cluster, port_open, query_one, unavailable

PASSWORD = "s3cr@t#/?$%:pw"  # every character the issue names; planted to check it never leaks

# Hypothesis: a small sample in the fast loop, CI's large one with HYPOTHESIS_PROFILE=ci (.ci/run).
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
settings.register_profile("dev", max_examples=50)
settings.register_profile("ci", max_examples=300)
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests are slow tests too: `-m "not slow"` is the fast loop."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _processes_only_in_slow_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a process (a server, a worker, a manage.py command) must be marked slow,
    so the fast loop stays fast: starting one outside such a test fails it. Session fixtures (the
    PostgreSQL clusters) start before this guard, once per run."""
    if request.node.get_closest_marker("slow"):
        return

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"{request.node.nodeid} starts a process: mark it @pytest.mark.slow", pytrace=False)

    # Popen's one private entry point covers every way a test starts one (run, check_output, ...).
    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)


@pytest.fixture(autouse=True)
def _fresh_exception_reporter_filter() -> Iterator[None]:
    """Django caches the default exception reporter filter for the process; overriding
    DEFAULT_EXCEPTION_REPORTER_FILTER in one test must not depend on what an earlier one cached."""
    from django.views.debug import get_default_exception_reporter_filter

    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]
    yield
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def example_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project's static files, collected once as a Docker build does (no variables)."""
    from tests.e2e_support import copy_project, manage

    project = copy_project(tmp_path_factory.mktemp("build") / "project")
    manage(project, {}, "collectstatic", "--noinput")
    return project / "staticfiles"


@pytest.fixture(scope="session")
def pg_tls(django_db_blocker: Any) -> Iterator[PgCluster]:
    with django_db_blocker.unblock(), pg_cluster(ssl=True, password=PASSWORD) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def pg_plain(django_db_blocker: Any) -> Iterator[PgCluster]:
    with django_db_blocker.unblock(), pg_cluster(ssl=False, password=PASSWORD) as cluster:
        yield cluster


@pytest.fixture
def real_connections(django_db_blocker: Any) -> Iterator[None]:
    """Tests that open their own connections to real servers (not the test database)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def mariadb(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return _mariadb()


def _mariadb() -> dict[str, Any]:
    """The loopback MariaDB with a user whose password has every awkward character."""
    if importlib.util.find_spec("MySQLdb") is None:
        unavailable("mysqlclient is not installed (pip install mysqlclient; needs libmariadb-dev)")
    if not port_open("127.0.0.1", 3306):
        unavailable("MariaDB is not listening on 127.0.0.1:3306")
    root = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "HOST": "127.0.0.1",
            "PORT": 3306,
            "USER": "root",
            "PASSWORD": "",
            "NAME": "test",
        }
    }
    escaped = PASSWORD.replace("\\", "\\\\").replace("'", "\\'")
    query_one(root, "CREATE USER IF NOT EXISTS 'djp'@'%' IDENTIFIED BY 'x'")
    query_one(root, f"ALTER USER 'djp'@'%' IDENTIFIED BY '{escaped}'")
    query_one(root, "GRANT ALL ON test.* TO 'djp'@'%'")
    return {"host": "127.0.0.1", "port": 3306, "user": "djp", "password": PASSWORD, "name": "test"}


# A MariaDB user allowed this many connections at once, for what happens beyond them.
LIMITED_CONNECTIONS = 6


@pytest.fixture(scope="session")
def mariadb_limited(mariadb: dict[str, Any], django_db_blocker: Any) -> str:
    """The URL of a MariaDB user allowed LIMITED_CONNECTIONS connections at once."""
    root = {"default": {"ENGINE": "django.db.backends.mysql", "HOST": "127.0.0.1", "PORT": 3306, "USER": "root"}}
    root["default"]["NAME"] = "test"
    with django_db_blocker.unblock():
        query_one(root, "CREATE USER IF NOT EXISTS 'djp_pool'@'%' IDENTIFIED BY 'x'")
        query_one(
            root, f"ALTER USER 'djp_pool'@'%' IDENTIFIED BY 'pool-pw' WITH MAX_USER_CONNECTIONS {LIMITED_CONNECTIONS}"
        )
        query_one(root, "GRANT ALL ON test.* TO 'djp_pool'@'%'")
    return "mysql://djp_pool:pool-pw@127.0.0.1:3306/test"


@pytest.fixture
def no_anymail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A project without django-anymail (the test extra installs it): the SMTP add-ons' mapping."""
    from django_platform.areas import mail

    monkeypatch.setattr(mail, "anymail_installed", lambda: False)


@pytest.fixture(autouse=True)
def _djangos_handler_trips() -> Iterator[None]:
    """asgi_trips.serve() replaces Django's request_started receivers and its handler's
    sync_to_async for the serving process; a test that called it (through the gunicorn hook, the
    Granian launcher) must not leave them replaced for the tests after it."""
    yield
    from django_platform.asgi_trips import TRIPS

    TRIPS.uninstall()
