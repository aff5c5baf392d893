"""settings.py values of a shape configure() cannot read: ImproperlyConfigured naming the setting and
what is wrong, never "a bug in django-platform", and no other exception type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

import django_platform
from django_platform.areas.shapes import DICTS, PATHS, STRING_LISTS, shape_error

# A platform with every area's variables set, and none.
HEROKU = {
    "DYNO": "web.1",
    "DATABASE_URL": "postgres://u:p@h:5432/db",
    "REDIS_URL": "redis://h:6379",
    "DJANGO_SECRET_KEY": "k" * 50,
    "SENDGRID_API_KEY": "SG.fuzz",
}
ENVIRONMENTS = [HEROKU, {}]
NAMES = (*DICTS, *STRING_LISTS, *PATHS)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("DATABASES", "sqlite", "The DATABASES setting must be a dict, not str."),
        ("DATABASES", {"default": None}, "DATABASES['default'] must be a dict, not NoneType."),
        ("DATABASES", {"default": {"OPTIONS": "x"}}, "DATABASES['default']['OPTIONS'] must be a dict, not str."),
        ("CACHES", ["redis"], "The CACHES setting must be a dict, not list."),
        ("STORAGES", {"staticfiles": "whitenoise"}, "STORAGES['staticfiles'] must be a dict, not str."),
        ("CHANNEL_LAYERS", 5, "The CHANNEL_LAYERS setting must be a dict, not int."),
        ("LOGGING", "verbose", "The LOGGING setting must be a dict, not str."),
        ("LOGGING", {"handlers": ["console"]}, "LOGGING['handlers'] must be a dict, not list."),
        ("LOGGING", {"version": 1, "root": None}, "LOGGING['root'] must be a dict, not NoneType."),
        ("CHANNEL_LAYERS", {"x": {"CONFIG": []}}, "CHANNEL_LAYERS['x']['CONFIG'] must be a dict, not list."),
        ("ALLOWED_HOSTS", "example.com", "The ALLOWED_HOSTS setting must be a list or a tuple, not str."),
        ("INSTALLED_APPS", ["django.contrib.admin", None], "The INSTALLED_APPS setting must hold strings only, not "),
        ("MIDDLEWARE", True, "The MIDDLEWARE setting must be a list, a tuple or a set, not bool."),
        ("CSRF_TRUSTED_ORIGINS", "https://a", "The CSRF_TRUSTED_ORIGINS setting must be a list, a tuple or a set, "),
        ("ALLOWED_HOSTS", {"a.example"}, "The ALLOWED_HOSTS setting must be a list or a tuple, not set."),
        ("BASE_DIR", 5, "The BASE_DIR setting must be a path (str or pathlib.Path), not int."),
    ],
)
@pytest.mark.parametrize("env", ENVIRONMENTS, ids=["heroku", "nothing"])
def test_a_setting_of_another_shape_is_named(name: str, value: Any, said: str, env: dict[str, str]) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        django_platform.configure({name: value}, env=env)
    assert str(info.value).startswith(said)
    assert str(info.value).endswith("configure() reads it from settings.py.")
    assert info.value.__cause__ is None and info.value.__context__ is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASES", None),  # read as unset
        ("LOGGING", {"version": 1}),
        ("ALLOWED_HOSTS", ("example.com",)),
        ("CSRF_TRUSTED_ORIGINS", {"https://a.example"}),  # Django only iterates it
        ("MIDDLEWARE", frozenset({"django.middleware.common.CommonMiddleware"})),
        ("BASE_DIR", Path("/srv/app")),
        ("BASE_DIR", "/srv/app"),
        ("STORAGES", {}),
    ],
)
def test_the_shapes_django_accepts_pass(name: str, value: Any) -> None:
    assert shape_error(name, value) is None


def test_a_long_key_is_cut_in_the_message() -> None:
    said = shape_error("CACHES", {"k" * 500: 5})
    assert said is not None and len(said) < 120


# Values of every shape settings.py could hold by mistake, nested, under the keys the areas read.
READ = ("default", "OPTIONS", "ENGINE", "NAME", "BACKEND", "LOCATION", "CONFIG", "hosts", "staticfiles", "TEST")
LOGGING_READ = ("version", "handlers", "loggers", "root", "level", "formatters", "filters", "POOL_OPTIONS")
KEYS = st.sampled_from([*READ, *LOGGING_READ]) | st.text(max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.builds(Path, st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=8,
)


# No deadline: the first example imports every area (a cold interpreter took over 200 ms in tox).
@settings(deadline=None)
@given(
    settings_py=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4),
    env=st.sampled_from(ENVIRONMENTS),
)
def test_any_shape_configures_or_is_refused_by_name(settings_py: dict[str, Any], env: dict[str, str]) -> None:
    refused: ImproperlyConfigured | None = None
    try:
        django_platform.configure(dict(settings_py), env=env)
    except ImproperlyConfigured as exc:
        refused = exc
    if refused is not None:
        assert "This is a bug in django-platform" not in str(refused), (sorted(settings_py), str(refused))
        assert refused.__cause__ is None and refused.__context__ is None
