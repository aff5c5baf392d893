"""HealthMiddleware, first in MIDDLEWARE (configure() puts it there): answers the health paths
before SecurityMiddleware's HTTPS redirect and before any middleware validates the Host, for the
platform's probe Hosts (DJANGO_PLATFORM_HEALTH_HOSTS) and private or loopback addresses, which is
how probes reach an instance; other Hosts must be in ALLOWED_HOSTS. Every other request passes
through untouched at the cost of one dict lookup."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from django_platform.health import HOSTS_SETTING, MARK, config
from django_platform.health.views import live, ready, startup


def host_name(raw: str) -> str:
    """The Host header without its port, lowercased; IPv6 addresses keep their brackets."""
    raw = raw.strip().lower()
    if raw.startswith("["):
        end = raw.find("]")
        return raw[: end + 1] if end > 0 else ""
    return raw.rsplit(":", 1)[0].removesuffix(".")


def private_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host[1:-1] if host.startswith("[") else host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


class HealthMiddleware:
    # Both: under ASGI a sync-only middleware first in the chain makes Django adapt every request
    # to sync and back (a thread hop each way).
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        self.config = config()
        self.views = {self.config.live: live, self.config.ready: ready}
        if self.config.startup:
            self.views[self.config.startup] = startup
        self.probe_hosts = {str(h).lower() for h in getattr(settings, HOSTS_SETTING, None) or ()}
        self._routed: dict[str, bool] = {}

    def _enabled(self, path: str) -> bool:
        if self.config.enabled:
            return True
        if path not in self._routed:  # opted in by urls.py: asked once per path
            try:
                self._routed[path] = resolve(path).func in (live, ready, startup)
            except Resolver404:
                self._routed[path] = False
        return self._routed[path]

    def _host_allowed(self, request: HttpRequest) -> bool:
        host = host_name(request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", ""))
        if host in self.probe_hosts or private_address(host):
            return True
        try:
            request.get_host()
        except DisallowedHost:
            return False  # the normal way: 400 from the rest of the stack
        return True

    def _view(self, request: HttpRequest) -> Callable[[HttpRequest], HttpResponse] | None:
        """The health view that answers this request, None to pass it on."""
        view = self.views.get(request.path_info)
        if view is None or not self._enabled(request.path_info) or not self._host_allowed(request):
            return None
        request.META[MARK] = True
        return view

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        view = self._view(request)
        return self.get_response(request) if view is None else view(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        view = self._view(request)
        if view is None:
            response: HttpResponse = await self.get_response(request)
            return response
        # The probes ask the database, which Django's ORM does from sync code only.
        return await sync_to_async(view)(request)
