"""Background work: Celery's settings (areas/celery.py) and Django's Tasks (areas/django_tasks.py),
one area so that `exclude={"tasks"}` leaves both alone."""

from __future__ import annotations

from django_platform.areas import celery, django_tasks
from django_platform.areas.base import Changes, Namespace
from django_platform.areas.celery import build_tasks
from django_platform.areas.django_tasks import build_django_tasks
from django_platform.platforms import Context
from django_platform.report import Report


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    values = build_tasks(ctx, ns.as_mapping(), report)
    values.update(build_django_tasks(ctx, ns.as_mapping(), report))
    return Changes(values)


SETTINGS = (*celery.SETTINGS, *django_tasks.SETTINGS)
