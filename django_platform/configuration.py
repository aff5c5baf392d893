"""configure(): apply the environment and the platform profile to a settings namespace."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from types import ModuleType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.databases import build_databases
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
from django_platform.report import Report, Source

REPORT_SETTING = "DJANGO_PLATFORM_REPORT"


class Namespace:
    """settings.py's globals() or a settings module, behind one small interface."""

    def __init__(self, target: MutableMapping[str, Any] | ModuleType) -> None:
        self._dict: MutableMapping[str, Any] = vars(target) if isinstance(target, ModuleType) else target
        # Names configure() set; a later call must not take them for settings.py's own.
        self.applied: set[str] = set(getattr(self._dict.get(REPORT_SETTING), "applied", ()))

    def get(self, name: str, default: Any = None) -> Any:
        return self._dict.get(name, default)

    def set(self, name: str, value: Any) -> None:
        self._dict[name] = value
        self.applied.add(name)

    def delete(self, name: str) -> None:
        self._dict.pop(name, None)

    def as_mapping(self) -> Mapping[str, Any]:
        return self._dict

    def written_by_user(self) -> Mapping[str, Any]:
        """The names settings.py wrote: without what configure() (this or an earlier call) set."""
        return {k: v for k, v in self._dict.items() if k not in self.applied}


class Changes:
    """What an area changes: values to set and names to remove. Areas never write the namespace:
    configure() applies their changes in order, so a later area sees an earlier one's."""

    __slots__ = ("remove", "values")

    def __init__(self, values: Mapping[str, Any] | None = None, remove: Iterable[str] = ()) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.remove: tuple[str, ...] = tuple(remove)


# Every area: the settings as they stand (read only), the context (the environment, the platform
# and its stores), the report; it returns its changes.
Area = Callable[[Namespace, Context, Report], Changes]

# Each area imports its module when it runs, keeping `import django_platform` and areas a user
# excludes free.


def _security(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.security import https_settings, resolve_debug, resolve_secret_key

    debug = resolve_debug(ctx.env, ctx.platform, ns.get("DEBUG", False), report)
    values: dict[str, Any] = {"DEBUG": debug}
    values["SECRET_KEY"] = resolve_secret_key(ctx, ns.get("SECRET_KEY"), debug, report)
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


def _hosts(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.hosts import build_hosts

    return Changes(build_hosts(ctx, ns.as_mapping(), bool(ns.get("DEBUG")), report))


def _databases(ns: Namespace, ctx: Context, report: Report) -> Changes:
    databases = build_databases(ctx, ns.get("DATABASES"), report)
    return Changes({} if databases is None else {"DATABASES": databases})


def _static(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.static import build_static

    return Changes(build_static(ns.as_mapping(), report))


def _health(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.health import build_health

    return Changes(build_health(ctx, ns.as_mapping(), report))


def _logging(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.logconf import build_logging

    return Changes({"LOGGING": build_logging(ctx.env, ns.get("LOGGING"), report)})


def _email(ns: Namespace, ctx: Context, report: Report) -> Changes:
    import django

    from django_platform.areas.mail import build_mail

    version = (django.VERSION[0], django.VERSION[1])
    values, remove = build_mail(ctx, ns.as_mapping(), bool(ns.get("DEBUG")), version, report)
    return Changes(values, remove)


def _cache(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.cache import build_cache

    caches = build_cache(ctx, ns.as_mapping(), report)
    return Changes({} if caches is None else {"CACHES": caches})


def _media(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.media import build_media

    storages = build_media(ctx.env, ns.as_mapping(), report)
    return Changes({} if storages is None else {"STORAGES": storages})


def _tasks(ns: Namespace, ctx: Context, report: Report) -> Changes:
    from django_platform.areas.django_tasks import build_django_tasks
    from django_platform.areas.tasks import build_tasks

    values = build_tasks(ctx, ns.as_mapping(), report)
    values.update(build_django_tasks(ctx, ns.as_mapping(), report))
    return Changes(values)


def _error_reports(ns: Namespace, ctx: Context, report: Report) -> Changes:
    # The dotted path only: importing django.views.debug here would load half of Django.
    path = "django_platform.exception_filter.PlatformExceptionReporterFilter"
    current = ns.get("DEFAULT_EXCEPTION_REPORTER_FILTER")
    if current and current != "django.views.debug.SafeExceptionReporterFilter":
        report.record("DEFAULT_EXCEPTION_REPORTER_FILTER", current, "settings.py")
        return Changes()
    report.record(
        "DEFAULT_EXCEPTION_REPORTER_FILTER", path, Source("default", "masks credentials inside URLs and DSNs")
    )
    return Changes({"DEFAULT_EXCEPTION_REPORTER_FILTER": path})


# Applied in this order (later areas read DEBUG and STORAGES set by earlier ones); each can be
# left out with configure(..., exclude={"name"}).
AREAS: dict[str, Area] = {
    "security": _security,
    "hosts": _hosts,
    "databases": _databases,
    "static": _static,
    "health": _health,
    "logging": _logging,
    "email": _email,
    "cache": _cache,
    "media": _media,
    "tasks": _tasks,
    "error_reports": _error_reports,
}


def _with_dotenv(
    env: Mapping[str, str],
    dotenv: bool | str | os.PathLike[str],
    ns: Namespace,
) -> tuple[Mapping[str, str], list[str]]:
    """The environment with a .env file's values underneath; the real environment wins."""
    from pathlib import Path

    from django_platform.areas.static import base_dir
    from django_platform.parsers.dotenv import read_dotenv

    path = base_dir(ns.as_mapping()) / ".env" if isinstance(dotenv, bool) else Path(dotenv)
    values = read_dotenv(path)
    used = sorted(k for k in values if k not in env)
    return {**values, **env}, used


# Areas collectstatic never uses: their errors (a build's placeholder URLs) wait for a command
# that does. Static files, hosts and security are read by collectstatic or decide what it writes.
BUILD_FREE = frozenset({"databases", "email", "cache", "media", "tasks"})


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
    from django_platform.sensitive import secret_values

    report.add_secrets(secret_values(ctx))
    for name, apply in AREAS.items():
        if name not in skipped:
            _apply(name, apply, ns, ctx, report)
    for note in [*ctx.notes, *unclaimed_notes(ctx)]:
        report.note(note)
    # What the checks judge by: this environment, not the process's (configure(env=...), .env).
    report.environment = environ
    if from_file:
        report.mark_from_file(from_file, ".env")
    report.applied = frozenset(ns.applied)
    ns.set(REPORT_SETTING, report)
    return report
