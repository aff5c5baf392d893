from django.urls import include, path

from chat import views

urlpatterns = [
    path("wait", views.wait),
    path("db", views.db),
    path("visit", views.visit),
    path("", include("django_platform.health.urls")),
]
