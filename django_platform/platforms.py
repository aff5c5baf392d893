"""What each target platform tells a running app, as data, and detection from the environment.

Adding a platform is adding a row to PLATFORMS; nothing else should branch on a platform's name.
Sources: ../shared/reference/platforms.md. Rows marked unverified there stay overridable by env.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

# Database TLS per engine family: True = require TLS, False = must not use it, absent = leave to
# the URL and the driver's default.
PG = "postgresql"
MYSQL = "mysql"


# NamedTuple rather than dataclass: these modules load while settings import, and a frozen
# dataclass costs about a millisecond each to create.
class Marker(NamedTuple):
    """One way to recognise a platform: every `all_of` variable set (``NAME`` set and non-empty,
    or ``NAME=value``, compared case-insensitively), and at least one of `any_of` if given."""

    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    # Said in the detection reason when this marker is ambiguous.
    note: str = ""

    def match(self, env: Mapping[str, str]) -> list[str] | None:
        matched = []
        for spec in self.all_of:
            if not _is_set(env, spec):
                return None
            matched.append(spec)
        if self.any_of:
            hits = [spec for spec in self.any_of if _is_set(env, spec)]
            if not hits:
                return None
            matched.extend(hits)
        return matched


def _is_set(env: Mapping[str, str], spec: str) -> bool:
    name, sep, expected = spec.partition("=")
    value = env.get(name, "")
    if sep:
        return value.lower() == expected.lower()
    return value != ""


class Platform(NamedTuple):
    name: str
    label: str
    markers: tuple[Marker, ...] = ()
    # Database TLS default per engine family (see PG / MYSQL above).
    db_tls: Mapping[str, bool] = MappingProxyType({})
    # The platform's own credential stores ("heroku", "cloudcontrol", "qoddi", "platformsh"), read
    # after the generic variables: databases by django_platform.db_sources.READERS, mail and cache.
    stores: tuple[str, ...] = ()
    # Verify the certificate of a rediss:// cache. Heroku Redis uses a self-signed certificate.
    redis_tls_verify: bool = True
    # The platform's router terminates TLS and forwards X-Forwarded-Proto.
    router_tls: bool = False
    # The router rejects requests for host names that are not the app's (ALLOWED_HOSTS '*' is safer).
    router_checks_host: bool = False
    # Host-name templates: "{VAR}" or "{VAR}.suffix"; a template whose variables are unset is
    # skipped. cloudControl's DEP_NAME is split into CC_APP and CC_DEP first (see hosts.py).
    host_templates: tuple[str, ...] = ()
    # A Procfile `release:` phase runs before new processes start.
    release_phase: bool = False
    # Procfile dialect: "standard", or "cloudcontrol" (gunicorn_config.py, manage: process type).
    procfile_dialect: str = "standard"
    # Stop signal the platform sends and seconds before it kills the process.
    stop_signal: str = "SIGTERM"
    stop_grace: int = 30
    # Router idle keep-alive in seconds (gunicorn's keep-alive must exceed it), 0 = unknown.
    router_idle_timeout: int = 0
    # Run-time files vanish at the next restart/deploy and each node has its own copy.
    ephemeral_disk: bool = True
    # Several nodes may run behind a load balancer.
    multi_node: bool = True
    # A local SMTP server is available to the app.
    local_smtp: bool = False
    # Host headers of the platform's health checks, which are not the public host names; templates
    # as in host_templates.
    health_check_hosts: tuple[str, ...] = ()
    # The build phase: markers of a build (which has other variables than the run: Heroku's build
    # has config vars but no DYNO, a Docker build has nothing), said in the detection reason; and
    # how static files get collected there (what the builder does, or what the user must add), as
    # the hint of E017 says it.
    build_markers: tuple[Marker, ...] = ()
    collectstatic_at_build: str = ""
    # The platform's container-size variable and its unit in bytes (cloudControl: SIZE x 128 MB),
    # read only on that platform: elsewhere SIZE may mean anything.
    size_variable: str = ""
    size_unit: int = 0

    @property
    def is_local(self) -> bool:
        return self.name == "local"


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        name="cloudcontrol",
        label="cloudControl",
        markers=(Marker(all_of=("PAAS_VENDOR=cloudControl",)), Marker(all_of=("CRED_FILE", "DEP_NAME"))),
        db_tls={PG: True},
        stores=("cloudcontrol",),
        router_tls=True,
        host_templates=("{CC_APP}.cloudcontrolled.com", "{CC_DEP}-{CC_APP}.cloudcontrolled.com"),
        procfile_dialect="cloudcontrol",
        size_variable="SIZE",
        size_unit=128 * 1024 * 1024,
        collectstatic_at_build="cloudControl's Python buildpack runs it at build (unverified)",
    ),
    Platform(
        name="platformsh",
        label="Platform.sh",
        markers=(Marker(all_of=("PLATFORM_APPLICATION_NAME",)),),
        db_tls={PG: False, MYSQL: False},
        stores=("platformsh",),
        router_tls=True,
        collectstatic_at_build="add `python manage.py collectstatic --noinput` to hooks.build",
    ),
    Platform(
        name="render",
        label="Render",
        markers=(Marker(all_of=("RENDER=true",)),),
        router_tls=True,
        host_templates=("{RENDER_EXTERNAL_HOSTNAME}",),
        collectstatic_at_build="add `python manage.py collectstatic --noinput` to the service's build command",
    ),
    Platform(
        name="fly",
        label="Fly.io",
        markers=(Marker(all_of=("FLY_APP_NAME",)),),
        router_tls=True,
        host_templates=("{FLY_APP_NAME}.fly.dev",),
        stop_signal="SIGINT",
        stop_grace=5,
        # Checks run over the private network against the Machine (unverified: its address).
        health_check_hosts=("[{FLY_PRIVATE_IP}]",),
        collectstatic_at_build="add `RUN python manage.py collectstatic --noinput` to the Dockerfile",
    ),
    Platform(
        name="railway",
        label="Railway",
        markers=(Marker(any_of=("RAILWAY_ENVIRONMENT_NAME", "RAILWAY_PROJECT_ID")),),
        router_tls=True,
        host_templates=("{RAILWAY_PUBLIC_DOMAIN}",),
        health_check_hosts=("healthcheck.railway.app",),
        # Railpack (the default builder) runs no collectstatic.
        collectstatic_at_build="set the service's build command to `python manage.py collectstatic --noinput`",
    ),
    # Heroku CI sets DYNO as well: its in-dyno databases have no TLS and no router is in front.
    Platform(
        name="heroku-ci",
        label="Heroku CI",
        markers=(Marker(all_of=("DYNO", "CI")),),
        stores=("heroku",),
        multi_node=False,
    ),
    # Dokku sets DYNO too; GIT_REV and DOKKU_* variables tell it apart from Heroku.
    Platform(
        name="dokku",
        label="Dokku",
        markers=(Marker(all_of=("DYNO",), any_of=("GIT_REV", "DOKKU_APP_TYPE", "DOKKU_PROXY_PORT")),),
        db_tls={PG: False, MYSQL: False},
        router_tls=True,
        release_phase=True,
        collectstatic_at_build="Dokku's herokuish build runs it unless DISABLE_COLLECTSTATIC is set",
    ),
    Platform(
        name="heroku",
        label="Heroku",
        markers=(Marker(all_of=("DYNO",), note="Dokku sets DYNO too: set DJANGO_PLATFORM=dokku there"),),
        db_tls={PG: True},
        stores=("heroku",),
        router_tls=True,
        router_checks_host=True,
        redis_tls_verify=False,
        host_templates=("{HEROKU_APP_DEFAULT_DOMAIN_NAME}", "{HEROKU_APP_NAME}.herokuapp.com"),
        release_phase=True,
        router_idle_timeout=90,
        # Heroku's buildpack runs collectstatic with the config vars, STACK and SOURCE_VERSION.
        build_markers=(Marker(all_of=("STACK", "SOURCE_VERSION"), note="Heroku-lineage buildpack"),),
        collectstatic_at_build="Heroku's Python buildpack runs it at build unless DISABLE_COLLECTSTATIC is set",
    ),
    # Qoddi documents no marker: only DJANGO_PLATFORM=qoddi selects it. Its datastores have SSL off.
    Platform(
        name="qoddi",
        label="Qoddi",
        db_tls={PG: False, MYSQL: False},
        stores=("qoddi",),
        router_tls=True,
        collectstatic_at_build="Qoddi's Heroku buildpack runs it unless DISABLE_COLLECTSTATIC is set",
    ),
    Platform(
        name="local",
        label="local development",
        ephemeral_disk=False,
        multi_node=False,
        local_smtp=True,
    ),
)

BY_NAME: Mapping[str, Platform] = {p.name: p for p in PLATFORMS}
_NAME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,23}$")
LOCAL = BY_NAME["local"]


class Detection(NamedTuple):
    platform: Platform
    reason: str


def get_platform(name: str, *, variable: str = "DJANGO_PLATFORM") -> Platform:
    platform = BY_NAME.get(name.strip().lower())
    if platform is None:
        valid = ", ".join(sorted(BY_NAME))
        # Echo only what looks like a platform name: the value is not ours to print otherwise.
        shown = f"={name.strip()!r}" if _NAME_LIKE.match(name.strip()) else ""
        raise ImproperlyConfigured(f"{variable}{shown} is not a known platform; valid values: {valid}.")
    return platform


def detect(env: Mapping[str, str]) -> Detection:
    """Pick the platform: DJANGO_PLATFORM if set, else the first row whose markers match."""
    explicit = env.get("DJANGO_PLATFORM", "").strip()
    if explicit:
        return Detection(get_platform(explicit), f"DJANGO_PLATFORM={explicit.lower()}")
    for platform in PLATFORMS:
        for marker in platform.markers:
            matched = marker.match(env)
            if matched is not None:
                return Detection(platform, _reason(matched, marker))
    reason = "no platform marker in the environment"
    for platform in PLATFORMS:
        for marker in platform.build_markers:
            matched = marker.match(env)
            if matched is not None:
                # Builds lack the run-time markers; the local profile serves them (static files
                # are collected the same way in every profile).
                return Detection(LOCAL, f"{reason}; a build phase? {_reason(matched, marker)}")
    return Detection(LOCAL, reason)


def _reason(matched: list[str], marker: Marker) -> str:
    return "environment has " + ", ".join(matched) + (f" ({marker.note})" if marker.note else "")
