from __future__ import annotations

from django.apps import AppConfig


class DjangoPlatformConfig(AppConfig):
    name = "django_platform"
    verbose_name = "Django Platform"
