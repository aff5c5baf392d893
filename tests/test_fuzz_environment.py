"""Whole hostile environments through configure(), gunicorn's settings and platform_check (see
tests/fuzzenv.py). The promise: settings import raises ImproperlyConfigured or nothing; no error,
exception chain, report or platform_check output holds a planted secret; no error quotes a value.

DJANGO_PLATFORM_FUZZ_EXAMPLES sets how many environments (300 by default, 10,000 under CI's
HYPOTHESIS_PROFILE=ci); a longer run: `DJANGO_PLATFORM_FUZZ_EXAMPLES=200000 pytest tests/test_fuzz_environment.py -s`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import django
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import django_platform
from django_platform.platforms import PLATFORMS
from tests.fuzzenv import (
    NAME_LIKE,
    PLAIN,
    SECRET,
    collect_names,
    credential_files,
    gunicorn_settings,
    plugin_modules,
    texts,
    value_for,
)

# CI's figure under HYPOTHESIS_PROFILE=ci (.ci/run), a small sample in the fast loop.
DEFAULT_EXAMPLES = "10000" if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else "300"
EXAMPLES = int(os.environ.get("DJANGO_PLATFORM_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
# One configured environment in DEEP goes through platform_check and the DEBUG page (slow): one in
# 50 for large runs, more often for small ones so that a few always do.
DEEP = max(2, min(50, EXAMPLES // 30))
# Settings platform_check reads; LOGGING stays out (reconfiguring logging per example is slow).
CHECKED = (
    "DATABASES", "CACHES", "STORAGES", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER",
    "MIDDLEWARE", "STATIC_ROOT", "STATIC_URL", "DEBUG", "SECRET_KEY", "EMAIL_BACKEND", "EMAIL_HOST", "MAILERS",
    "DJANGO_PLATFORM_REPORT", "CHANNEL_LAYERS",
)  # fmt: skip

FILTER = "django_platform.exception_filter.PlatformExceptionReporterFilter"
# What real settings.py files already chose, which configure() keeps, merges or replaces (and says so).
MAIL_BACKENDS = st.sampled_from(
    [
        "anymail.backends.brevo.EmailBackend",
        "django.core.mail.backends.smtp.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
    ]
)
# Django 6.1 deprecates EMAIL_BACKEND for MAILERS (its warning is an error here): each version's own.
MAIL: dict[str, st.SearchStrategy[Any]] = (
    {"MAILERS": MAIL_BACKENDS.map(lambda backend: {"default": {"BACKEND": backend}})}
    if django.VERSION >= (6, 1)
    else {"EMAIL_BACKEND": MAIL_BACKENDS}
)
OWN: dict[str, st.SearchStrategy[Any]] = {
    **MAIL,
    "CACHES": st.sampled_from(
        [
            {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}},
            {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://localhost:6379/1"}},
        ]
    ),
    "CHANNEL_LAYERS": st.sampled_from(
        [
            {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
            {"default": {"BACKEND": "x.Layer"}},
            {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://h:1"]}}},
        ]
    ),
    "CELERY_BROKER_URL": st.just("redis://localhost:6379/0"),
    "DATABASES": st.sampled_from(
        [
            {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "OPTIONS": {"sslmode": None}}},
            {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "app", "OPTIONS": {"ssl_mode": "DISABLED"}}},
        ]
    ),
}
# Where settings.py may put a value it read from the environment.
READ: dict[str, Any] = {
    "CELERY_BROKER_URL": lambda value: value,
    "CACHES": lambda value: {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": value}},
    "CHANNEL_LAYERS": lambda value: {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [value]}}
    },
}

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], list[str], Path]]:
    directory = tmp_path_factory.mktemp("fuzz")
    plugin_modules(directory)
    sys.path.insert(0, str(directory))
    try:
        yield collect_names(), credential_files(directory), directory
    finally:
        sys.path.remove(str(directory))


def test_the_names_come_from_the_package(space: tuple[list[str], list[str], Path]) -> None:
    names = space[0]
    # Found by asking the code, not listed here: a sample of what it must have found.
    for name in ("DATABASE_URL", "DYNO", "CRED_FILE", "POSTMARK_API_TOKEN", "PLATFORM_RELATIONSHIPS",
                 "MEMCACHIER_SERVERS", "GUNICORN_KEEPALIVE", "SIZE", "FLY_PRIVATE_IP", "DATABASE_HOST"):  # fmt: skip
        assert name in names, name
    assert len(names) > 80


@pytest.mark.parametrize("into", sorted(READ))
@pytest.mark.parametrize("cut", [":/user:1234", "://user:"])
def test_a_url_cut_short_that_settings_py_read_keeps_its_password_hidden(into: str, cut: str, tmp_path: Path) -> None:
    """Found by the fuzz under CI's profile: settings.py's broker (or cache, or channel host) read
    from a variable whose URL lost its scheme showed the password in the report and the DEBUG page."""
    env = {"SCALINGO_MYSQL_URL": f"{cut}{SECRET}@db.internal/app", "ALLOWED_HOSTS": "1"}
    stats: Counter[str] = Counter()
    check(env, None, "django-insecure-fuzz", True, tmp_path, stats, {into: READ[into](env["SCALINGO_MYSQL_URL"])})
    assert stats["configured"] == 1 and stats["debug_page"] == 1


def test_every_declared_store_is_drawn() -> None:
    """A platform's new credential store gets a generator in tests/fuzzenv.py, or this fails."""
    from tests.fuzzenv import STORES

    declared = {store.variable for platform in PLATFORMS for store in platform.stores}
    assert declared and declared <= set(STORES), sorted(declared - set(STORES))


def test_whole_environments_keep_the_promise(space: tuple[list[str], list[str], Path], tmp_path: Path) -> None:
    names, files, _ = space
    platforms = [None, *(p.name for p in PLATFORMS)]
    stats: Counter[str] = Counter()
    started = time.monotonic()

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck)
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=10), label="names")
        env = {name: data.draw(value_for(name, files), label=name) for name in chosen}
        platform = data.draw(st.sampled_from(platforms), label="platform")
        deep = data.draw(st.integers(0, DEEP - 1), label="deep") == 0
        # settings.py's own key: startproject's (refused on a platform) or a usable one.
        key = data.draw(st.sampled_from(["django-insecure-fuzz", "settings-py-key-" + "m" * 40]), label="key")
        own = data.draw(st.lists(st.sampled_from(sorted(OWN)), unique=True, max_size=4), label="own")
        mine = {name: data.draw(OWN[name], label=name) for name in own}
        read = data.draw(st.booleans(), label="read")
        if env and read:
            # settings.py read one of its URLs from a drawn variable (os.environ["REDISCLOUD_URL"]).
            where = data.draw(st.sampled_from(sorted(READ)), label="read into")
            # As read, or built from it: another database on the same server (f"{REDIS_URL}/1").
            built = data.draw(st.sampled_from(["", "/1", "/0?ssl_cert_reqs=none"]), label="built")
            mine[where] = READ[where](env[data.draw(st.sampled_from(sorted(env)), label="read from")] + built)
        check(env, platform, key, deep, tmp_path, stats, mine)

    run()
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz: {stats['environments']} environments in {elapsed:.0f} s: {stats['configured']} configured, "
        f"{stats['refused']} refused with ImproperlyConfigured, {stats['platform_check']} through platform_check, "
        f"{stats['gunicorn']} through gunicorn's settings, {stats['debug_page']} DEBUG pages; 0 violations"
    )
    assert stats["environments"] >= EXAMPLES
    assert stats["configured"] > EXAMPLES // 10 and stats["refused"] > EXAMPLES // 10  # both paths exercised
    assert stats["platform_check"] > 0 and stats["debug_page"] > 0


def check(
    env: dict[str, str],
    platform: str | None,
    key: str,
    deep: bool,
    base: Path,
    stats: Counter[str],
    mine: dict[str, Any] | None = None,
) -> None:
    stats["environments"] += 1
    ns: dict[str, Any] = {"SECRET_KEY": key, "BASE_DIR": base, "DEBUG": False, **(mine or {})}
    try:
        report = django_platform.configure(ns, env=env, platform=platform)
    except ImproperlyConfigured as exc:
        stats["refused"] += 1
        shown = "\n".join(texts(exc))
        assert SECRET not in shown and PLAIN not in shown and NAME_LIKE not in shown, (sorted(env), str(exc))
        assert "This is a bug in django-platform" not in str(exc), (sorted(env), str(exc))
        assert exc.__cause__ is None and exc.__context__ is None, sorted(env)
        return
    except Exception as exc:  # the promise is broken: say which names, never the values
        pytest.fail(f"configure() raised {type(exc).__name__} for an environment with {sorted(env)}")
    stats["configured"] += 1
    shown = json.dumps(report.as_dict(), default=str)
    assert SECRET not in shown, (sorted(env), [e for e in report.as_dict()["settings"] if SECRET in str(e)])
    _gunicorn(env, report.platform, stats)
    if deep:
        _platform_check(ns, stats, env)
        _debug_page(ns, report, stats, env)


def _gunicorn(env: dict[str, str], platform: str, stats: Counter[str]) -> None:
    try:
        gunicorn_settings(env, platform)
    except Exception as exc:
        pytest.fail(f"gunicorn settings raised {type(exc).__name__} for {sorted(env)}")
    stats["gunicorn"] += 1


def _platform_check(ns: dict[str, Any], stats: Counter[str], env: dict[str, str]) -> None:
    overrides = {k: ns[k] for k in CHECKED if k in ns}
    out = StringIO()
    with override_settings(**overrides):
        for fmt in ("text", "json"):
            try:
                call_command("platform_check", "--format", fmt, "--fail-level", "CRITICAL", stdout=out, stderr=out)
            except Exception as exc:
                pytest.fail(f"platform_check raised {type(exc).__name__} for {sorted(env)}")
    assert SECRET not in out.getvalue(), sorted(env)
    stats["platform_check"] += 1


class _Holder:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"_Holder({self.value!r})"


def _debug_page(ns: dict[str, Any], report: Any, stats: Counter[str], env: dict[str, str]) -> None:
    """The DEBUG page with every configured setting in a frame variable: alone, inside containers
    and inside an object's repr (a view that did `caches = settings.CACHES`)."""
    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter

    configured = {k: v for k, v in ns.items() if k.isupper() and k != "DJANGO_PLATFORM_REPORT"}

    def failing_view(**frame: Any) -> str:
        try:
            raise ValueError("boom")
        except ValueError as exc:
            return ExceptionReporter(RequestFactory().get("/"), type(exc), exc, exc.__traceback__).get_traceback_html()

    with override_settings(DEBUG=True, DJANGO_PLATFORM_REPORT=report, DEFAULT_EXCEPTION_REPORTER_FILTER=FILTER):
        html = failing_view(
            settings_dict=configured,
            settings_list=[list(configured.values())],
            holders=[_Holder(v) for v in configured.values()],
            **{name.lower(): value for name, value in configured.items()},
        )
    assert SECRET not in html, sorted(env)
    stats["debug_page"] += 1
