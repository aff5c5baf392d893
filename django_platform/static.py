"""Static files served by WhiteNoise: STATIC_ROOT, the middleware, and the compressed storage."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django_platform.platforms import Platform
from django_platform.report import Report

SECURITY = "django.middleware.security.SecurityMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
# Hashed names with far-future caching, gzip and (with the brotli package) br copies.
WHITENOISE_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
DJANGO_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
DEFAULT_FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def base_dir(current: Mapping[str, Any]) -> Path:
    """BASE_DIR as startproject defines it, else the directory above settings.py's package."""
    if current.get("BASE_DIR"):
        return Path(current["BASE_DIR"])
    settings_file = current.get("__file__")
    return Path(settings_file).resolve().parent.parent if settings_file else Path.cwd()


def with_whitenoise(middleware: list[str]) -> list[str]:
    """WhiteNoise exactly once, right after SecurityMiddleware (first if that is absent)."""
    result = [m for m in middleware if m != WHITENOISE]
    index = result.index(SECURITY) + 1 if SECURITY in result else 0
    result.insert(index, WHITENOISE)
    return result


def build_static(current: Mapping[str, Any], platform: Platform, report: Report) -> dict[str, Any]:
    result: dict[str, Any] = {}
    # No directory is created here: collectstatic creates STATIC_ROOT when it runs.
    if current.get("STATIC_ROOT"):
        report.record("STATIC_ROOT", str(current["STATIC_ROOT"]), "settings.py")
    else:
        result["STATIC_ROOT"] = base_dir(current) / "staticfiles"
        report.record("STATIC_ROOT", str(result["STATIC_ROOT"]), "default: BASE_DIR / 'staticfiles'")
    if not current.get("STATIC_URL"):
        result["STATIC_URL"] = "static/"
        report.record("STATIC_URL", "static/", "default")

    middleware = list(current.get("MIDDLEWARE") or [])
    updated = with_whitenoise(middleware)
    if updated != middleware:
        result["MIDDLEWARE"] = updated
    report.record("MIDDLEWARE", updated, "WhiteNoise inserted after SecurityMiddleware")

    storages = {k: dict(v) for k, v in (current.get("STORAGES") or {}).items()}
    storages.setdefault("default", dict(DEFAULT_FILE_STORAGE))
    static = storages.get("staticfiles", {}).get("BACKEND")
    if static and static != DJANGO_STATIC_STORAGE:
        report.record("STORAGES.staticfiles", storages["staticfiles"], "settings.py")
    elif platform.is_local:
        # Locally the manifest storage would make tests fail until collectstatic has run.
        storages["staticfiles"] = {"BACKEND": DJANGO_STATIC_STORAGE}
        report.record("STORAGES.staticfiles", storages["staticfiles"], "local: Django's storage")
    else:
        storages["staticfiles"] = {"BACKEND": WHITENOISE_STORAGE}
        report.record("STORAGES.staticfiles", storages["staticfiles"], f"platform default ({platform.name})")
    result["STORAGES"] = storages
    return result
