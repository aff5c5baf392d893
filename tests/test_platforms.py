"""Detection and the registry, against the shared table of platform environments."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_platform
from django_platform import platforms
from django_platform.platforms import BY_NAME, PLATFORMS, Context, Marker, Platform, detect, get_platform
from tests.platform_envs import LIFECYCLES, SECRET


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_detects_each_platform_at_run_time(name: str) -> None:
    lifecycle = LIFECYCLES[name]
    assert detect({**lifecycle.run, **lifecycle.user}).platform.name == name


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_build_phase_detection(name: str) -> None:
    # A build detected as a platform must have what settings need there (the secret key reaches
    # it); one detected as local says which builder it saw, where the builder leaves a trace.
    lifecycle = LIFECYCLES[name]
    env = {**lifecycle.build, **(lifecycle.user if lifecycle.config_at_build else {})}
    detection = detect(env)
    assert detection.platform.name == lifecycle.build_detected
    if lifecycle.build_detected != "local":
        assert lifecycle.config_at_build or BY_NAME[name].secret_key(Context(env, BY_NAME[name]))
    elif lifecycle.build:
        assert "a build phase?" in detection.reason


def test_every_platform_is_in_the_shared_table() -> None:
    assert {p.name for p in PLATFORMS} == set(LIFECYCLES) | {"heroku-ci", "local"}


def test_platforms_without_a_marker_are_chosen_explicitly() -> None:
    explicit = {name for name, lc in LIFECYCLES.items() if "DJANGO_PLATFORM" in lc.user}
    assert explicit == {p.name for p in PLATFORMS if not p.markers and p.name != "local"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "local"),  # noqa: S104 - HOST proves nothing
        ({"DYNO": "run.1", "CI": "true"}, "heroku-ci"),
        ({"DYNO": "web.1", "DOKKU_APP_TYPE": "herokuish"}, "dokku"),
        ({"CRED_FILE": "/x", "DEP_NAME": "a/b"}, "cloudcontrol"),
        ({"CRED_FILE": "/x"}, "local"),  # CRED_FILE alone is not enough
        ({"PAAS_VENDOR": "cloudcontrol"}, "cloudcontrol"),  # values compare case-insensitively
        ({"RENDER": "false"}, "local"),
        ({"DYNO": ""}, "local"),
        ({"APP": "shop"}, "local"),  # APP alone is too generic for Scalingo
        ({"CONTAINER": "web-1", "CONTAINER_SIZE": "M"}, "scalingo"),
        ({"INSTANCE_TYPE": "build", "CC_DEPLOYMENT_ID": "d"}, "local"),  # Clever Cloud's build
        ({"KOYEB_SERVICE_ID": "s"}, "koyeb"),
        ({"NF_OBJECT_ID": "web"}, "local"),  # with NF_PROJECT_ID only
        ({"COOLIFY_CONTAINER_NAME": "web-1"}, "coolify"),
        ({"DJANGO_PLATFORM": "platformsh"}, "upsun"),  # the former name
        ({"DJANGO_PLATFORM": "Qoddi", "DYNO": "web.1"}, "qoddi"),
    ],
)
def test_detection_traps(env: dict[str, str], expected: str) -> None:
    assert detect(env).platform.name == expected


def test_reasons() -> None:
    assert detect({"RENDER": "true"}).reason == "environment has RENDER=true"
    assert "DJANGO_PLATFORM=dokku" in detect({"DYNO": "web.1"}).reason
    assert detect({"DJANGO_PLATFORM": "Qoddi"}).reason == "DJANGO_PLATFORM=qoddi"
    assert "Scalingo's buildpack build" in detect(LIFECYCLES["scalingo"].build).reason


def test_heroku_ci_is_not_heroku() -> None:
    # Heroku CI's in-dyno databases have no TLS; requiring it there would break the test run.
    assert detect({"DYNO": "run.1", "CI": "true"}).platform.db_tls == {}


def test_unknown_platform_lists_valid_names() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        detect({"DJANGO_PLATFORM": "herokku"})
    message = str(info.value)
    assert "DJANGO_PLATFORM='herokku' is not a known platform" in message
    for name in BY_NAME:
        assert name in message
    with pytest.raises(ImproperlyConfigured, match=r"^--platform='flyy' is not a known platform \(did you mean 'fly'"):
        get_platform("flyy", variable="--platform")
    with pytest.raises(ImproperlyConfigured, match=r"^--platform='x' is not a known platform;"):
        get_platform("x", variable="--platform")
    with pytest.raises(ImproperlyConfigured, match=r"^--platform is not a known platform;"):
        get_platform("postgres://u:p@h/db", variable="--platform")


def test_the_registry_loads_every_module_of_the_package() -> None:
    """Adding a platform is adding its module: nothing else lists the built-in platforms."""
    folder = Path(platforms.__file__).parent
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "base"}
    rows = [p for m in sorted(modules) for p in importlib.import_module(f"django_platform.platforms.{m}").PLATFORMS]
    assert sorted(p.name for p in rows) == sorted(p.name for p in PLATFORMS)


def test_detection_order_follows_the_markers_whatever_the_modules_order() -> None:
    generic = Platform(name="g", label="G", markers=(Marker(all_of=("DYNO",)),))
    with_value = Platform(name="v", label="V", markers=(Marker(all_of=("DYNO=web",)),))
    either = Platform(name="e", label="E", markers=(Marker(all_of=("DYNO",), any_of=("GIT_REV", "X")),))
    narrower = Platform(name="n", label="N", markers=(Marker(all_of=("DYNO",), any_of=("GIT_REV",)),))
    other = Platform(name="o", label="O", markers=(Marker(all_of=("OTHER",)),))
    bare = Platform(name="b", label="B")
    dev = Platform(name="d", label="D", development=True)
    for given in (
        [dev, bare, generic, either, narrower, with_value, other],
        [other, with_value, narrower, either, generic, bare, dev],
    ):
        names = [p.name for p in platforms.detection_order(given)]
        assert names.index("v") < names.index("g")
        assert names.index("n") < names.index("e") < names.index("g")
        assert names[-2:] == ["b", "d"]
    # The built-in order: Heroku's DYNO after the platforms that set it with something more.
    names = [p.name for p in PLATFORMS]
    assert names.index("heroku-ci") < names.index("heroku") and names.index("dokku") < names.index("heroku")
    assert names[-3:] == ["digitalocean", "qoddi", "local"]


def test_local_is_last_and_the_only_development_profile() -> None:
    assert PLATFORMS[-1].name == "local"
    assert [p.name for p in PLATFORMS if p.development or not p.ephemeral_disk] == ["local"]


# --- platforms of the user's own ---------------------------------------------------------------

IN_HOUSE = Platform(
    name="acme",
    label="ACME PaaS",
    markers=(Marker(all_of=("ACME_APP",)),),
    router_tls=True,
    host_templates=("{ACME_APP}.apps.acme.example",),
    release_process="release",
)


@pytest.fixture
def registry() -> Iterator[None]:
    """Leave the registry as it was."""
    saved, by_name = list(PLATFORMS), dict(BY_NAME)
    yield
    sys.modules.pop("tests.plugin_platform", None)  # registers again when imported again
    PLATFORMS[:] = saved
    BY_NAME.clear()
    BY_NAME.update(by_name)


@pytest.mark.usefixtures("registry")
def test_register_a_platform_ahead_of_the_built_in_ones() -> None:
    platforms.register(IN_HOUSE)
    # Its marker wins over Heroku's DYNO, which its dynos might set too.
    detection = detect({"ACME_APP": "shop", "DYNO": "web.1"})
    assert detection.platform is IN_HOUSE
    with pytest.raises(ImproperlyConfigured, match="'acme' is taken"):
        platforms.register(IN_HOUSE)
    platforms.register(IN_HOUSE._replace(label="ACME 2"), replace=True)
    assert get_platform("acme").label == "ACME 2"
    assert [p.name for p in PLATFORMS].count("acme") == 1


@pytest.mark.usefixtures("registry")
def test_register_before_a_named_platform_and_refuse_a_taken_alias() -> None:
    platforms.register(IN_HOUSE, before="heroku")
    names = [p.name for p in PLATFORMS]
    assert names.index("dokku") < names.index("acme") < names.index("heroku")
    with pytest.raises(ImproperlyConfigured, match="'platformsh' is taken"):
        platforms.register(IN_HOUSE._replace(name="other", aliases=("platformsh",)))
    with pytest.raises(ImproperlyConfigured, match=r"takes a django_platform\.platforms\.Platform"):
        platforms.register({"name": "x"})  # type: ignore[arg-type]


@pytest.mark.usefixtures("registry")
def test_a_plugin_module_named_in_settings_configures_the_app() -> None:
    import django_platform

    settings: dict[str, Any] = {"DJANGO_PLATFORM_PLUGINS": ["tests.plugin_platform"], "DATABASES": {}}
    env = {"ACME_APP": "shop", "DJANGO_SECRET_KEY": SECRET}
    report = django_platform.configure(settings, env=env)
    assert report.platform == "acme"
    assert settings["ALLOWED_HOSTS"] == ["shop.apps.acme.example"]
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["DATABASES"]["default"]["NAME"] == "shop"  # from the plugin's own hook


@pytest.mark.usefixtures("registry")
def test_plugins_from_the_environment_and_bad_plugin_names() -> None:
    platforms.load_plugins("tests.plugin_platform, ")
    assert "acme" in BY_NAME
    with pytest.raises(ImproperlyConfigured, match=r"^settings\.DJANGO_PLATFORM_PLUGINS must be a list"):
        django_platform.configure({"DJANGO_PLATFORM_PLUGINS": 3}, env={})
    with pytest.raises(ImproperlyConfigured, match=r"^settings\.DJANGO_PLATFORM_PLUGINS must be a list"):
        django_platform.configure({"DJANGO_PLATFORM_PLUGINS": [None]}, env={})
    with pytest.raises(
        ImproperlyConfigured, match=r"^DJANGO_PLATFORM_PLUGINS: module 1 of 1 is not a dotted module path"
    ):
        platforms.load_plugins("not a module")
    with pytest.raises(
        ImproperlyConfigured,
        match=r"^settings\.DJANGO_PLATFORM_PLUGINS: module 2 of 2 was not found\.$",
    ):
        platforms.load_plugins(["tests.plugin_platform", "acme.nope"], source="settings.DJANGO_PLATFORM_PLUGINS")


@pytest.mark.usefixtures("registry")
def test_the_gunicorn_config_loads_plugins_from_the_environment() -> None:
    from django_platform.deploy import gunicorn as gunicorn_conf

    namespace: dict[str, Any] = {}
    env = {"DJANGO_PLATFORM_PLUGINS": "tests.plugin_platform", "PORT": "8123", "ACME_APP": "shop"}
    values = gunicorn_conf.apply(namespace, platform="acme", env=env)
    assert namespace["bind"] == values["bind"]
    assert values["forwarded_allow_ips"] == "*"  # the plugin's router terminates TLS


def test_platform_rows_are_values() -> None:
    marker = Marker(all_of=("A",), note="n")
    assert marker == Marker(all_of=("A",), note="n") != Marker(all_of=("B",))
    assert hash(marker) == hash(Marker(all_of=("A",), note="n"))
    assert repr(marker) == "Marker(all_of=('A',), any_of=())"
    heroku = BY_NAME["heroku"]
    assert repr(heroku) == "Heroku(name='heroku', label='Heroku')"
    assert repr(BY_NAME["upsun"].stores) == "(Store('PLATFORM_RELATIONSHIPS'), Store('PLATFORM_ROUTES'))"
    with pytest.raises(AttributeError, match="immutable"):
        heroku.router_tls = False
    with pytest.raises(TypeError, match=r"unknown fields \['router_tsl'\]"):
        Platform(name="x", label="X", router_tsl=True)  # type: ignore[call-arg]  # a plugin without mypy
    with pytest.raises(TypeError, match=r"lacks \['label'\]"):
        Platform(name="x")  # type: ignore[call-arg]  # a plugin without mypy


def test_the_typed_signature_lists_every_field() -> None:
    """mypy checks rows against Platform's TYPE_CHECKING __init__: it must list exactly FIELDS, each
    with its annotation's type (a field added without it would go unchecked)."""
    import ast
    import inspect

    from django_platform.platforms import base

    tree = ast.parse(inspect.getsource(base))
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Platform"]
    annotations = {
        n.target.id: ast.unparse(n.annotation)
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    [stub] = [
        f
        for n in cls.body
        if isinstance(n, ast.If)
        for f in n.body
        if isinstance(f, ast.FunctionDef) and f.name == "__init__"
    ]
    typed = {a.arg: ast.unparse(a.annotation) for a in stub.args.kwonlyargs if a.annotation is not None}
    assert typed == annotations
    assert list(typed) == list(base.FIELDS)
