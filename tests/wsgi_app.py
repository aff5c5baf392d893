"""A bare WSGI app for checking gunicorn configs without a Django project."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]


def waits(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Waits ?s= seconds (a remote call) and answers with the serving process's id."""
    import os
    import time
    from urllib.parse import parse_qs

    time.sleep(float(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["0"])[0]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
