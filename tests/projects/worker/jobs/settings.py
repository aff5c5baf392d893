"""A project with background work, both kinds: Celery (its settings under CELERY_) and Django's
Tasks with django-tasks-db. The tests give the broker and the database through the environment."""

import os
from pathlib import Path

import django

import django_platform

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "django-insecure-worker-project-local-only"
DEBUG = True
ALLOWED_HOSTS: list[str] = []
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "summaries",
    "django_platform",
]
if django.VERSION < (6, 0):
    INSTALLED_APPS.insert(2, "django_tasks")  # the backport of django.tasks
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "jobs.urls"
WSGI_APPLICATION = "jobs.wsgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "collected"
MEDIA_ROOT = BASE_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SECURE_REDIRECT_EXEMPT = [r"^ping$"]

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("JOBS_QUEUE", "celery")  # one per test run
# Periodic tasks (the tests turn them on): platform_procfile then writes one beat process.
if os.environ.get("JOBS_BEAT"):
    CELERY_BEAT_SCHEDULE = {"tick": {"task": "summaries.tick", "schedule": 1.0}}
# The tests' own knob: how soon Redis gives a killed worker's tasks to another (Celery's default:
# after an hour, found by a sweep every ~100 s, which waits up to 5 minutes for a lock the killed
# worker may have held; here after the timeout, swept every 10 s, the lock kept 10 s).
if os.environ.get("JOBS_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ["JOBS_VISIBILITY_TIMEOUT"]),
        "unacked_restore_throttle": 1,
        "unacked_mutex_expire": 10,
    }

django_platform.configure(globals())
