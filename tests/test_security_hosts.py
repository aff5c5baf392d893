from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_platform
from django_platform.areas.hosts import build_hosts
from django_platform.areas.security import HSTS_SECONDS, PROXY_HEADER, https_settings
from django_platform.platforms import BY_NAME, Context
from django_platform.report import MASK, Report

KEY = "k" * 50


def run(env: dict[str, str], **settings: Any) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"SECRET_KEY": "django-insecure-from-startproject", "DEBUG": True, **settings}
    report = django_platform.configure(ns, env=env, exclude={"databases", "logging"})
    return ns, report


# --- DEBUG and SECRET_KEY ---------------------------------------------------------------------


def test_debug_off_by_default_on_a_platform_even_if_settings_py_says_on() -> None:
    ns, report = run({"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY})
    assert ns["DEBUG"] is False
    assert report.source("DEBUG") == "platform default (heroku)"


def test_debug_kept_locally_and_parsed_strictly_from_env() -> None:
    assert run({})[0]["DEBUG"] is True
    assert run({"DJANGO_DEBUG": "off"})[0]["DEBUG"] is False
    assert run({"DEBUG": "YES", "DYNO": "web.1"})[0]["DEBUG"] is True
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_DEBUG must be one of true/false"):
        run({"DJANGO_DEBUG": "maybe"})


def test_secret_key_from_env_is_masked_in_the_report() -> None:
    ns, report = run({"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY})
    assert ns["SECRET_KEY"] == KEY
    entry = report.get("SECRET_KEY")
    assert entry is not None and entry.value == MASK and entry.source == "DJANGO_SECRET_KEY"


def test_secret_key_alternative_variable_and_platformsh_entropy() -> None:
    assert run({"DYNO": "web.1", "SECRET_KEY": KEY})[0]["SECRET_KEY"] == KEY
    ns, report = run({"PLATFORM_APPLICATION_NAME": "app", "PLATFORM_PROJECT_ENTROPY": "entropy" * 8})
    assert ns["SECRET_KEY"] == "entropy" * 8
    assert report.source("SECRET_KEY") == "PLATFORM_PROJECT_ENTROPY"


def test_platform_without_key_is_an_error_not_a_random_key() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        run({"DYNO": "web.1"})
    assert str(info.value).startswith("No secret key on Heroku: set DJANGO_SECRET_KEY")
    assert "django-insecure-from-startproject" not in str(info.value)


def test_settings_py_key_is_used_on_a_platform_when_it_is_not_a_startproject_key() -> None:
    ns, report = run({"DYNO": "web.1"}, SECRET_KEY=KEY)
    assert ns["SECRET_KEY"] == KEY and report.source("SECRET_KEY") == "settings.py"


def test_local_keeps_the_settings_py_key() -> None:
    assert run({})[0]["SECRET_KEY"] == "django-insecure-from-startproject"


OLD_KEYS = ["o1-" + "Qw8e" * 13, "o2-" + "Zx5c" * 13]


def test_key_rotation_with_fallbacks_from_the_environment_masked_everywhere() -> None:
    from django.core.checks.security.base import check_secret_key_fallbacks
    from django.test import RequestFactory, override_settings
    from django.views.debug import ExceptionReporter

    env = {"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY, "DJANGO_SECRET_KEY_FALLBACKS": f" {OLD_KEYS[0]}, {OLD_KEYS[1]} ,"}
    ns, report = run(env)
    assert ns["SECRET_KEY_FALLBACKS"] == OLD_KEYS
    shown = json.dumps(report.as_dict(), default=str)
    assert report.source("SECRET_KEY_FALLBACKS") == "DJANGO_SECRET_KEY_FALLBACKS"
    assert all(key not in shown for key in OLD_KEYS)
    with override_settings(SECRET_KEY=KEY, SECRET_KEY_FALLBACKS=ns["SECRET_KEY_FALLBACKS"]):
        assert check_secret_key_fallbacks(None) == []  # Django's own deployment check passes
        reporter = ExceptionReporter(RequestFactory().get("/"), ValueError, ValueError("boom"), None)
        page = reporter.get_traceback_html()
    assert all(key not in page for key in OLD_KEYS)


def test_a_weak_fallback_on_a_platform_is_named_by_position_only() -> None:
    env = {"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY, "SECRET_KEY_FALLBACKS": f"{OLD_KEYS[0]},django-insecure-x"}
    with pytest.raises(
        ImproperlyConfigured, match=r"^SECRET_KEY_FALLBACKS: key 2 of 2 is weak \(a startproject key\)\.$"
    ):
        run(env)
    # Locally anything goes; without the variable, settings.py's list stays.
    assert run({"SECRET_KEY_FALLBACKS": "short"})[0]["SECRET_KEY_FALLBACKS"] == ["short"]
    ns, report = run({"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY}, SECRET_KEY_FALLBACKS=OLD_KEYS)
    assert ns["SECRET_KEY_FALLBACKS"] == OLD_KEYS and report.source("SECRET_KEY_FALLBACKS") == "settings.py"


# --- HTTPS behind the router ----------------------------------------------------------------


@pytest.mark.parametrize("name", [p.name for p in BY_NAME.values() if p.router_tls])
def test_https_settings_on_platforms_whose_router_terminates_tls(name: str) -> None:
    result = https_settings({}, BY_NAME[name], {}, Report(name, ""))
    assert result["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert result["SECURE_SSL_REDIRECT"] is True
    assert result["SESSION_COOKIE_SECURE"] is True and result["CSRF_COOKIE_SECURE"] is True
    assert result["SECURE_HSTS_SECONDS"] == HSTS_SECONDS
    assert result["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert result["SECURE_HSTS_PRELOAD"] is False


def test_https_off_locally_so_runserver_works_over_http() -> None:
    result = https_settings({}, BY_NAME["local"], {}, Report("local", ""))
    assert "SECURE_SSL_REDIRECT" not in result and "SECURE_PROXY_SSL_HEADER" not in result
    assert result["SECURE_CONTENT_TYPE_NOSNIFF"] is True


def test_https_overrides_from_env() -> None:
    env = {
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "off",
    }
    report = Report("heroku", "")
    result = https_settings(env, BY_NAME["heroku"], {"SECURE_REFERRER_POLICY": "no-referrer"}, report)
    assert result["SECURE_SSL_REDIRECT"] is False
    assert result["SECURE_HSTS_SECONDS"] == 31536000
    assert result["SECURE_HSTS_PRELOAD"] is True
    assert result["SECURE_PROXY_SSL_HEADER"] is None
    assert "SECURE_REFERRER_POLICY" not in result  # settings.py's stays
    assert report.source("SECURE_HSTS_SECONDS") == "DJANGO_SECURE_HSTS_SECONDS"
    local = https_settings({"DJANGO_SECURE_PROXY_SSL_HEADER": "on"}, BY_NAME["local"], {}, Report("local", ""))
    assert local["SECURE_PROXY_SSL_HEADER"] == PROXY_HEADER
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_SECURE_HSTS_SECONDS must be a whole number"):
        https_settings({"DJANGO_SECURE_HSTS_SECONDS": "1y"}, BY_NAME["heroku"], {}, Report("heroku", ""))


def test_hsts_preload_warning_silenced_only_while_preload_is_off() -> None:
    ns, _ = run({"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY}, SILENCED_SYSTEM_CHECKS=["x.W001"])
    assert ns["SILENCED_SYSTEM_CHECKS"] == ["x.W001", "security.W021"]
    ns, _ = run({"DYNO": "web.1", "DJANGO_SECRET_KEY": KEY, "DJANGO_SECURE_HSTS_PRELOAD": "1"})
    assert "SILENCED_SYSTEM_CHECKS" not in ns


# --- ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS --------------------------------------------------


def hosts(env: dict[str, str], platform: str, **current: Any) -> dict[str, list[str]]:
    return build_hosts(Context(env, BY_NAME[platform]), current, False, Report(platform, ""))


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        (
            "heroku",
            {"HEROKU_APP_DEFAULT_DOMAIN_NAME": "app-1a2b.herokuapp.com", "HEROKU_APP_NAME": "app"},
            ["app-1a2b.herokuapp.com", "app.herokuapp.com"],
        ),
        ("render", {"RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"}, ["app.onrender.com"]),
        ("fly", {"FLY_APP_NAME": "App"}, ["app.fly.dev"]),
        ("railway", {"RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app"}, ["app.up.railway.app", "healthcheck.railway.app"]),
        # Both subdomains: cloudcontrolapp.com is the one that carries websockets.
        ("cloudcontrol", {"DEP_NAME": "shop/default"}, ["shop.cloudcontrolled.com", "shop.cloudcontrolapp.com"]),
        (
            "cloudcontrol",
            {"DEP_NAME": "shop/staging"},
            [
                "shop.cloudcontrolled.com",
                "staging-shop.cloudcontrolled.com",
                "shop.cloudcontrolapp.com",
                "staging-shop.cloudcontrolapp.com",
            ],
        ),
        ("qoddi", {}, []),
        ("local", {}, ["localhost", "127.0.0.1", "[::1]"]),
    ],
)
def test_platform_host_names(platform: str, env: dict[str, str], expected: list[str]) -> None:
    result = hosts(env, platform)
    assert result["ALLOWED_HOSTS"] == expected
    public = [h for h in expected if h != "healthcheck.railway.app"]  # a probe's Host, not an origin
    assert result["CSRF_TRUSTED_ORIGINS"] == ([] if platform == "local" else [f"https://{h}" for h in public])


def test_upsun_routes() -> None:
    routes = {
        "https://www.example.com/": {"type": "upstream", "upstream": "app:http"},
        "https://example.com/": {"type": "redirect", "to": "https://www.example.com/"},
        "https://api.example.com/": {"type": "upstream"},
    }
    env = {"PLATFORM_ROUTES": base64.b64encode(json.dumps(routes).encode()).decode()}
    assert hosts(env, "upsun")["ALLOWED_HOSTS"] == ["www.example.com", "api.example.com"]
    with pytest.raises(ImproperlyConfigured, match=r"^PLATFORM_ROUTES must decode to a JSON object"):
        hosts({"PLATFORM_ROUTES": base64.b64encode(b"[]").decode()}, "upsun")


def test_env_hosts_merge_with_platform_and_settings() -> None:
    result = hosts(
        {
            "DJANGO_ALLOWED_HOSTS": "example.com, .example.org",
            "RENDER_EXTERNAL_HOSTNAME": "a.onrender.com",
            "CSRF_TRUSTED_ORIGINS": "https://partner.example.net",
        },
        "render",
        ALLOWED_HOSTS=["legacy.example.com"],
        CSRF_TRUSTED_ORIGINS=["https://old.example.com"],
    )
    assert result["ALLOWED_HOSTS"] == ["example.com", ".example.org", "a.onrender.com", "legacy.example.com"]
    assert result["CSRF_TRUSTED_ORIGINS"] == [
        "https://partner.example.net",
        "https://example.com",
        "https://*.example.org",
        "https://a.onrender.com",
        "https://old.example.com",
    ]


def test_star_only_from_the_environment() -> None:
    report = Report("render", "")
    result = build_hosts(Context({}, BY_NAME["render"]), {"ALLOWED_HOSTS": ["*"]}, False, report)
    assert result["ALLOWED_HOSTS"] == []
    assert "dropped" in report.notes[0]
    assert hosts({"ALLOWED_HOSTS": "*"}, "render")["ALLOWED_HOSTS"] == ["*"]
    assert hosts({}, "local", ALLOWED_HOSTS=["*"])["ALLOWED_HOSTS"][0] == "*"


@pytest.mark.parametrize("value", ["https://example.com", "exa mple.com", "example.com/path"])
def test_bad_host_lists(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_ALLOWED_HOSTS must be a comma-separated list"):
        hosts({"DJANGO_ALLOWED_HOSTS": value}, "render")


def test_bad_origins() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^CSRF_TRUSTED_ORIGINS must list origins with their scheme"):
        hosts({"CSRF_TRUSTED_ORIGINS": "example.com"}, "render")
