from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
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


def summary_file(request: HttpRequest, pk: int) -> FileResponse:
    """The worker's file, read from the default storage: any node can serve it."""
    note = get_object_or_404(Summary, pk=pk)
    return FileResponse(default_storage.open(note.file, "rb"), content_type="text/plain")
