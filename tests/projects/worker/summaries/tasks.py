import time

import django
from celery import shared_task

from summaries.models import Run, Summary

if django.VERSION >= (6, 0):
    from django.tasks import task
else:
    from django_tasks import task


def first_sentence(text: str) -> str:
    return text.split(".")[0].strip()


@shared_task(name="summaries.celery_summary")
def celery_summary(pk: int) -> str:
    note = Summary.objects.get(pk=pk)
    note.summary = first_sentence(note.text)
    note.save(update_fields=["summary"])
    return note.summary


@task()
def django_summary(pk: int) -> str:
    note = Summary.objects.get(pk=pk)
    note.summary = first_sentence(note.text)
    note.save(update_fields=["summary"])
    return note.summary


@shared_task(name="summaries.work")
def work(key: str, seconds: float) -> None:
    """A task that takes a while and records that it finished."""
    time.sleep(seconds)
    Run.objects.create(key=key)
