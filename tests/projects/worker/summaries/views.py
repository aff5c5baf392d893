from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from summaries.models import Summary
from summaries.tasks import celery_summary, django_summary


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong\n", content_type="text/plain")


def summarize(request: HttpRequest) -> JsonResponse:
    """Enqueue: with ?engine=django through Django's Tasks, else through Celery."""
    engine = request.GET.get("engine", "celery")
    note = Summary.objects.create(text=request.GET.get("text", ""), engine=engine)
    if engine == "django":
        django_summary.enqueue(note.pk)
    else:
        celery_summary.delay(note.pk)
    return JsonResponse({"id": note.pk})


def show(request: HttpRequest, pk: int) -> JsonResponse:
    note = get_object_or_404(Summary, pk=pk)
    return JsonResponse({"id": note.pk, "summary": note.summary})
