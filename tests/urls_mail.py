"""A URLconf that wires Django's password reset views, which send mail."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("accounts/", include("django.contrib.auth.urls"))]
