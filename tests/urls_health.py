"""A project that opts in to the health paths with its one urls.py line."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("", include("django_platform.health.urls"))]
