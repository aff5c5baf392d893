from __future__ import annotations

import os

from django.apps import AppConfig


class DjangoPlatformConfig(AppConfig):
    name = "django_platform"
    verbose_name = "Django Platform"

    def ready(self) -> None:
        # Local: the checks import models and storages, which need the app registry ready.
        from django_platform.checks import register

        register()
        inline_hooks()


def inline_hooks() -> list[str]:
    """Django's middleware hooks on the event loop (inline_middleware.install) where configure()
    planned it: served over ASGI, no SyncChainMiddleware, DJANGO_PLATFORM_INLINE_MIDDLEWARE not false.
    Before Django's ASGI handler is made, so that its middleware are made with them."""
    # Local: settings are read once the apps are ready.
    from django.conf import settings

    from django_platform.areas.asgi import SYNC_CHAIN
    from django_platform.inline_middleware import install
    from django_platform.parsers.serving import asgi_reason, inline_middleware

    names = ("ASGI_APPLICATION", "INSTALLED_APPS", "MIDDLEWARE", "SESSION_ENGINE", "SESSION_SAVE_EVERY_REQUEST")
    current = {name: getattr(settings, name, None) for name in (*names, "CSRF_USE_SESSIONS", "MESSAGE_STORAGE")}
    middleware = current["MIDDLEWARE"] or []
    if asgi_reason(current, os.environ) is None or SYNC_CHAIN in middleware or not inline_middleware(os.environ):
        return []
    return install(current)
