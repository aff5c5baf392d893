"""ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS from the environment and the platform's host variables."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt
from django_platform.platforms import Platform
from django_platform.report import Report

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
HOST_VARS = ("DJANGO_ALLOWED_HOSTS", "ALLOWED_HOSTS")
ORIGIN_VARS = ("DJANGO_CSRF_TRUSTED_ORIGINS", "CSRF_TRUSTED_ORIGINS")
_HOST_CHARS = frozenset(string.ascii_letters + string.digits + ".-:[]*_")


def split_list(variable: str, value: str) -> list[str]:
    """A comma-separated list; empty items are dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_hosts(variable: str, value: str) -> list[str]:
    hosts = split_list(variable, value)
    for host in hosts:
        if not set(host) <= _HOST_CHARS or "://" in host:
            raise ImproperlyConfigured(
                f"{variable} must be a comma-separated list of host names (like app.example.com or "
                ".example.com), without scheme or path."
            )
    return hosts


def template_hosts(env: Mapping[str, str], templates: Iterable[str]) -> list[tuple[str, str]]:
    """(host, variables) for each template whose variables are all set."""
    values = dict(env)
    # cloudControl's DEP_NAME is "APP/DEP"; its host names are APP.… and DEP-APP.…
    app, _, dep = env.get("DEP_NAME", "").partition("/")
    if app:
        values["CC_APP"] = app
        if dep and dep != "default":
            values["CC_DEP"] = dep
    found = []
    for template in templates:
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        if all(values.get(n, "").strip() for n in names):
            found.append((template.format(**{n: values[n].strip() for n in names}).lower(), ", ".join(names)))
    return found


def _hostname(url: object) -> str | None:
    from urllib.parse import urlsplit

    return urlsplit(str(url)).hostname


def platformsh_hosts(env: Mapping[str, str]) -> list[str]:
    value = env.get("PLATFORM_ROUTES", "").strip()
    if not value:
        return []
    from django_platform.credentials import decode_platformsh

    routes = decode_platformsh("PLATFORM_ROUTES", value)
    if not isinstance(routes, dict):
        raise ImproperlyConfigured("PLATFORM_ROUTES must decode to a JSON object of routes.")
    hosts = []
    for url, route in routes.items():
        if isinstance(route, dict) and route.get("type") == "upstream":
            host = attempt(partial(_hostname, url), ValueError)
            if isinstance(host, Failed) or (host and not set(host) <= _HOST_CHARS):
                # Named by position only: a route URL is not ours to print.
                raise ImproperlyConfigured("PLATFORM_ROUTES has an upstream route whose URL has no valid host name.")
            if host:
                hosts.append(host)
    return hosts


def _merge(*groups: Iterable[str]) -> list[str]:
    merged: list[str] = []
    for group in groups:
        merged.extend(h for h in group if h not in merged)
    return merged


def origin(host: str) -> str:
    return "https://*" + host if host.startswith(".") else "https://" + host


def build_hosts(
    env: Mapping[str, str], platform: Platform, current: Mapping[str, Any], debug: bool, report: Report
) -> dict[str, list[str]]:
    name = next((n for n in HOST_VARS if env.get(n, "").strip()), None)
    from_env = parse_hosts(name, env[name]) if name else []
    from_platform = [h for h, _ in template_hosts(env, platform.host_templates)]
    if "platformsh" in platform.stores:
        from_platform += platformsh_hosts(env)
    existing = [str(h) for h in current.get("ALLOWED_HOSTS") or []]
    if "*" in existing and not platform.is_local and not platform.router_checks_host:
        # '*' only when the user puts it in the environment: this router does not check Host.
        existing.remove("*")
        report.note(
            "ALLOWED_HOSTS: '*' from settings.py dropped on a platform whose router does not check the Host "
            "header; put it in DJANGO_ALLOWED_HOSTS to allow it."
        )
    local = list(LOCAL_HOSTS) if platform.is_local else []
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
        # The router only forwards requests for the app's own domains (Heroku's sample uses '*' for
        # that reason); a default app publishes no host name (dyno metadata is opt-in).
        hosts = ["*"]
        sources = [f"no host name known; {platform.label}'s router admits only the app's domains"]
    health = [h for h, _ in template_hosts(env, platform.health_check_hosts)]
    if health and "*" not in hosts:
        # The platform's health checks send their own Host: without it a deploy never goes live.
        hosts = _merge(hosts, health)
        sources.append("health-check hosts")
    report.record("ALLOWED_HOSTS", hosts, " + ".join(sources) or "none")

    origin_var = next((n for n in ORIGIN_VARS if env.get(n, "").strip()), None)
    origins_env = split_list(origin_var, env[origin_var]) if origin_var else []
    for item in origins_env:
        if "://" not in item:
            raise ImproperlyConfigured(
                f"{origin_var} must list origins with their scheme, like https://app.example.com."
            )
    platform_origins = [origin(h) for h in _merge(from_env, from_platform) if h != "*"]
    origins = _merge(origins_env, platform_origins, [str(o) for o in current.get("CSRF_TRUSTED_ORIGINS") or []])
    report.record("CSRF_TRUSTED_ORIGINS", origins, "https origin per host" + (f" + {origin_var}" if origin_var else ""))
    return {"ALLOWED_HOSTS": hosts, "CSRF_TRUSTED_ORIGINS": origins}
