from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("django-platform example project\n", content_type="text/plain")


urlpatterns = [
    path("", home),
    path("admin/", admin.site.urls),
]
