"""gunicorn's logger without the access lines of successful health probes: platforms probe every
few seconds, which would bury the requests that matter. A failing probe is still logged."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from django_platform.health import MARK


class ProbeQuietLogger(Logger):  # type: ignore[misc]
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        status = getattr(resp, "status_code", None)
        if environ.get(MARK) and isinstance(status, int) and status < 400:
            return
        super().access(resp, req, environ, request_time)
