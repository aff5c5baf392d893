"""configure(): apply the environment and the platform profile to a settings namespace."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from types import ModuleType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import REPORT_SETTING, Changes, Namespace
from django_platform.areas.shapes import check_shapes
from django_platform.areas.static import base_dir
from django_platform.parsers.dotenv import read_dotenv
from django_platform.parsers.env import TextEnvironment
from django_platform.platforms import (
    PLUGINS_VARIABLE,
    Context,
    Detection,
    detect,
    get_platform,
    load_plugins,
    unclaimed_notes,
)
from django_platform.report import Report
from django_platform.sensitive import secret_values

# Every area: the settings as they stand (read only), the context (the environment, the platform
# and its stores), the report; it returns its changes.
Area = Callable[[Namespace, Context, Report], Changes]

# Applied in this order (later areas read DEBUG and STORAGES set by earlier ones); each can be
# left out with configure(..., exclude={"name"}). The value is the module in areas/ that applies it
# (the contract: areas/base.py), imported when it runs: `import django_platform` and the areas a
# user excludes stay free.
AREAS: dict[str, str] = {
    "security": "security",
    "hosts": "hosts",
    "databases": "databases",
    "static": "static",
    "health": "health",
    "logging": "logconf",
    "email": "mail",
    "cache": "cache",
    "channels": "channels",
    "media": "media",
    "tasks": "tasks",
    "error_reports": "error_reports",
    "release": "release",
    "asgi": "asgi",
}


def area(name: str) -> Area:
    """The `apply` of the area called `name`."""
    module = importlib.import_module(f"django_platform.areas.{AREAS[name]}")
    apply: Area = module.apply
    return apply


def _with_dotenv(
    env: Mapping[str, str],
    dotenv: bool | str | os.PathLike[str],
    ns: Namespace,
) -> tuple[Mapping[str, str], list[str]]:
    """The environment with a .env file's values underneath; the real environment wins."""

    path = base_dir(ns.as_mapping()) / ".env" if isinstance(dotenv, bool) else Path(dotenv)
    values = read_dotenv(path)
    used = sorted(k for k in values if k not in env)
    return {**values, **env}, used


# Areas collectstatic never uses: their errors (a build's placeholder URLs) wait for a command
# that does. Static files, hosts and security are read by collectstatic or decide what it writes.
BUILD_FREE = frozenset({"databases", "email", "cache", "channels", "media", "tasks"})


def collecting_static(argv: list[str] | None = None) -> bool:
    """Whether this process is `manage.py collectstatic` (or django-admin's, or python -m django's)."""
    args = sys.argv if argv is None else argv
    program = os.path.basename(args[0]) if args else ""
    django_main = args[0].replace(os.sep, "/").endswith("django/__main__.py") if args else False
    runner = program in ("manage.py", "django-admin", "django-admin.py") or django_main
    return runner and len(args) > 1 and args[1] == "collectstatic"


def _apply(name: str, area: Area, ns: Namespace, ctx: Context, report: Report) -> None:
    """One area; the last line of the promise that settings import raises ImproperlyConfigured
    only, and never with the original exception (its message may hold a secret) attached."""
    try:
        changes = area(ns, ctx, report)
    except ImproperlyConfigured as exc:
        if name not in BUILD_FREE or not collecting_static():
            raise
        # A Dockerfile's `RUN DATABASE_URL=postgres://none REDIS_URL=none ... collectstatic`: the
        # message names the variable, never its value; any other command still stops on it.
        report.note(f"{exc} Ignored while collectstatic runs: it needs no {name}.")
        return
    except Exception as exc:  # a parser that is not total yet: its message may quote the input
        kind = type(exc).__name__
    else:
        for name, value in changes.values.items():
            ns.set(name, value)
        for name in changes.remove:
            ns.delete(name)
        return
    raise ImproperlyConfigured(
        f"configure() could not read the environment for its {name!r} settings ({kind}). This is a bug in "
        "django-platform: please report it with the names (never the values) of the variables set."
    )


def configure(
    settings: MutableMapping[str, Any] | ModuleType,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    exclude: Iterable[str] = (),
    dotenv: bool | str | os.PathLike[str] = False,
) -> Report:
    """Set Django settings from the environment and the detected platform; return the report.

    settings: settings.py's globals() (or a settings module).
    env: the environment to read (default os.environ).
    platform: a platform name, overriding DJANGO_PLATFORM and detection.
    exclude: areas to leave alone, from AREAS.
    dotenv: read a .env file for local development: True for BASE_DIR/.env, or a path.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    skipped = set(exclude)
    unknown = skipped - AREAS.keys()
    if unknown:
        raise ImproperlyConfigured(
            f"configure(exclude=...) got unknown areas {sorted(unknown)}; valid: {', '.join(AREAS)}."
        )
    ns = Namespace(settings)
    check_shapes(ns.get)
    from_file: list[str] = []
    if dotenv:
        # Before detection: the file may select the platform (DJANGO_PLATFORM) too.
        environ, from_file = _with_dotenv(environ, dotenv, ns)
    # Every value read is valid text, or an error naming its variable.
    environ = TextEnvironment(environ)
    # Platforms of the user's own, registered before detection.
    plugins = ns.get(PLUGINS_VARIABLE)
    if plugins:
        load_plugins(plugins, source=f"settings.{PLUGINS_VARIABLE}")
    if environ.get(PLUGINS_VARIABLE, "").strip():
        load_plugins(environ[PLUGINS_VARIABLE])
    detection = (
        Detection(get_platform(platform, variable="configure(platform=...)"), f"configure(platform={platform!r})")
        if platform
        else detect(environ)
    )
    ctx = Context(environ, detection.platform, detection.reason)
    report = Report(detection.platform.name, detection.reason)

    report.add_secrets(secret_values(ctx))
    for name in AREAS:
        if name not in skipped:
            _apply(name, area(name), ns, ctx, report)
    for note in [*ctx.notes, *unclaimed_notes(ctx)]:
        report.note(note)
    # What the checks judge by: this environment, not the process's (configure(env=...), .env).
    report.environment = environ
    if from_file:
        report.mark_from_file(from_file, ".env")
    report.applied = frozenset(ns.applied)
    ns.set(REPORT_SETTING, report)
    return report
