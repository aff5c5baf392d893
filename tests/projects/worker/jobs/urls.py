from django.urls import path
from summaries import views

urlpatterns = [
    path("ping", views.ping),
    path("summarize", views.summarize),
    path("summaries/<int:pk>", views.show),
    path("summaries/<int:pk>/file", views.summary_file),
]
