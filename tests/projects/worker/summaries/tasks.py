import functools
import os
import time

import django
from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from summaries.models import Run, Summary

if django.VERSION >= (6, 0):
    from django.tasks import task
else:
    from django_tasks import task


def first_sentence(text: str) -> str:
    return text.split(".")[0].strip()


def summarize(pk: int) -> str:
    note = Summary.objects.get(pk=pk)
    note.summary = first_sentence(note.text)
    note.file = default_storage.save(f"summaries/{pk}.txt", ContentFile(note.summary.encode()))
    note.save(update_fields=["summary", "file"])
    return note.summary


@shared_task(name="summaries.celery_summary")
def celery_summary(pk: int) -> str:
    return summarize(pk)


@task()
def django_summary(pk: int) -> str:
    return summarize(pk)


@shared_task(name="summaries.work")
def work(key: str, seconds: float) -> None:
    """A task that takes a while and records that it finished."""
    time.sleep(seconds)
    Run.objects.create(key=key)


@shared_task(name="summaries.tick")
def tick() -> None:
    """The periodic task beat sends every second."""
    Run.objects.create(key="tick")


@task()
def slow_work(key: str, seconds: float) -> None:
    """Django's Tasks' twin of work()."""
    time.sleep(seconds)
    Run.objects.create(key=key)


@functools.cache
def _stamps():  # one connection per process
    import redis

    return redis.Redis.from_url(os.environ["JOBS_STAMPS"])


def _stamp(sent: float) -> None:
    """benchmarks/tasks.py: when a task enqueued at `sent` ran, kept in Redis, not the database;
    after JOBS_WORK seconds of (I/O-bound) work."""
    time.sleep(float(os.environ.get("JOBS_WORK") or 0))
    _stamps().rpush(os.environ["JOBS_STAMPS_KEY"], f"{sent} {time.time()}")


@shared_task(name="summaries.stamp")
def stamp(sent: float) -> None:
    _stamp(sent)


@task()
def stamp_django(sent: float) -> None:
    _stamp(sent)
