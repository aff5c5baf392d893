"""ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS from the environment and the platform's host variables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.parsers.hosts import parse_hosts, split_list
from django_platform.platforms import Context
from django_platform.report import Report, Source

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
HOST_VARS = ("DJANGO_ALLOWED_HOSTS", "ALLOWED_HOSTS")
ORIGIN_VARS = ("DJANGO_CSRF_TRUSTED_ORIGINS", "CSRF_TRUSTED_ORIGINS")


def _merge(*groups: Iterable[str]) -> list[str]:
    merged: list[str] = []
    for group in groups:
        merged.extend(h for h in group if h not in merged)
    return merged


def origin(host: str) -> str:
    return "https://*" + host if host.startswith(".") else "https://" + host


def build_hosts(ctx: Context, current: Mapping[str, Any], debug: bool, report: Report) -> dict[str, list[str]]:
    env, platform = ctx.env, ctx.platform
    name = next((n for n in HOST_VARS if env.get(n, "").strip()), None)
    from_env = parse_hosts(name, env[name]) if name else []
    found = platform.hosts(ctx)
    from_platform = _merge([h for h, _ in found])
    platform_keys = [k.strip() for _, keys in found for k in keys.split(",")]
    existing = [str(h) for h in current.get("ALLOWED_HOSTS") or []]
    if "*" in existing and not platform.development and not platform.router_checks_host:
        # '*' only when the user puts it in the environment: this router does not check Host.
        existing.remove("*")
        report.note(
            "ALLOWED_HOSTS: '*' from settings.py dropped on a platform whose router does not check the Host "
            "header; put it in DJANGO_ALLOWED_HOSTS to allow it."
        )
    local = list(LOCAL_HOSTS) if platform.development else []
    hosts = _merge(from_env, from_platform, existing, local)
    sources = [
        s
        for s, group in (
            (name or "", from_env),
            ("platform host variables", from_platform),
            ("settings.py", existing),
            ("local names", local),
        )
        if group
    ]
    if not hosts and platform.router_checks_host:
        # The router only forwards requests for the app's own domains, and the platform may publish
        # no host name by default.
        hosts = ["*"]
        sources = [f"no host name known; {platform.label}'s router admits only the app's domains"]
    health = platform.health_hosts(ctx)
    if health and "*" not in hosts:
        # The platform's health checks send their own Host: without it a deploy never goes live.
        hosts = _merge(hosts, health)
        sources.append("health-check hosts")
    kind = "environment" if name or from_platform else ("settings.py" if existing else "default")
    report.record("ALLOWED_HOSTS", hosts, Source(kind, " + ".join(sources) or "none", [name or "", *platform_keys]))

    origin_var = next((n for n in ORIGIN_VARS if env.get(n, "").strip()), None)
    origins_env = split_list(origin_var, env[origin_var]) if origin_var else []
    for item in origins_env:
        if "://" not in item:
            raise ImproperlyConfigured(
                f"{origin_var} must list origins with their scheme, like https://app.example.com."
            )
    platform_origins = [origin(h) for h in _merge(from_env, from_platform) if h != "*"]
    # What the checks expect (they never read the environment again).
    report.platform_origins = [origin(h) for h in from_platform if h != "*"]
    origins = _merge(origins_env, platform_origins, [str(o) for o in current.get("CSRF_TRUSTED_ORIGINS") or []])
    text = "https origin per host" + (f" + {origin_var}" if origin_var else "")
    report.record("CSRF_TRUSTED_ORIGINS", origins, Source("default", text, [origin_var or ""]))
    return {"ALLOWED_HOSTS": hosts, "CSRF_TRUSTED_ORIGINS": origins}


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    return Changes(build_hosts(ctx, ns.as_mapping(), bool(ns.get("DEBUG")), report))


SETTINGS = (
    Setting(
        "ALLOWED_HOSTS",
        HOST_VARS,
        "merged: the variable (a comma list), the platform's host names (its page), `settings.py`'s list, the "
        "platform's health-check Host, and `localhost`, `127.0.0.1`, `[::1]` locally. Where the router only "
        "forwards the app's own domains (Heroku), `settings.py`'s `'*'` is kept, and `'*'` is used when no host "
        "name is known (the report says why); elsewhere `'*'` from `settings.py` is dropped, and only the "
        "variable can give it",
    ),
    Setting(
        "CSRF_TRUSTED_ORIGINS",
        ORIGIN_VARS,
        "an `https://` origin per host above (`.example.com` gives `https://*.example.com`), plus the variable "
        "and `settings.py`'s",
    ),
)
