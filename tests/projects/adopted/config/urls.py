from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path

from notes.tasks import record


def enqueue(request: HttpRequest) -> HttpResponse:
    """Queue a task that marks `token` done in the cache (django-redis, the platform's Redis)."""
    record.delay(request.GET["token"])
    return HttpResponse("queued\n", content_type="text/plain")


urlpatterns = [path("enqueue", enqueue), path("admin/", admin.site.urls)]
