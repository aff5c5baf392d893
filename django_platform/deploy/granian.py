"""Granian's command line for the platform, decided at start as the gunicorn config's values are.

Granian reads neither PORT nor WEB_CONCURRENCY, and trusts no forwarded header by itself: the
launcher (`python -m django_platform.granian proj.asgi:application`, the web line
`platform_procfile --server granian` writes) passes the port, the worker count and the stop window
on its command line, and serves the project's application wrapped with Granian's own proxy-headers
middleware, trusting the platform's router only."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

from django_platform.deploy.gunicorn import forwarded_allow_ips, graceful_timeout, router_keepalive, worker_count
from django_platform.parsers.env import get_int, parse_int
from django_platform.platforms import Platform

# The application Granian imports in each worker: the project's, behind the proxy-headers wrapper.
WRAPPER = "django_platform.granian_app:application"
TARGET_VARIABLE = "DJANGO_PLATFORM_ASGI_TARGET"
TRUSTED_VARIABLE = "DJANGO_PLATFORM_TRUSTED_PROXIES"
# Granian ends an idle HTTP/1 keep-alive connection when its header read timeout runs out (measured:
# at 30 s by default, at 2 s with 2000), and takes at most 60000 ms.
MAX_IDLE = 60


def closes_websockets() -> bool:
    """Whether the launcher closes open websockets as a restart at a stop (django_platform.asgi_stop,
    on asyncio's loop): where Channels is installed, since Django's own handler serves HTTP only and
    websockets come with Channels' router. The launcher and W054 both ask this."""
    return importlib.util.find_spec("channels") is not None


def keep_alive(env: Mapping[str, str], platform: Platform) -> list[str]:
    """Granian's keep-alive flags: idle connections kept longer than the router keeps them, as
    gunicorn's keepalive (GUNICORN_KEEPALIVE, else the router's idle timeout + 5). Where that is
    longer than Granian can (Heroku's 90 s, Railway's 60 s) or 0, keep-alive off: the router would
    reuse a connection Granian has closed and fail the request, so each request gets its own.
    Where the router's timeout is unknown, the longest Granian keeps them."""
    wanted = get_int(env, "GUNICORN_KEEPALIVE", minimum=0)
    if wanted is None:
        wanted = router_keepalive(platform)
    if wanted is None:
        return ["--http1-header-read-timeout", str(MAX_IDLE * 1000)]
    if wanted == 0 or wanted > MAX_IDLE:
        return ["--no-http1-keep-alive"]
    return ["--http1-header-read-timeout", str(wanted * 1000)]


def arguments(
    env: Mapping[str, str],
    platform: Platform,
    *,
    cpus: float,
    memory: int | None,
    ipv6: tuple[bool, bool] = (False, False),
    websockets: bool = False,
) -> list[str]:
    """granian's arguments (after the program name) for this platform and environment; `websockets`:
    the project can route them (Channels is installed)."""
    port = str(parse_int("PORT", env["PORT"], minimum=1, maximum=65535)) if env.get("PORT", "").strip() else "8000"
    # Granian takes one address: "::" where it is dual-stack (as gunicorn's [::]), else IPv4 only.
    host = "::" if ipv6 == (True, False) else "0.0.0.0"  # noqa: S104 - the platform's router connects from outside
    workers = worker_count(env, cpus=cpus, memory=memory, platform=platform)
    # Finish in-flight requests before the platform's SIGKILL: gunicorn's graceful timeout, the one a
    # manifest's stop window is written above.
    stop = graceful_timeout(env, platform)
    return [
        "--interface", "asgi",
        "--host", host,
        "--port", port,
        "--workers", str(workers),
        "--workers-kill-timeout", str(stop),
        "--respawn-failed-workers",
        *keep_alive(env, platform),
        # Websockets: asyncio's loop, whose signal handlers the wrapper puts its close in front of
        # (django_platform.asgi_stop); else Granian's pick, uvloop where installed, 11% to 16% faster
        # pinned to a CPU (benchmarks/results/asgi-loop.md).
        "--loop", "asyncio" if websockets else "auto",
        WRAPPER,
    ]  # fmt: skip


def trusted_proxies(env: Mapping[str, str], platform: Platform) -> str:
    """Whose X-Forwarded-* headers the application believes: as gunicorn's forwarded_allow_ips."""
    return forwarded_allow_ips(env) or ("*" if platform.router_tls else "127.0.0.1")
