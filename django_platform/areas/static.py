"""Static files served by WhiteNoise: STATIC_ROOT, the middleware, and the compressed storage."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django_platform.areas.base import Changes, Namespace, Setting, choose
from django_platform.platforms import Context
from django_platform.report import Report

SECURITY = "django.middleware.security.SecurityMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
# Its async-capable subclass, listed in its place under ASGI where the middleware hooks run on the
# event loop (areas/asgi.py); either one is WhiteNoise for the checks and for with_whitenoise().
ASYNC_WHITENOISE = "django_platform.whitenoise_async.AsyncWhiteNoiseMiddleware"
WHITENOISES = (WHITENOISE, ASYNC_WHITENOISE)
# WhiteNoise's hashed names with far-future caching, gzip and (with the brotli package) br copies,
# forgiving a missing manifest entry (see storage.py). Used in every phase: build and run agree.
PLATFORM_STORAGE = "django_platform.storage.PlatformStaticStorage"
DJANGO_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
# Django's own manifest storage: the same names as ours, without compression.
DJANGO_MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
DEFAULT_FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def base_dir(current: Mapping[str, Any]) -> Path:
    """BASE_DIR as startproject defines it, else the directory above settings.py's package."""
    if current.get("BASE_DIR"):
        return Path(current["BASE_DIR"])
    settings_file = current.get("__file__")
    return Path(settings_file).resolve().parent.parent if settings_file else Path.cwd()


def with_whitenoise(middleware: list[str]) -> list[str]:
    """WhiteNoise exactly once (its async-capable subclass where that is listed), right after
    SecurityMiddleware (first if that is absent)."""
    name = ASYNC_WHITENOISE if ASYNC_WHITENOISE in middleware else WHITENOISE
    result = [m for m in middleware if m not in WHITENOISES]
    index = result.index(SECURITY) + 1 if SECURITY in result else 0
    result.insert(index, name)
    return result


def _whitenoise_source(before: list[str], after: list[str]) -> str:
    """What was done to WhiteNoise's place, said exactly (a project's order is its own)."""
    listed = [m for m in before if m in WHITENOISES]
    if not listed:
        return "WhiteNoise inserted after SecurityMiddleware"
    if before == after:
        return "WhiteNoise kept right after SecurityMiddleware"
    if len(listed) > 1:
        return f"WhiteNoise listed {len(listed)} times: kept once, right after SecurityMiddleware"
    index = before.index(listed[0])
    was = f"after {before[index - 1]}" if index else "first"
    return f"WhiteNoise moved from {was} to right after SecurityMiddleware (it answers static files before others run)"


def build_static(current: Mapping[str, Any], report: Report) -> dict[str, Any]:
    result: dict[str, Any] = {}
    # No directory is created here: collectstatic creates STATIC_ROOT when it runs.
    given = {"STATIC_ROOT": str(current["STATIC_ROOT"])} if current.get("STATIC_ROOT") else {}
    root = base_dir(current) / "staticfiles"
    if choose("STATIC_ROOT", given, report, default=(str(root), "default: BASE_DIR / 'staticfiles'"))[0]:
        result["STATIC_ROOT"] = root
    if not current.get("STATIC_URL"):
        result["STATIC_URL"] = "static/"
        report.record("STATIC_URL", "static/", "default")

    middleware = list(current.get("MIDDLEWARE") or [])
    updated = with_whitenoise(middleware)
    if updated != middleware:
        result["MIDDLEWARE"] = updated
    report.record("MIDDLEWARE", updated, _whitenoise_source(middleware, updated))

    storages = {k: dict(v) for k, v in (current.get("STORAGES") or {}).items()}
    storages.setdefault("default", dict(DEFAULT_FILE_STORAGE))
    static = storages.get("staticfiles", {}).get("BACKEND")
    if static and static not in (DJANGO_STATIC_STORAGE, DJANGO_MANIFEST_STORAGE):
        report.record("STORAGES.staticfiles", storages["staticfiles"], "settings.py")
    else:
        # Not by platform: the build (often detected as local) and the run must use one storage.
        storages["staticfiles"] = {**storages.get("staticfiles", {}), "BACKEND": PLATFORM_STORAGE}
        source = {
            DJANGO_MANIFEST_STORAGE: "settings.py's ManifestStaticFilesStorage, with compression added",
            # Django's default, often written out by habit: it serves no hashed, cacheable names.
            DJANGO_STATIC_STORAGE: "replaces settings.py's StaticFilesStorage: hashed and compressed",
        }.get(static or "", "default: the same in build and run")
        report.record("STORAGES.staticfiles", storages["staticfiles"], source)
    result["STORAGES"] = storages
    return result


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    return Changes(build_static(ns.as_mapping(), report))


SETTINGS = (
    Setting(
        "STATIC_ROOT",
        (),
        '`BASE_DIR / "staticfiles"` unless set (no directory is created: `collectstatic` does that)',
    ),
    Setting("STATIC_URL", (), "`static/` unless set"),
    Setting(
        "MIDDLEWARE",
        (),
        "WhiteNoise right after `SecurityMiddleware`, exactly once (inserted or moved there: the report says which "
        "and from where); stays a list",
    ),
    Setting(
        "STORAGES: staticfiles",
        (),
        "`django_platform.storage.PlatformStaticStorage` in every phase and on every profile: WhiteNoise's "
        "compressed manifest storage (hashed names, far-future caching, gzip, and brotli with the `brotli` "
        "package) that serves a name missing from the manifest under its plain name instead of failing the page, "
        "and logs that once. Builds are detected as `local`, so it does not depend on the platform. `settings.py`'s "
        "`ManifestStaticFilesStorage` gets compression added, its `StaticFilesStorage` is replaced, any other "
        "backend is kept. `STATICFILES_STORAGE` is never written",
    ),
)
