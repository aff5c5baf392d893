"""The running release's identity, from each platform's own variable: in the report, and Sentry's
release when the project uses sentry-sdk and named none."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import django_platform
from django_platform.platforms import BY_NAME
from tests.platform_envs import LIFECYCLES, SECRET

NAMED = sorted(name for name in LIFECYCLES if BY_NAME[name].release_variables)


def configure(env: dict[str, str] | None) -> Any:
    return django_platform.configure({"SECRET_KEY": "s" * 50}, env=env, exclude={"databases"})


@pytest.mark.parametrize("name", NAMED)
def test_each_platforms_release_variable_at_run_time(name: str) -> None:
    lifecycle = LIFECYCLES[name]
    variable = BY_NAME[name].release_variables[0]
    report = configure({**lifecycle.run, "DJANGO_SECRET_KEY": SECRET, **lifecycle.user, variable: " 3f2c1d0 "})
    assert report.release == "3f2c1d0" and report.source("release") == variable


def test_most_platforms_name_it_and_ours_wins() -> None:
    assert len(NAMED) >= 10
    env = {"RENDER": "true", "DJANGO_SECRET_KEY": SECRET, "RENDER_GIT_COMMIT": "abc", "DJANGO_PLATFORM_RELEASE": "v42"}
    report = configure(env)
    assert (report.release, report.source("release")) == ("v42", "DJANGO_PLATFORM_RELEASE")
    assert configure({"RENDER": "true", "DJANGO_SECRET_KEY": SECRET}).release is None


@pytest.fixture
def no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where sentry-sdk finds no release of its own (no git checkout, none of its variables)."""
    monkeypatch.chdir(tmp_path)
    utils = pytest.importorskip("sentry_sdk.utils")
    monkeypatch.setattr(utils, "get_git_revision", lambda: None)  # it would run git
    for name in ("SENTRY_RELEASE", "HEROKU_BUILD_COMMIT", "HEROKU_SLUG_COMMIT", "SOURCE_VERSION"):
        monkeypatch.setenv(name, "")  # restored (unset) afterwards


@pytest.mark.usefixtures("no_git")
def test_sentry_initialised_later_reads_the_release(monkeypatch: pytest.MonkeyPatch) -> None:
    sentry_sdk = pytest.importorskip("sentry_sdk")
    monkeypatch.setenv("RENDER", "true")
    monkeypatch.setenv("RENDER_GIT_COMMIT", "3f2c1d0")
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    report = configure(None)  # the process's own environment
    assert os.environ["SENTRY_RELEASE"] == "3f2c1d0"
    try:
        sentry_sdk.init(dsn="https://public@sentry.invalid/1", default_integrations=False)
        assert sentry_sdk.get_client().options["release"] == "3f2c1d0"
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # inactive again
    assert any("SENTRY_RELEASE" in note for note in report.notes)


@pytest.mark.usefixtures("no_git")
def test_sentry_initialised_first_gets_the_release_unless_it_has_one() -> None:
    sentry_sdk = pytest.importorskip("sentry_sdk")
    env = {"RENDER": "true", "DJANGO_SECRET_KEY": SECRET, "RENDER_GIT_COMMIT": "3f2c1d0"}
    try:
        sentry_sdk.init(dsn="https://public@sentry.invalid/1", default_integrations=False)
        assert sentry_sdk.get_client().options["release"] is None
        configure(env)
        assert sentry_sdk.get_client().options["release"] == "3f2c1d0"
        sentry_sdk.init(dsn="https://public@sentry.invalid/1", default_integrations=False, release="mine")
        configure(env)
        assert sentry_sdk.get_client().options["release"] == "mine"
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    # An injected environment (not the process's) never writes SENTRY_RELEASE.
    configure(env)
    assert os.environ.get("SENTRY_RELEASE", "") == ""


def test_nothing_for_sentry_without_sentry_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import sys

    real = importlib.util.find_spec
    monkeypatch.delitem(sys.modules, "sentry_sdk", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "sentry_sdk" else real(n, *a))
    monkeypatch.setenv("SENTRY_RELEASE", "")
    monkeypatch.setenv("RENDER", "true")
    monkeypatch.setenv("RENDER_GIT_COMMIT", "3f2c1d0")
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    report = configure(None)
    assert report.release == "3f2c1d0" and os.environ["SENTRY_RELEASE"] == ""
