# Celery's Django layout: the app loads with the project, so @shared_task binds to it.
from jobs.celery import app as celery_app

__all__ = ["celery_app"]
