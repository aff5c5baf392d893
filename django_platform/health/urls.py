"""`path("", include("django_platform.health.urls"))`: the health paths, in urls.py. Included at
the root, HealthMiddleware answers them for the platform's probe Hosts too."""

from __future__ import annotations

from django.urls import path

from django_platform.health import config
from django_platform.health.views import live, ready, startup

_config = config()
urlpatterns = [
    path(_config.live.lstrip("/"), live, name="platform-health-live"),
    path(_config.ready.lstrip("/"), ready, name="platform-health-ready"),
]
if _config.startup:
    urlpatterns.append(path(_config.startup.lstrip("/"), startup, name="platform-health-startup"))
