"""Data kept on one node's ephemeral disk or in one process's memory: lost, or not shared."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.db.models import FileField

from django_platform.areas.cache import unusable_addon
from django_platform.attempt import Failed, attempt
from django_platform.checks import environment, target_platform
from django_platform.checks.mail import default_backend
from django_platform.platforms import Context

S3_HINT = (
    "Store uploads in S3 or an S3-compatible service: set AWS_STORAGE_BUCKET_NAME, AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY (pip install 'django-platform[s3]')."
)
DATABASE_HINT = "Use a database add-on and set DATABASE_URL (for PostgreSQL: pip install 'django-platform[postgres]')."
FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"
FILE_HANDLERS = (
    "logging.FileHandler",
    "logging.handlers.RotatingFileHandler",
    "logging.handlers.TimedRotatingFileHandler",
    "logging.handlers.WatchedFileHandler",
)

E001 = "Uploaded files are saved to the local disk, which {platform} wipes: {fields}."
E002 = "The {alias!r} database is a SQLite file on the local disk, which {platform} wipes."
E003 = "The {alias!r} cache is kept in files on the local disk, which {platform} wipes and does not share."
E004 = "Sessions are stored in files on the local disk: users are logged out on every restart."
E005 = "Email is written to files on the local disk instead of being sent."
E006 = "Logging handler {name!r} writes to a file on the local disk, which {platform} wipes."
E007 = "Sessions live in a local-memory cache: each process has its own, so users are logged out."
W001 = "The default cache is local memory: each process and node has its own copy."
W021 = "{source} is set, but the {package} package is not installed: that cache is not used."


def _platform_on_ephemeral_disk() -> Any:
    platform = target_platform()
    return platform if platform.ephemeral_disk else None


def _is_local_storage(storage: Any) -> bool:
    return isinstance(storage, FileSystemStorage)


def check_file_fields(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = _platform_on_ephemeral_disk()
    if platform is None:
        return []

    local: list[str] = []
    storages: dict[int, bool] = {}  # storage id -> local? (thousands of fields share a few storages)
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, FileField):
                storage = field.storage  # callables were resolved when the field was created
                if storages.setdefault(id(storage), _is_local_storage(storage)):
                    local.append(f"{model._meta.label}.{field.name}")
    if not local:
        return []
    shown = ", ".join(local[:5]) + (f" and {len(local) - 5} more" if len(local) > 5 else "")
    return [Error(E001.format(platform=platform.label, fields=shown), hint=S3_HINT, id="django_platform.E001")]


def check_sqlite(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = _platform_on_ephemeral_disk()
    if platform is None:
        return []
    return [
        Error(
            E002.format(alias=alias, platform=platform.label),
            hint=DATABASE_HINT,
            id="django_platform.E002",
        )
        for alias, db in settings.DATABASES.items()
        if str(db.get("ENGINE", "")).endswith("sqlite3") and not _in_memory(str(db.get("NAME", "")))
    ]


def _in_memory(name: str) -> bool:
    # As Django's sqlite3 DatabaseCreation.is_in_memory_db: a URI with mode=memory (its test databases'
    # "file:memorydb_default?mode=memory&cache=shared") is not on disk either.
    return name in ("", ":memory:") or "mode=memory" in name


def check_file_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = _platform_on_ephemeral_disk()
    if platform is None:
        return []
    return [
        Error(
            E003.format(alias=alias, platform=platform.label),
            hint="Use Redis: set REDIS_URL (or CACHE_URL) and pip install 'django-platform[redis]'.",
            id="django_platform.E003",
        )
        for alias, cache in settings.CACHES.items()
        if cache.get("BACKEND") == FILE_CACHE
    ]


def check_file_sessions(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if _platform_on_ephemeral_disk() is None or settings.SESSION_ENGINE != "django.contrib.sessions.backends.file":
        return []
    return [
        Error(
            E004,
            hint="Set SESSION_ENGINE to 'django.contrib.sessions.backends.db' or 'cached_db'.",
            id="django_platform.E004",
        )
    ]


def check_file_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if _platform_on_ephemeral_disk() is None:
        return []

    if default_backend()[0] != "django.core.mail.backends.filebased.EmailBackend":
        return []
    return [
        Error(
            E005,
            hint="Send mail through an add-on: set EMAIL_URL (or SENDGRID_API_KEY, MAILGUN_SMTP_*).",
            id="django_platform.E005",
        )
    ]


def check_file_logging(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = _platform_on_ephemeral_disk()
    if platform is None:
        return []
    handlers = (getattr(settings, "LOGGING", None) or {}).get("handlers", {})
    return [
        Error(
            E006.format(name=name, platform=platform.label),
            hint="Log to the console (logging.StreamHandler): the platform collects stdout and stderr.",
            id="django_platform.E006",
        )
        for name, handler in handlers.items()
        if handler.get("class") in FILE_HANDLERS
    ]


def check_process_memory(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development:
        return []
    messages: list[CheckMessage] = []
    engine = settings.SESSION_ENGINE
    session_cache = settings.CACHES.get(getattr(settings, "SESSION_CACHE_ALIAS", "default"), {})
    if engine == "django.contrib.sessions.backends.cache" and session_cache.get("BACKEND") == LOCMEM_CACHE:
        messages.append(
            Error(
                E007,
                hint="Use SESSION_ENGINE 'django.contrib.sessions.backends.db', or a Redis cache (REDIS_URL).",
                id="django_platform.E007",
            )
        )
    unused = _unusable_cache_addon()
    if unused is not None:
        source, package, install = unused
        messages.append(
            Warning(
                W021.format(source=source, package=package),
                hint=f"{install[0].upper()}{install[1:]}, and add it to the requirements, to use it as the cache.",
                id="django_platform.W021",
            )
        )
    elif settings.CACHES.get("default", {}).get("BACKEND") == LOCMEM_CACHE:
        messages.append(
            Warning(
                W001, hint="Set REDIS_URL (or CACHE_URL) so every process shares one cache.", id="django_platform.W001"
            )
        )
    return messages


def _unusable_cache_addon() -> tuple[str, str, str] | None:
    found = attempt(lambda: unusable_addon(Context(environment(), target_platform())), ImproperlyConfigured)
    return None if isinstance(found, Failed) else found


CHECKS = (
    check_file_fields,
    check_sqlite,
    check_file_cache,
    check_file_sessions,
    check_file_email,
    check_file_logging,
    check_process_memory,
)
