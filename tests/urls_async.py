"""A URLconf with async views, for the checks on the server that runs them."""

from __future__ import annotations

import asyncio

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import View


async def wait(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0.05)
    return HttpResponse("waited")


class Stream(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("streamed")


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


urlpatterns = [
    path("wait", wait),
    path("api/", include([path("stream", Stream.as_view()), path("plain", plain)])),
]
