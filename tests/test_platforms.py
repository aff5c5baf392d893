from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_platform.platforms import BY_NAME, PLATFORMS, detect, get_platform

# One realistic environment per platform, as the platform itself sets it.
ENVIRONMENTS = {
    "heroku": {"DYNO": "web.1", "PORT": "5000"},
    "heroku-ci": {"DYNO": "run.1", "CI": "true"},
    "dokku": {"DYNO": "web.1", "GIT_REV": "abc123"},
    "cloudcontrol": {"PAAS_VENDOR": "cloudControl", "CRED_FILE": "/srv/creds.json", "DEP_NAME": "app/default"},
    "render": {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"},
    "fly": {"FLY_APP_NAME": "app", "FLY_REGION": "ams"},
    "railway": {"RAILWAY_ENVIRONMENT_NAME": "production", "RAILWAY_PROJECT_ID": "p1"},
    "platformsh": {"PLATFORM_APPLICATION_NAME": "app", "PLATFORM_ENVIRONMENT": "main"},
    "local": {"HOME": "/home/me"},
}


@pytest.mark.parametrize(("expected", "env"), ENVIRONMENTS.items())
def test_detects_each_platform(expected: str, env: dict[str, str]) -> None:
    assert detect(env).platform.name == expected


def test_every_profile_is_covered_or_explicit_only() -> None:
    # Qoddi documents no marker: it can only be chosen explicitly.
    assert set(BY_NAME) == set(ENVIRONMENTS) | {"qoddi"}
    assert BY_NAME["qoddi"].markers == ()


def test_reason_names_the_matched_variables() -> None:
    detection = detect({"RENDER": "true"})
    assert detection.reason == "environment has RENDER=true"


def test_heroku_reason_warns_that_dokku_sets_dyno_too() -> None:
    assert "DJANGO_PLATFORM=dokku" in detect({"DYNO": "web.1"}).reason


def test_heroku_ci_is_not_heroku() -> None:
    # Heroku CI's in-dyno databases have no TLS; requiring it there would break the test run.
    platform = detect({"DYNO": "run.1", "CI": "true"}).platform
    assert platform.name == "heroku-ci"
    assert platform.db_tls == {}


def test_dokku_is_told_apart_by_dokku_variables() -> None:
    assert detect({"DYNO": "web.1", "DOKKU_APP_TYPE": "herokuish"}).platform.name == "dokku"


def test_cloudcontrol_by_credentials_file_and_deployment_name() -> None:
    assert detect({"CRED_FILE": "/x", "DEP_NAME": "a/b"}).platform.name == "cloudcontrol"
    # CRED_FILE alone is not enough to claim cloudControl.
    assert detect({"CRED_FILE": "/x"}).platform.name == "local"


def test_marker_values_compare_case_insensitively_and_need_a_value() -> None:
    assert detect({"PAAS_VENDOR": "cloudcontrol"}).platform.name == "cloudcontrol"
    assert detect({"RENDER": "false"}).platform.name == "local"
    assert detect({"DYNO": ""}).platform.name == "local"


def test_explicit_platform_overrides_detection() -> None:
    detection = detect({"DJANGO_PLATFORM": "Qoddi", "DYNO": "web.1"})
    assert detection.platform.name == "qoddi"
    assert detection.reason == "DJANGO_PLATFORM=qoddi"


def test_unknown_platform_lists_valid_names() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        detect({"DJANGO_PLATFORM": "herokku"})
    message = str(info.value)
    assert "DJANGO_PLATFORM='herokku' is not a known platform" in message
    for name in BY_NAME:
        assert name in message


def test_get_platform_names_the_caller_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^--platform='x'"):
        get_platform("x", variable="--platform")


def test_profiles_are_unique_and_local_is_last() -> None:
    names = [p.name for p in PLATFORMS]
    assert len(names) == len(set(names))
    assert names[-1] == "local"
    assert not BY_NAME["local"].ephemeral_disk
    assert all(p.ephemeral_disk for p in PLATFORMS if p.name != "local")
