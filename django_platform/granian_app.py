"""The application `python -m django_platform.granian` has Granian serve in each worker: the
project's ASGI application (DJANGO_PLATFORM_ASGI_TARGET) behind Granian's proxy-headers wrapper,
trusting the router's X-Forwarded-For and X-Forwarded-Proto only from the addresses in
DJANGO_PLATFORM_TRUSTED_PROXIES, each request's sync code on a thread kept for later requests and
Django's handler's trips to it made only where they have work (django_platform.asgi_trips), its open
websockets closed as a restart at the worker's stop signal (django_platform.asgi_stop)."""

from __future__ import annotations

import importlib
import os
from typing import Any

from granian.utils.proxies import wrap_asgi_with_proxy_headers

from django_platform.asgi_stop import ClosingWebsockets
from django_platform.asgi_trips import reuse_threads
from django_platform.deploy.granian import TARGET_VARIABLE, TRUSTED_VARIABLE


def load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute or "application")


served = reuse_threads(load(os.environ[TARGET_VARIABLE]), os.environ)
proxied = wrap_asgi_with_proxy_headers(served, trusted_hosts=os.environ.get(TRUSTED_VARIABLE, "127.0.0.1"))
application = ClosingWebsockets(proxied)
