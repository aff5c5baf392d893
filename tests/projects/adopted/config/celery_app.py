"""The Celery app where cookiecutter-django puts it (config/celery_app.py), not <project>/celery.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("adopted")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
