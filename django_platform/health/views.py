"""The two answers. Bodies name checks and say ok, failed (an exception's class) or timeout: no
message, host, URL or stack trace."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from django_platform.health import config
from django_platform.health.probes import pending_migrations, planned, run


def _answer(request: HttpRequest, status: int, body: dict[str, object]) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD"
        return response
    response = JsonResponse(body, status=status)
    if request.method == "HEAD":
        response.content = b""
    response["Cache-Control"] = "no-store"
    # Django logs every 5xx at ERROR (mailing ADMINS where so configured): a failing probe every few
    # seconds is said once per check by the readiness logger instead.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _release(body: dict[str, object]) -> dict[str, object]:
    """The body with the running release, where the setting asks for it and something names it."""
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    release = getattr(report, "release", None)
    return {**body, "release": release} if release and config().release else body


def live(request: HttpRequest) -> HttpResponse:
    """The process answers: nothing else is touched (a database outage must not restart it)."""
    return _answer(request, 200, _release({"status": "ok"}))


def ready(request: HttpRequest) -> HttpResponse:
    """Every dependency the settings name answers within the deadline."""

    timeout = config().timeout
    results = run(planned(settings, timeout), timeout)
    ok = all(v == "ok" for v in results.values())
    body: dict[str, object] = {"status": "ok" if ok else "unavailable", "checks": results}
    return _answer(request, 200 if ok else 503, _release(body))


def startup(request: HttpRequest) -> HttpResponse:
    """Every database has every migration applied (never migrating): for a platform's startup
    probe, so an instance takes no traffic before the schema its code needs is there. A yes is
    remembered for the process; a no is asked again at most once a second."""
    pending = pending_migrations(config().timeout)
    if not pending:
        return _answer(request, 200, _release({"status": "ok"}))
    return _answer(request, 503, _release({"status": "migrating", "pending": pending}))
