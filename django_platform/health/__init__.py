"""Health endpoints: liveness (touches nothing) and readiness (the database, cache, storage and
broker the project uses, each against a deadline), answered by HealthMiddleware before host
validation and the HTTPS redirect for the platform's probe Hosts.

Opt in with DJANGO_PLATFORM_HEALTH = True in settings.py, or one line in urls.py:
    path("", include("django_platform.health.urls")),
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "DJANGO_PLATFORM_HEALTH"
MIDDLEWARE = "django_platform.health.middleware.HealthMiddleware"
HOSTS_SETTING = "DJANGO_PLATFORM_HEALTH_HOSTS"
LIVE = "/healthz"
READY = "/readyz"
STARTUP = "/startupz"
# Below the probe timeouts of the platforms that have one (Render 5 s, Fly's examples 2-5 s),
# so a hung dependency gives 503 rather than a probe timeout.
TIMEOUT = 2.0
KEYS = {"live", "ready", "timeout", "release", "startup"}
# Set in the WSGI environ of a probe HealthMiddleware answered: the generated gunicorn config's
# access logger leaves successful probes out.
MARK = "django_platform.health"


class Config:
    __slots__ = ("enabled", "live", "ready", "release", "startup", "timeout")

    def __init__(
        self,
        enabled: bool,
        live: str = LIVE,
        ready: str = READY,
        timeout: float = TIMEOUT,
        release: bool = False,
        startup: str | None = None,
    ) -> None:
        self.enabled = enabled
        self.live = live
        self.ready = ready
        self.timeout = timeout
        # Say the running release in both bodies (a commit is no secret, but not everyone's to see).
        self.release = release
        # The startup probe's path (opt-in): every migration applied, from a cached answer.
        self.startup = startup

    def paths(self) -> list[str]:
        return [self.live, self.ready, *([self.startup] if self.startup else [])]


def _path(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.startswith("/") or any(c.isspace() or c in "?#<>" for c in value):
        raise ImproperlyConfigured(f"{SETTING}[{key!r}] must be a URL path starting with '/', like {LIVE!r}.")
    return value


def parse(value: Any) -> Config:
    """The setting: True/False, or a dict of any of live, ready (paths) and timeout (seconds)."""
    if value is None or isinstance(value, bool):
        return Config(bool(value))
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(f"{SETTING} must be True, False or a dict with keys {sorted(KEYS)}.")
    unknown = sorted(str(k) for k in value if k not in KEYS)
    if unknown:
        raise ImproperlyConfigured(f"{SETTING} has unknown keys {unknown}; valid: {sorted(KEYS)}.")
    live = _path("live", value.get("live", LIVE))
    ready = _path("ready", value.get("ready", READY))
    startup = value.get("startup")
    startup = STARTUP if startup is True else (_path("startup", startup) if startup else None)
    if len({live, ready, startup} - {None}) != 2 + bool(startup):
        raise ImproperlyConfigured(f"{SETTING}: the live, ready and startup paths must differ.")
    timeout = value.get("timeout", TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
        raise ImproperlyConfigured(f"{SETTING}['timeout'] must be a number of seconds above 0, at most 60.")
    release = value.get("release", False)
    if not isinstance(release, bool):
        raise ImproperlyConfigured(f"{SETTING}['release'] must be True or False.")
    return Config(True, live, ready, float(timeout), release, startup)


def config() -> Config:
    return parse(getattr(settings, SETTING, None))


def wired() -> bool:
    """The health paths answer: included in urls.py, or enabled by the setting with HealthMiddleware
    in MIDDLEWARE."""
    # Local: this package is imported at settings import; the URL resolver and the views load
    # Django's request machinery, which only the checks need.
    from django.conf import settings
    from django.urls import Resolver404, resolve

    from django_platform.health.views import live

    current = config()
    try:
        routed = resolve(current.live).func is live
    except Resolver404:
        routed = False
    return routed or (current.enabled and MIDDLEWARE in list(getattr(settings, "MIDDLEWARE", None) or ()))
