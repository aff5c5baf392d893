"""Upsun, formerly Platform.sh (`platformsh` stays a name for it): both keep the PLATFORM_ prefix.

Run time: PLATFORM_RELATIONSHIPS and PLATFORM_ROUTES (base64 JSON), and per relationship the
service variables <REL>_URL (scheme pgsql://), <REL>_HOST, ... The build has neither.
Public sources: the row's `sources`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt
from django_platform.parsers.bounded_json import load_json
from django_platform.parsers.dbfields import FieldSpec, from_fields
from django_platform.parsers.dburl import parse_database_url
from django_platform.parsers.env import parse_int
from django_platform.parsers.mail import SMTP, Mail
from django_platform.platforms.base import MYSQL, PG, Context, Found, Marker, Platform, Store
from django_platform.report import Source

# Relationship schemes of SQL services (PostgreSQL's is pgsql).
ENGINES = {
    "pgsql": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
}
_HOST_CHARS = re.compile(r"^[A-Za-z0-9.\-:\[\]_]+$")


def decode(variable: str, value: str) -> Any:
    """PLATFORM_* variables are base64-encoded JSON."""

    raw = attempt(lambda: base64.b64decode(value.strip(), validate=True), binascii.Error, ValueError)
    if isinstance(raw, Failed):
        raise ImproperlyConfigured(f"{variable} is not valid base64.")
    return load_json(raw, source=f"{variable} (base64-decoded)")


def relationship_databases(data: Any) -> list[Found]:
    """Database relationships from decoded PLATFORM_RELATIONSHIPS; one named "database" is the default."""

    if not isinstance(data, dict):
        raise ImproperlyConfigured("PLATFORM_RELATIONSHIPS must decode to a JSON object.")
    databases: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(data, key=lambda n: (n != "database", n)):
        endpoints = data[name]
        if not isinstance(endpoints, list) or not endpoints or not isinstance(endpoints[0], dict):
            raise ImproperlyConfigured(f"PLATFORM_RELATIONSHIPS: {name!r} must be a list of objects.")
        scheme = endpoints[0].get("scheme")
        if isinstance(scheme, str) and scheme in ENGINES:
            databases.append((str(name), endpoints[0]))
    found: list[Found] = []
    for name, ep in databases:
        text = f"PLATFORM_RELATIONSHIPS {name}"
        source = text
        missing = [k for k in ("host", "path", "username") if not ep.get(k)]
        if missing:
            raise ImproperlyConfigured(f"{source} is missing {', '.join(missing)}.")
        odd = [k for k in ("host", "path", "username", "password", "port") if isinstance(ep.get(k), (dict, list))]
        if odd:
            raise ImproperlyConfigured(f"{source}: {', '.join(odd)} must be a string or a number.")
        port = ep.get("port") or ""
        entry = {
            "ENGINE": ENGINES[ep["scheme"]],
            "NAME": str(ep["path"]),
            "HOST": str(ep["host"]),
            "PORT": parse_int(f"{source} port", str(port), minimum=1, maximum=65535) if port else "",
            "USER": str(ep["username"]),
            "PASSWORD": str(ep.get("password") or ""),
        }
        found.append(("default" if not found else name, entry, _store(text)))
    return found


def relationship_url(name: str, entry: Mapping[str, Any]) -> str:
    """A broker URL from a redis or rabbitmq relationship (Upsun's RabbitMQ scheme is amqp)."""

    host = str(entry.get("host", "")).strip()
    if not host:
        raise ImproperlyConfigured(f"PLATFORM_RELATIONSHIPS: {name!r} has no host.")
    # Upsun's Valkey service speaks Redis's protocol: redis-py reads it as redis://.
    scheme = "redis" if str(entry.get("scheme")).lower() in ("redis", "valkey") else "amqp"
    port = (
        parse_int(f"PLATFORM_RELATIONSHIPS {name} port", str(entry.get("port") or ""), minimum=1, maximum=65535)
        if entry.get("port")
        else None
    )
    user, password = str(entry.get("username") or ""), str(entry.get("password") or "")
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user or password else ""
    return f"{scheme}://{auth}{host}{f':{port}' if port else ''}/"


def _store(text: str) -> Source:
    return Source("store", text, ["PLATFORM_RELATIONSHIPS"])


def service_databases(env: Mapping[str, str]) -> list[Found]:
    """Databases from the service variables (<REL>_SCHEME, then <REL>_URL or <REL>_HOST, _PORT,
    _PATH, _USERNAME, _PASSWORD), for when PLATFORM_RELATIONSHIPS is absent; the relationship
    named "database" is the default. The docs disagree on whether <REL>_URL exists: both are read."""

    relationships = sorted(
        (
            name[: -len("_SCHEME")]
            for name, value in env.items()
            if name.endswith("_SCHEME") and value.strip() in ENGINES
        ),
        key=lambda rel: (rel != "DATABASE", rel),
    )
    found: list[Found] = []
    for rel in relationships:
        scheme = env[f"{rel}_SCHEME"].strip()
        if env.get(f"{rel}_URL", "").strip():
            source = f"{rel}_URL"
            entry = parse_database_url(env[source], variable=source)
        else:
            source = f"{rel}_HOST/_PORT/_PATH/_USERNAME/_PASSWORD"
            family = "mysql" if scheme == "mysql" else "postgresql"
            spec = FieldSpec(
                family, f"{rel}_PATH", f"{rel}_HOST", (f"{rel}_USERNAME",), f"{rel}_PASSWORD", f"{rel}_PORT",
                3306 if family == "mysql" else 5432,
            )  # fmt: skip
            entry = from_fields(env, spec, source=source)
        keys = [f"{rel}_{part}" for part in ("SCHEME", "URL", "HOST", "PORT", "PATH", "USERNAME", "PASSWORD")]
        origin = Source("environment", source, [k for k in keys if env.get(k, "").strip()])
        found.append(("default" if not found else rel.lower(), entry, origin))
    return found


def _hostname(url: object) -> str | None:
    return urlsplit(str(url)).hostname


def route_hosts(routes: Any) -> list[str]:
    """The host names of the upstream routes in decoded PLATFORM_ROUTES."""
    if not isinstance(routes, dict):
        raise ImproperlyConfigured("PLATFORM_ROUTES must decode to a JSON object of routes.")
    hosts = []
    for url, route in routes.items():
        if isinstance(route, dict) and route.get("type") == "upstream":
            host = attempt(partial(_hostname, url), ValueError)
            if isinstance(host, Failed) or (host and not _HOST_CHARS.match(host)):
                # Named by position only: a route URL is not ours to print.
                raise ImproperlyConfigured("PLATFORM_ROUTES has an upstream route whose URL has no valid host name.")
            if host and host not in hosts:
                hosts.append(host)
    return hosts


# Base64-encoded JSON: the services' credentials, and the routes (no secrets in them).
RELATIONSHIPS = Store("PLATFORM_RELATIONSHIPS", partial(decode, "PLATFORM_RELATIONSHIPS"))
ROUTES = Store("PLATFORM_ROUTES", partial(decode, "PLATFORM_ROUTES"), secret=False)


class Upsun(Platform):
    def databases(self, ctx: Context) -> list[Found]:
        relationships = ctx.load(RELATIONSHIPS)
        if relationships is not None:
            return relationship_databases(relationships)
        return service_databases(ctx.env)

    def mail(self, ctx: Context) -> Mail | None:
        # Empty when outgoing mail is disabled for the environment.
        host = ctx.value("PLATFORM_SMTP_HOST")
        return Mail(SMTP, "PLATFORM_SMTP_HOST", host, 25, keys=("PLATFORM_SMTP_HOST",)) if host else None

    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        routes = ctx.load(ROUTES)
        return [] if routes is None else [(h, "PLATFORM_ROUTES") for h in route_hosts(routes)]

    def secret_key(self, ctx: Context) -> tuple[str, str] | None:
        # Every project has a stable random value for exactly this purpose.
        entropy = ctx.value("PLATFORM_PROJECT_ENTROPY")
        return (entropy, "PLATFORM_PROJECT_ENTROPY") if entropy else None

    def redis(self, ctx: Context) -> tuple[str, Source] | None:
        # The first relationship to a Redis (or Valkey, which Upsun offers under its own scheme) service.
        for name, entries in (ctx.load(RELATIONSHIPS) or {}).items():
            entry = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
            if str(entry.get("scheme", "")).lower() in ("redis", "valkey"):
                return relationship_url(name, entry), _store(f"PLATFORM_RELATIONSHIPS {name}")
        return None

    def broker(self, ctx: Context) -> tuple[str, Source] | None:
        # <REL>_URL of a relationship named redis or rabbitmq first (the generic names), then the
        # first relationship with such a scheme.
        found = super().broker(ctx)
        relationships = None if found else ctx.load(RELATIONSHIPS)
        for name, entries in (relationships or {}).items():
            entry = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
            scheme = str(entry.get("scheme", "")).lower()
            if scheme in ("redis", "valkey", "amqp", "rabbitmq"):
                return relationship_url(name, entry), _store(f"PLATFORM_RELATIONSHIPS {name}")
        return found


UPSUN = Upsun(
    name="upsun",
    one_off="`upsun ssh -- {command}`",
    release_variables=("PLATFORM_TREE_ID",),
    label="Upsun",
    aliases=("platformsh",),
    markers=(Marker(all_of=("PLATFORM_APPLICATION_NAME",)),),
    stores=(RELATIONSHIPS, ROUTES),
    # Services are reached over the internal network, without TLS.
    db_tls={PG: False, MYSQL: False},
    router_tls=True,
    procfile=False,
    worker_hint="add it under workers: in .upsun/config.yaml (`{process}: commands: start: {command}`)",
    release_hint="add `python manage.py platform_migrate` to hooks.deploy in .upsun/config.yaml",
    # Documented for workers; the web stop is not documented (unverified).
    stop_grace=15,
    collectstatic_at_build="add `python manage.py collectstatic --noinput` to hooks.build",
    claims=("PLATFORM_RELATIONSHIPS", "PLATFORM_ROUTES"),
    unverified=("health-check Host", "web stop grace"),
    credentials_from=(
        "`DATABASE_URL` (`pgsql://`, the relationship `database`), else `PLATFORM_RELATIONSHIPS`, else the service "
        "variables `<REL>_URL` or `<REL>_HOST`/`_PORT`/`_PATH`/`_USERNAME`/`_PASSWORD`"
    ),
    recipe=(
        "A relationship named `database`; routes give the hosts and `PLATFORM_PROJECT_ENTROPY` the secret key. In "
        "`.upsun/config.yaml`: `collectstatic` in `hooks.build`, `migrate` in `hooks.deploy`, and "
        "`web.commands.start: gunicorn myproject.wsgi` (Upsun reads no Procfile; the gunicorn config applies). "
        "`DJANGO_PLATFORM=platformsh` still works."
    ),
    sources=(
        "https://docs.upsun.com/development/variables/use-variables.html#use-provided-variables",
        "https://docs.upsun.com/development/variables.html#service-environment-variables",
        "https://docs.upsun.com/create-apps/hooks/hooks-comparison.html",
        "https://docs.upsun.com/get-started/stacks/django.html",
        "https://docs.upsun.com/development/headers.html",
        "https://docs.upsun.com/create-apps/workers.html",
    ),
)

PLATFORMS = (UPSUN,)
