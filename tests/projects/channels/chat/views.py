import asyncio
import os

from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


async def wait(request: HttpRequest) -> HttpResponse:
    """A view that waits on something else (an API, a queue) without holding a thread."""
    seconds = float(request.GET.get("s", "0.05"))
    await asyncio.sleep(seconds)
    return HttpResponse(f"waited {seconds:g} s in {os.getpid()}")


def db(request: HttpRequest) -> JsonResponse:
    """A sync view under ASGI: the ORM in a thread, its connection closed after the request."""
    return JsonResponse(
        {
            "users": User.objects.count(),
            "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
            "pooled": bool(connection.settings_dict["OPTIONS"].get("pool")),
            "client": request.META.get("REMOTE_ADDR"),  # the router's X-Forwarded-For, where trusted
        }
    )


def visit(request: HttpRequest) -> JsonResponse:
    """The session in PostgreSQL, read and saved; whether this worker runs Django's middleware hooks on
    the event loop (the session is then saved from the request's thread, not the loop)."""
    from django_platform.inline_middleware import installed

    request.session["visits"] = request.session.get("visits", 0) + 1
    return JsonResponse({"visits": request.session["visits"], "inline": bool(installed())})
