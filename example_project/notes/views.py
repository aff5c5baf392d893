import time

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from notes.forms import NoteForm
from notes.models import Note


@login_required
def board(request: HttpRequest) -> HttpResponse:
    form = NoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("board")
    return render(request, "notes/board.html", {"form": form, "notes": Note.objects.all()[:50]})


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    # Streamed from the default storage (S3 on a platform), so any node can serve any upload.
    note = get_object_or_404(Note, pk=pk)
    return FileResponse(note.attachment.open("rb"), filename=note.attachment.name.rsplit("/", 1)[-1])


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong\n", content_type="text/plain")


def db(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{Note.objects.count()} notes\n", content_type="text/plain")


def slow(request: HttpRequest) -> HttpResponse:
    seconds = min(float(request.GET.get("s", "1")), 10.0)
    time.sleep(seconds)
    return HttpResponse(f"slept {seconds}\n", content_type="text/plain")
