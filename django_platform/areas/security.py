"""SECRET_KEY, DEBUG, and the HTTPS settings for an app behind a TLS-terminating router."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting, choose
from django_platform.parsers.env import get_bool, get_int
from django_platform.platforms import Context, Platform
from django_platform.report import Report, Source

SECRET_KEY_VARS = ("DJANGO_SECRET_KEY", "SECRET_KEY")
DEBUG_VARS = ("DJANGO_DEBUG", "DEBUG")
# Keys made by `startproject` and other placeholders: never acceptable on a platform.
INSECURE_PREFIX = "django-insecure-"

# A short max-age: a mistaken HSTS header then only binds browsers for an hour.
HSTS_SECONDS = 3600


def first_set(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if env.get(n, "").strip()), None)


def resolve_debug(env: Mapping[str, str], platform: Platform, current: Any, report: Report) -> bool:
    """DEBUG from DJANGO_DEBUG/DEBUG; off by default on a platform whatever settings.py says."""
    name = first_set(env, DEBUG_VARS)
    if name:
        value = get_bool(env, name)
        report.record("DEBUG", value, name)
        return bool(value)
    if platform.development:
        report.record("DEBUG", bool(current), "settings.py")
        return bool(current)
    report.record("DEBUG", False, f"platform default ({platform.name})")
    return False


def resolve_secret_key(ctx: Context, current: Any, debug: bool, report: Report) -> Any:
    env, platform = ctx.env, ctx.platform
    name = first_set(env, SECRET_KEY_VARS)
    if name:
        report.record("SECRET_KEY", env[name], name)
        return env[name]
    provided = platform.secret_key(ctx)
    if provided:
        report.record("SECRET_KEY", provided[0], provided[1])
        return provided[0]
    usable = isinstance(current, str) and current and not current.startswith(INSECURE_PREFIX)
    if platform.development or debug or usable:
        report.record("SECRET_KEY", current, "settings.py")
        return current
    # A random per-process key would log users out across workers and on every restart.
    raise ImproperlyConfigured(
        f"No secret key on {platform.label}: set DJANGO_SECRET_KEY in the platform's environment "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )


FALLBACK_VARS = ("DJANGO_SECRET_KEY_FALLBACKS", "SECRET_KEY_FALLBACKS")


def weak_key(key: str) -> str | None:
    """Why Django's deployment check would call `key` weak (its own rule), or None."""
    if key.startswith(INSECURE_PREFIX):
        return "a startproject key"
    if len(key) < 50 or len(set(key)) < 5:
        return "shorter than 50 characters or fewer than 5 distinct ones"
    return None


def resolve_fallbacks(ctx: Context, current: Mapping[str, Any], debug: bool, report: Report) -> list[str] | None:
    """SECRET_KEY_FALLBACKS from a comma-separated variable (rotating the key: the old one stays a
    fallback until sessions and signed links made with it have expired), else settings.py's."""
    name = first_set(ctx.env, FALLBACK_VARS)
    keys = [k.strip() for k in ctx.env[name].split(",") if k.strip()] if name else []
    if name and not ctx.platform.development and not debug:
        for position, key in enumerate(keys, 1):
            why = weak_key(key)
            if why:
                # Named by position: the value is a secret.
                raise ImproperlyConfigured(f"{name}: key {position} of {len(keys)} is weak ({why}).")
    changed, value = choose("SECRET_KEY_FALLBACKS", current, report, env=(keys, name) if name else None)
    return value if changed else None


# setting -> (environment variable, value behind a TLS-terminating router)
HTTPS_SETTINGS: Mapping[str, tuple[str, Any]] = {
    "SECURE_SSL_REDIRECT": ("DJANGO_SECURE_SSL_REDIRECT", True),
    "SESSION_COOKIE_SECURE": ("DJANGO_SESSION_COOKIE_SECURE", True),
    "CSRF_COOKIE_SECURE": ("DJANGO_CSRF_COOKIE_SECURE", True),
    "SECURE_HSTS_SECONDS": ("DJANGO_SECURE_HSTS_SECONDS", HSTS_SECONDS),
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": ("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
    "SECURE_HSTS_PRELOAD": ("DJANGO_SECURE_HSTS_PRELOAD", False),
}
# Django's own defaults since 3.x, written out so the report shows them.
HEADER_SETTINGS: Mapping[str, Any] = {
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
}
PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def https_settings(
    env: Mapping[str, str], platform: Platform, current: Mapping[str, Any], report: Report
) -> dict[str, Any]:
    """The HTTPS settings to apply: on behind the router, off locally; settings.py's own values
    (`current` holds only what settings.py wrote) are kept; the environment overrides both."""
    result: dict[str, Any] = {}
    behind_router = platform.router_tls
    proxy = get_bool(env, "DJANGO_SECURE_PROXY_SSL_HEADER")
    routed = (PROXY_HEADER, f"platform default ({platform.name}: router terminates TLS)")
    changed, value = choose(
        "SECURE_PROXY_SSL_HEADER",
        current,
        report,
        env=None if proxy is None else (PROXY_HEADER if proxy else None, "DJANGO_SECURE_PROXY_SSL_HEADER"),
        default=routed if behind_router else None,
    )
    if changed:
        result["SECURE_PROXY_SSL_HEADER"] = value
    for setting, (variable, on_value) in HTTPS_SETTINGS.items():
        found: Any = get_int(env, variable) if setting == "SECURE_HSTS_SECONDS" else get_bool(env, variable)
        changed, value = choose(
            setting,
            current,
            report,
            env=None if found is None else (found, variable),
            default=(on_value, f"platform default ({platform.name})") if behind_router else None,
        )
        if changed:
            result[setting] = value
    for setting, value in HEADER_SETTINGS.items():
        if setting not in current:
            result[setting] = value
            report.record(setting, value, "Django default, made explicit")
    return result


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    debug = resolve_debug(ctx.env, ctx.platform, ns.get("DEBUG", False), report)
    values: dict[str, Any] = {"DEBUG": debug}
    values["SECRET_KEY"] = resolve_secret_key(ctx, ns.get("SECRET_KEY"), debug, report)
    fallbacks = resolve_fallbacks(ctx, ns.written_by_user(), debug, report)
    if fallbacks is not None:
        values["SECRET_KEY_FALLBACKS"] = fallbacks
    values.update(https_settings(ctx.env, ctx.platform, ns.written_by_user(), report))
    # The values in force, whether settings.py or the platform's default supplied them.
    in_force = {**ns.as_mapping(), **values}
    if in_force.get("SECURE_HSTS_SECONDS") and not in_force.get("SECURE_HSTS_PRELOAD"):
        # Preloading is a separate, hard-to-undo commitment (hstspreload.org); not a default.
        silenced = list(ns.get("SILENCED_SYSTEM_CHECKS") or [])
        if "security.W021" not in silenced:
            silenced.append("security.W021")
            values["SILENCED_SYSTEM_CHECKS"] = silenced
        report.record(
            "SILENCED_SYSTEM_CHECKS",
            silenced,
            Source("default", "security.W021 (HSTS preload) is opt-in: DJANGO_SECURE_HSTS_PRELOAD=true"),
        )
    return Changes(values)


SETTINGS = (
    Setting(
        "SECRET_KEY",
        SECRET_KEY_VARS,
        "`settings.py`'s (Upsun: derived from `PLATFORM_PROJECT_ENTROPY`). On a platform with DEBUG off, a "
        "missing key or a `startproject` key (`django-insecure-…`) is an `ImproperlyConfigured` error: a random "
        "per-process key would log users out on every restart and across workers",
    ),
    Setting(
        "SECRET_KEY_FALLBACKS",
        FALLBACK_VARS,
        "`settings.py`'s. Comma-separated: rotate the key by moving the old one here and setting a new "
        "`DJANGO_SECRET_KEY`; on a platform, a weak fallback (Django's own rule) is an error naming its position; "
        "masked everywhere like the key",
    ),
    Setting("DEBUG", DEBUG_VARS, "off on a platform (whatever `settings.py` says); `settings.py`'s locally"),
    Setting(
        "SECURE_PROXY_SSL_HEADER",
        ("DJANGO_SECURE_PROXY_SSL_HEADER",),
        '`settings.py`\'s if it sets one, else `("HTTP_X_FORWARDED_PROTO", "https")` behind the router; unset locally',
    ),
    Setting(
        "SECURE_SSL_REDIRECT",
        ("DJANGO_SECURE_SSL_REDIRECT",),
        "`settings.py`'s; else on behind the router, off locally so `runserver` works over HTTP",
    ),
    Setting("SESSION_COOKIE_SECURE", ("DJANGO_SESSION_COOKIE_SECURE",), "`settings.py`'s; else on behind the router"),
    Setting("CSRF_COOKIE_SECURE", ("DJANGO_CSRF_COOKIE_SECURE",), "`settings.py`'s; else on behind the router"),
    Setting(
        "SECURE_HSTS_SECONDS",
        ("DJANGO_SECURE_HSTS_SECONDS",),
        f"`settings.py`'s; else {HSTS_SECONDS} behind the router: short, so a mistake binds browsers for an hour "
        "only; raise it once HTTPS is settled",
    ),
    Setting(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        ("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",),
        "`settings.py`'s; else on behind the router",
    ),
    Setting(
        "SECURE_HSTS_PRELOAD",
        ("DJANGO_SECURE_HSTS_PRELOAD",),
        "`settings.py`'s; else off: preloading is a separate commitment, so `security.W021` is added to "
        "`SILENCED_SYSTEM_CHECKS` while it is off",
    ),
    Setting(
        "SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY, SECURE_CROSS_ORIGIN_OPENER_POLICY",
        (),
        "Django's defaults (`True`, `same-origin`, `same-origin`) written out, unless `settings.py` sets them",
    ),
)
