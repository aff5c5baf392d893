from celery import shared_task
from django.core.cache import cache


@shared_task
def record(token: str) -> None:
    cache.set(f"done:{token}", "yes", timeout=600)
