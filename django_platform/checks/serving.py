"""The server the platform's web command starts (its manifest's, else the Procfile's) against what
the application is: an ASGI module under a WSGI worker or the reverse, a project that declares
ASGI served over WSGI, async views under WSGI, persistent connections under ASGI, a websocket ping
slower than the router's idle limit, websockets on a platform whose router carries them on some
host names only, websockets under a server that resets them when the platform stops it, Daphne's
stop cutting requests in flight."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string

from django_platform.areas.databases import queue_pool
from django_platform.attempt import Failed, attempt
from django_platform.checks import environment, target_platform
from django_platform.checks.hops import check_middleware
from django_platform.deploy.files import project_dir
from django_platform.deploy.granian import closes_websockets
from django_platform.deploy.gunicorn import CMD_ARGS, asgi_worker, serves_asgi
from django_platform.deploy.gunicorn_cli import gunicorn_call
from django_platform.deploy.procfile import asgi_module, granian_launcher, server_of
from django_platform.parsers.serving import SERVER_VARIABLE, asgi_reason
from django_platform.platforms import Platform

E033 = (
    "The web command ({source}) serves {module!r}, an {kind} application, with the {worker} worker: every request "
    "fails."
)
W034 = "The project declares ASGI ({reason}), but the web command ({source}) serves {module!r} over WSGI."
W035 = "{views} {verb} async under a WSGI worker: each request runs an event loop of its own, and the thread waits."
W036 = "DATABASES[{alias!r}] keeps connections open (CONN_MAX_AGE={age!r}) under ASGI ({reason})."
W037 = (
    "The web server pings websockets every {ping} s, and {platform}'s router closes one that carried no data "
    "for {idle} s."
)
W053 = "The ASGI application routes websockets, and {platform}'s router carries them only {where}."
W054 = (
    "The ASGI application routes websockets, and the web line's server ({server}) does not close them as a restart "
    "when {platform} stops it (each release, restart and scale-down): clients see an abnormal closure (1006) or an "
    "error (1011), not a restart (1012)."
)
W055 = "The web line starts Daphne, which exits at once when {platform} stops it: requests in flight fail."
# Websocket ping options of the servers a web line may start (uvicorn's CLI, Daphne, Granian).
_PING = re.compile(r"--(?:ws-ping-interval|ping-interval|ws-ping)(?:=|\s+)(?P<value>\S+)")


def _served(web: str) -> tuple[str | None, bool, str | None]:
    """(the module the web command `web` serves, whether it is an ASGI one, the worker it asks for)."""
    default_app = str(settings.WSGI_APPLICATION or "").rpartition(".")[0] or None
    call = gunicorn_call(web, environment(), default_app=default_app)
    if call is None or not call.app_module:
        return None, False, None
    env = environment()
    extra = gunicorn_call("gunicorn " + env.get(CMD_ARGS, ""), env)
    worker = call.worker_class or (extra and extra.worker_class) or env.get("GUNICORN_WORKER_CLASS", "").strip()
    return call.app_module, asgi_module(call.app_module), worker or None


def check_server(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development:
        return []
    web, source = _started(project_dir(), platform)
    module, asgi, worker = _served(web)
    if module is None:
        return []
    # The generated config picks the worker by DJANGO_PLATFORM_SERVER, else by the module.
    said = environment().get(SERVER_VARIABLE, "").strip().lower()
    asgi_worker = serves_asgi(worker) if worker else (said == "asgi" if said else asgi)
    if (worker or said) and asgi != asgi_worker:
        kind = "ASGI" if asgi else "WSGI"
        hint = "Drop -k and GUNICORN_WORKER_CLASS: the generated gunicorn config picks the worker for the module."
        text = E033.format(source=source, module=module, kind=kind, worker=worker)
        return [Error(text, hint=hint, id="django_platform.E033")]
    messages: list[CheckMessage] = []
    current = {n: getattr(settings, n) for n in ("ASGI_APPLICATION", "INSTALLED_APPS") if hasattr(settings, n)}
    declared = asgi_reason(current, {})
    if declared and not asgi_worker:
        messages.append(
            Warning(
                W034.format(reason=declared, source=source, module=module),
                hint="Run: python manage.py platform_procfile --asgi (it serves the ASGI application); to keep WSGI "
                "on purpose, silence this check.",
                id="django_platform.W034",
            )
        )
    if asgi_worker:
        messages += _persistent(declared or f"the web line serves {module}")
        messages += check_middleware()
    else:
        # A URLconf that does not import is Django's own check to report, not a reason to crash here.
        found = attempt(lambda: sorted(set(_async_views())), Exception)
        views = [] if isinstance(found, Failed) else found
        if views:
            shown = ", ".join(views[:3]) + (f" and {len(views) - 3} more" if len(views) > 3 else "")
            messages.append(
                Warning(
                    W035.format(views=shown, verb="is" if len(views) == 1 else "are"),
                    hint="Serve ASGI: python manage.py platform_procfile --asgi (gunicorn with uvicorn-worker).",
                    id="django_platform.W035",
                )
            )
    return messages


def _persistent(reason: str) -> list[CheckMessage]:
    return [
        Warning(
            W036.format(alias=alias, age=db.get("CONN_MAX_AGE"), reason=reason),
            hint="Django's docs: disable persistent connections under ASGI. Unset DATABASE_CONN_MAX_AGE (configure() "
            "sets 0 under ASGI), or pool them: DATABASE_POOL=true (psycopg 3; django-db-connection-pool for MariaDB "
            "and MySQL).",
            id="django_platform.W036",
        )
        for alias, db in settings.DATABASES.items()
        if db.get("CONN_MAX_AGE", 0) != 0 and not _pooled(db)
    ]


def _pooled(db: Any) -> bool:
    """Pooled by psycopg (E009 judges CONN_MAX_AGE there) or django-db-connection-pool (W058)."""
    options = db.get("OPTIONS")
    return (isinstance(options, dict) and bool(options.get("pool"))) or queue_pool(db) is not None


def _async_views() -> Iterator[str]:
    """The names of the URLconf's views that are coroutines (async def, or a class with async
    handlers)."""

    def walk(patterns: list[Any]) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and iscoroutinefunction(pattern.callback):
                view = getattr(pattern.callback, "view_class", pattern.callback)
                yield f"{view.__module__}.{view.__qualname__}"

    yield from walk(get_resolver().url_patterns)


def check_websocket_ping(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development or not platform.websocket_idle:
        return []
    match = _PING.search(_web(project_dir(), platform))
    if match is None:
        return []
    try:
        ping = float(shlex.split(match.group("value"))[0])
    except (ValueError, IndexError):
        return []
    if 0 < ping < platform.websocket_idle:
        return []
    return [
        Warning(
            W037.format(ping=f"{ping:g}", platform=platform.label, idle=platform.websocket_idle),
            hint=f"Ping more often than every {platform.websocket_idle} s (the servers' default, 20 s, does).",
            id="django_platform.W037",
        )
    ]


def _routes_websockets() -> bool:
    """Whether ASGI_APPLICATION (Channels' setting; Django's own handler serves HTTP only) routes
    the websocket protocol."""
    name = getattr(settings, "ASGI_APPLICATION", None)
    if not isinstance(name, str) or not name:
        return False
    # An application that does not import is the server's (and Channels' checks') to report.
    application = attempt(partial(import_string, name), Exception)
    mapping = None if isinstance(application, Failed) else getattr(application, "application_mapping", None)
    return isinstance(mapping, dict) and "websocket" in mapping


def check_websocket_route(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development or not platform.websocket_route or not _routes_websockets():
        return []
    return [
        Warning(
            W053.format(platform=platform.label, where=platform.websocket_route),
            hint="Point the websocket clients at a host name the router carries them through.",
            id="django_platform.W053",
        )
    ]


def _started(root: Path, platform: Platform) -> tuple[str, str]:
    """(the web command the platform starts for the project in `root`, its file): the manifest's,
    else the Procfile's. Every serving check judges that one."""
    # Local: the manifests' rows load only where a platform is checked.
    from django_platform.manifests.started import web_started

    return web_started(root, platform)


def _web(root: Path, platform: Platform) -> str:
    return _started(root, platform)[0]


def _resets_websockets(root: Path, platform: Platform) -> str | None:
    """The web line's server where a stop ends open websockets other than as a restart, None elsewhere.
    Measured at the platforms' stop signals (tests/test_asgi_nodes.py): Granian 2.8 resets them (its
    issue #796) unless started by our launcher; gunicorn 27's own asgi worker resets some, or closes
    them with 1011 once its graceful timeout is over; uvicorn-worker closes each with 1012. (Daphne:
    W055.)"""
    web = _web(root, platform)
    if server_of(web) == "granian":
        # The launcher's application closes them as a restart ahead of Granian's stop (asgi_stop).
        return None if granian_launcher(web) and closes_websockets() else "Granian"
    module, asgi, worker = _served(web)
    if module is None or not asgi:
        return None
    if worker is None:  # the generated config's pick: uvicorn-worker where installed
        picked = attempt(asgi_worker, Exception)
        worker = None if isinstance(picked, Failed) else picked
    return "gunicorn's own asgi worker" if worker is not None and worker.lower() == "asgi" else None


def check_websocket_stop(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return websocket_stop(project_dir(), target_platform())


def websocket_stop(root: Path, platform: Platform) -> list[CheckMessage]:
    """W054 for the project in `root` (platform_check's, and platform_procfile's after a write)."""
    if platform.development or not _routes_websockets():
        return []
    server = _resets_websockets(root, platform)
    if server is None:
        return []
    return [
        Warning(
            W054.format(server=server, platform=platform.label),
            hint="Serve the websockets with a server that closes them as a restart: uvicorn-worker (python manage.py "
            "platform_procfile --server gunicorn; pip install 'django-platform[asgi]', no GUNICORN_WORKER_CLASS=asgi) "
            "or Granian through the launcher (platform_procfile --server granian).",
            id="django_platform.W054",
        )
    ]


def check_daphne_stop(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Daphne 4.2 (Twisted 26) on SIGTERM: a request 0.3 s into a 2 s view was cut, and ten open
    websockets reset without a close frame (docs/asgi.md; not in CI, whose test dependencies cannot
    install Daphne's autobahn beside the S3 encryption client: they want different cryptography)."""
    return daphne_stop(project_dir(), target_platform())


def daphne_stop(root: Path, platform: Platform) -> list[CheckMessage]:
    """W055 for the project in `root`, as websocket_stop()."""
    if platform.development or server_of(_web(root, platform)) != "daphne":
        return []
    return [
        Warning(
            W055.format(platform=platform.label),
            hint="Serve with gunicorn and uvicorn-worker, which drain requests and close websockets within the stop "
            "window: python manage.py platform_procfile --server gunicorn.",
            id="django_platform.W055",
        )
    ]


CHECKS = (check_server, check_websocket_ping, check_websocket_route, check_websocket_stop, check_daphne_stop)
