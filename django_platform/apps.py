from __future__ import annotations

from django.apps import AppConfig


class DjangoPlatformConfig(AppConfig):
    name = "django_platform"
    verbose_name = "Django Platform"

    def ready(self) -> None:
        # Local: the checks import models and storages, which need the app registry ready.
        from django_platform.checks import register

        register()
