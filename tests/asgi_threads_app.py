"""An ASGI application whose one view answers with the name of the thread that ran it, for
tests/test_asgi_threads.py's real gunicorn."""

import os
import threading

from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

application = get_asgi_application()


def name(request: HttpRequest) -> HttpResponse:
    return HttpResponse(threading.current_thread().name)


urlpatterns = [path("name", name)]

from django.conf import settings  # noqa: E402 - after Django is set up by get_asgi_application

settings.ROOT_URLCONF = __name__
settings.ALLOWED_HOSTS = ["127.0.0.1"]
