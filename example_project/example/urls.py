from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from notes import views

urlpatterns = [
    path("", views.board, name="board"),
    path("notes/<int:pk>/file", views.attachment, name="attachment"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("ping", views.ping),
    path("db", views.db),
    path("slow", views.slow),
    path("admin/", admin.site.urls),
    # /healthz (liveness) and /readyz (readiness), answered for the platform's probes.
    path("", include("django_platform.health.urls")),
]
