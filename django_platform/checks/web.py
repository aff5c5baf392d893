"""HTTPS behind the router, hosts and CSRF origins, and static files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import CheckMessage, Error, Warning

from django_platform.areas.health import MIDDLEWARE as HEALTH
from django_platform.areas.security import PROXY_HEADER
from django_platform.areas.static import SECURITY, WHITENOISES
from django_platform.attempt import Failed, attempt
from django_platform.checks import environment, expected_origins, target_platform
from django_platform.platforms import Context, Platform

W003 = "SECURE_PROXY_SSL_HEADER is not set, but {platform}'s router terminates TLS: Django sees every request as HTTP."
W059 = (
    "SECURE_PROXY_SSL_HEADER is {chosen}, but {platform}'s router sends X-Forwarded-Proto: https: unless a proxy in "
    "front sets it, Django sees every request as HTTP{loop}."
)
W004 = "ALLOWED_HOSTS contains '*' and {platform}'s router does not check the Host header."
W005 = "CSRF_TRUSTED_ORIGINS lacks {origins}: form posts from the platform's host name may fail."
W006 = "WhiteNoise is not in MIDDLEWARE: static files are not served."
W007 = "WhiteNoise comes after {before} in MIDDLEWARE: those run for every static file request."
E010 = "STATIC_ROOT is not set: collectstatic has nowhere to put static files."
E015 = "ALLOWED_HOSTS names no host of the app: {platform} gets 400 Bad Request for every request."
E017 = "Static files are not collected here: {manifest} is missing, so pages are served unstyled and uncached."
E017_UNHASHED = (
    "Static files were collected without their manifest ({manifest} is missing): collectstatic ran under "
    "settings that do not use django-platform's storage, so pages are styled but file names are not hashed, "
    "and browsers cannot cache them for long."
)


def check_proxy_header(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    chosen = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not platform.router_tls:
        return []
    if chosen:
        return _other_header(platform, chosen)
    return [
        Warning(
            W003.format(platform=platform.label),
            hint="Set SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https'), or let "
            "django_platform.configure(globals()) set it.",
            id="django_platform.W003",
        )
    ]


def _other_header(platform: Platform, chosen: Any) -> list[CheckMessage]:
    """settings.py's header or value is not the router's (an old host's X-Forwarded-Protocol: ssl, a
    capitalised HTTPS: Django compares exactly): no request is secure, and a redirect to HTTPS loops."""
    if isinstance(chosen, (list, tuple)) and tuple(chosen) == PROXY_HEADER:
        return []
    loop = ", and SECURE_SSL_REDIRECT answers each with a redirect to itself" if settings.SECURE_SSL_REDIRECT else ""
    return [
        Warning(
            W059.format(chosen=repr(chosen), platform=platform.label, loop=loop),
            hint=f"Set SECURE_PROXY_SSL_HEADER = {PROXY_HEADER!r}, or remove it from settings.py and let "
            "django_platform.configure(globals()) set it.",
            id="django_platform.W059",
        )
    ]


def check_hosts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development:
        return []
    messages: list[CheckMessage] = []
    health = set(platform.health_hosts(Context(environment(), platform)))
    if not [h for h in settings.ALLOWED_HOSTS if h not in health]:
        messages.append(
            Error(
                E015.format(platform=platform.label),
                hint="Set DJANGO_ALLOWED_HOSTS to the app's host names, comma-separated (app.example.com).",
                id="django_platform.E015",
            )
        )
    if "*" in settings.ALLOWED_HOSTS and not platform.router_checks_host:
        messages.append(
            Warning(
                W004.format(platform=platform.label),
                hint="List the app's host names in DJANGO_ALLOWED_HOSTS instead of '*'.",
                id="django_platform.W004",
            )
        )
    missing = [o for o in expected_origins(platform) if o not in settings.CSRF_TRUSTED_ORIGINS]
    if missing:
        messages.append(
            Warning(
                W005.format(origins=", ".join(missing)),
                hint="Add them to DJANGO_CSRF_TRUSTED_ORIGINS, or let configure() set them.",
                id="django_platform.W005",
            )
        )
    return messages


def check_static(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if target_platform().development:
        return []
    messages: list[CheckMessage] = []
    middleware = list(settings.MIDDLEWARE)
    listed = next((m for m in middleware if m in WHITENOISES), None)
    if listed is None:
        messages.append(
            Warning(
                W006,
                hint="Add 'whitenoise.middleware.WhiteNoiseMiddleware' right after "
                "SecurityMiddleware, or let configure() add it.",
                id="django_platform.W006",
            )
        )
    else:
        index = middleware.index(listed)
        # HealthMiddleware costs one dict lookup for a static file request: it may come first.
        before = [m for m in middleware[:index] if m not in (SECURITY, HEALTH)]
        if before:
            messages.append(
                Warning(
                    W007.format(before=", ".join(before)),
                    hint="Move WhiteNoiseMiddleware right after SecurityMiddleware.",
                    id="django_platform.W007",
                )
            )
    if not getattr(settings, "STATIC_ROOT", None):
        messages.append(
            Error(
                E010,
                hint="Set STATIC_ROOT = BASE_DIR / 'staticfiles', or let configure() set it.",
                id="django_platform.E010",
            )
        )
    else:
        messages += _uncollected(target_platform())
    return messages


def _uncollected(platform: Platform) -> list[CheckMessage]:
    """Only where the app really runs on `platform` (not from a laptop judging for it): are the files
    that the build collected here?"""
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    if report is None or report.platform != platform.name:
        return []

    storage: Any = staticfiles_storage
    # Building the storage can fail (no STATIC_URL, a backend that does not import): that is for
    # Django's own checks and E010 to report, not a reason for this check to crash the command.
    manifest = attempt(lambda: getattr(storage, "manifest_name", None), Exception)
    if manifest is None or isinstance(manifest, Failed) or storage.manifest_storage.exists(manifest):
        return []
    root = Path(str(settings.STATIC_ROOT))
    if _has_files(root):
        # Split settings: the build's DJANGO_SETTINGS_MODULE (often the default `base`) does not
        # call configure(), so its collectstatic wrote plain names and no manifest.
        # SETTINGS_MODULE is None under override_settings; the variable names the same module.
        module = (
            getattr(settings, "SETTINGS_MODULE", None)
            or os.environ.get("DJANGO_SETTINGS_MODULE")
            or "your production settings module"
        )
        return [
            Error(
                E017_UNHASHED.format(manifest=root / manifest),
                hint=f"Run collectstatic at build with the settings the app runs with: DJANGO_SETTINGS_MODULE={module} "
                f"(in a Dockerfile: ENV DJANGO_SETTINGS_MODULE={module} before RUN python manage.py collectstatic "
                "--noinput).",
                id="django_platform.E017",
            )
        ]
    how = platform.collectstatic_at_build or "run it where the app is built"
    return [
        Error(
            E017.format(manifest=root / manifest),
            hint=f"Collect them at build: {how}. By hand: python manage.py collectstatic --noinput",
            id="django_platform.E017",
        )
    ]


def _has_files(root: Path) -> bool:
    """Whether collectstatic wrote anything under `root` (one file is enough to tell)."""
    found = attempt(lambda: next((p for p in root.rglob("*") if p.is_file()), None), OSError)
    return isinstance(found, Path)


CHECKS = (check_proxy_header, check_hosts, check_static)
