from __future__ import annotations

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
    planned it (served over ASGI, every middleware allowing it, DJANGO_PLATFORM_INLINE_MIDDLEWARE not
    false) and no SyncChainMiddleware was listed since. Before Django's ASGI handler is made, so that
    its middleware are made with them."""
    # Local: settings are read once the apps are ready.
    from django.conf import settings

    from django_platform.areas.asgi import SYNC_CHAIN
    from django_platform.inline_middleware import install

    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    names = ("MIDDLEWARE", "SESSION_ENGINE", "SESSION_SAVE_EVERY_REQUEST", "CSRF_USE_SESSIONS", "MESSAGE_STORAGE")
    current = {name: getattr(settings, name, None) for name in names}
    if not getattr(report, "inline_middleware", False) or SYNC_CHAIN in (current["MIDDLEWARE"] or []):
        return []
    return install(current)
