"""Whether the project is served over ASGI: what settings.py declares, or what the web process
says of itself. Pure: the settings and the environment are passed in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.env import get_bool

# Set by the generated gunicorn config for an ASGI worker (every worker inherits it before Django
# loads), or by the user for another ASGI server: "asgi" or "wsgi".
SERVER_VARIABLE = "DJANGO_PLATFORM_SERVER"
SERVERS = ("asgi", "wsgi")
# false: each ASGI request's sync code on a new thread, as Django does (django_platform.asgi_threads).
REUSE_THREADS_VARIABLE = "DJANGO_PLATFORM_REUSE_THREADS"
# false: Django's middleware hooks each in a thread under ASGI, as Django runs them (inline_middleware).
INLINE_MIDDLEWARE_VARIABLE = "DJANGO_PLATFORM_INLINE_MIDDLEWARE"
# Servers whose presence in a dependency file says the project runs on ASGI (normalised names).
ASGI_SERVERS = frozenset({"uvicorn", "uvicorn-worker", "daphne", "granian", "hypercorn"})
# Apps whose presence says the project runs on ASGI (Channels' consumers, Daphne's runserver).
ASGI_APPS = ("channels", "daphne")


def reuse_threads(env: Mapping[str, str]) -> bool:
    """Keep ASGI requests' threads unless DJANGO_PLATFORM_REUSE_THREADS is false (ImproperlyConfigured
    names a bad value, never the value)."""
    return get_bool(env, REUSE_THREADS_VARIABLE) is not False


def inline_middleware(env: Mapping[str, str]) -> bool:
    """Run Django's middleware hooks on the event loop under ASGI unless
    DJANGO_PLATFORM_INLINE_MIDDLEWARE is false (ImproperlyConfigured names a bad value)."""
    return get_bool(env, INLINE_MIDDLEWARE_VARIABLE) is not False


def app_names(current: Mapping[str, Any]) -> set[str]:
    """INSTALLED_APPS as module names (an AppConfig path counts as its package)."""
    apps = current.get("INSTALLED_APPS") or ()
    return {str(a).split(".apps.")[0] for a in apps} if isinstance(apps, (list, tuple)) else set()


def asgi_reason(current: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """Why the project is served over ASGI (for the report), None when it is WSGI. The web
    process's own word wins; then ASGI_APPLICATION, then Channels or Daphne installed. The asgi.py
    every startproject writes says nothing."""
    said = env.get(SERVER_VARIABLE, "").strip().lower()
    if said and said not in SERVERS:
        raise ImproperlyConfigured(f"{SERVER_VARIABLE} must be asgi or wsgi.")
    if said:
        return f"{SERVER_VARIABLE}=asgi" if said == "asgi" else None
    if current.get("ASGI_APPLICATION"):
        return "ASGI_APPLICATION is set"
    found = [name for name in ASGI_APPS if name in app_names(current)]
    return f"{found[0]} is in INSTALLED_APPS" if found else None
