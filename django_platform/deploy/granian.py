"""Granian's command line for the platform, decided at start as the gunicorn config's values are.

Granian reads neither PORT nor WEB_CONCURRENCY, and trusts no forwarded header by itself: the
launcher (`python -m django_platform.granian proj.asgi:application`, the web line
`platform_procfile --server granian` writes) passes the port, the worker count and the stop window
on its command line, and serves the project's application wrapped with Granian's own proxy-headers
middleware, trusting the platform's router only."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.deploy.gunicorn import (
    forwarded_allow_ips,
    graceful_timeout,
    router_keepalive,
    worker_count,
    workers_why,
)
from django_platform.parsers.env import get_int, parse_int
from django_platform.platforms import Platform

# The application Granian imports in each worker: the project's, behind the proxy-headers wrapper.
WRAPPER = "django_platform.granian_app:application"
TARGET_VARIABLE = "DJANGO_PLATFORM_ASGI_TARGET"
TRUSTED_VARIABLE = "DJANGO_PLATFORM_TRUSTED_PROXIES"
# Granian ends an idle HTTP/1 keep-alive connection when its header read timeout runs out (measured:
# at 30 s by default, at 2 s with 2000), and takes at most 60000 ms.
MAX_IDLE = 60
READ_TIMEOUT = "--http1-header-read-timeout"


def closes_websockets() -> bool:
    """Whether the launcher closes open websockets as a restart at a stop (django_platform.asgi_stop,
    on asyncio's loop): where Channels is installed, since Django's own handler serves HTTP only and
    websockets come with Channels' router. The launcher and W054 both ask this."""
    return importlib.util.find_spec("channels") is not None


def keep_alive(env: Mapping[str, str], platform: Platform) -> tuple[str, Any, str]:
    """Granian's keep-alive flag, its value and why: idle connections kept longer than the router
    keeps them, as gunicorn's keepalive (GUNICORN_KEEPALIVE, else the router's idle timeout + 5).
    Where that is longer than Granian can (Heroku's 90 + 5, Railway's 60 + 5) or 0, keep-alive off: the
    router would reuse a connection Granian has closed and fail the request, so each request gets
    its own. Where the router's timeout is unknown, the longest Granian keeps them."""
    wanted = get_int(env, "GUNICORN_KEEPALIVE", minimum=0)
    told = wanted is not None
    if wanted is None:
        wanted = router_keepalive(platform)
    if wanted is None:
        return (
            READ_TIMEOUT,
            MAX_IDLE * 1000,
            "idle connections kept as long as Granian can (the router's idle timeout is unknown)",
        )
    if wanted == 0:
        return "--no-http1-keep-alive", None, "GUNICORN_KEEPALIVE=0"
    if wanted > MAX_IDLE:
        longer = (
            f"GUNICORN_KEEPALIVE ({wanted} s)"
            if told
            else f"{wanted} s (the router's {platform.router_idle_timeout} s idle timeout + 5)"
        )
        return (
            "--no-http1-keep-alive",
            None,
            f"{longer} is longer than Granian keeps an idle connection ({MAX_IDLE} s): a connection per request",
        )
    why = "GUNICORN_KEEPALIVE" if told else f"above the router's {platform.router_idle_timeout} s idle timeout"
    return READ_TIMEOUT, wanted * 1000, f"{why}: Granian ends an idle connection when it runs out"


def explain(
    env: Mapping[str, str],
    platform: Platform,
    *,
    cpus: float,
    memory: int | None,
    ipv6: tuple[bool, bool] = (False, False),
    websockets: bool = False,
) -> list[tuple[str, Any, str]]:
    """(flag, value or None for a switch, why) for granian's command line on this platform and
    environment, as the launcher passes them; `websockets`: the project can route them (Channels is
    installed). What platform_check shows for the launcher's web line."""
    port = parse_int("PORT", env["PORT"], minimum=1, maximum=65535) if env.get("PORT", "").strip() else 8000
    # Granian takes one address: "::" where it is dual-stack (as gunicorn's [::]), else IPv4 only.
    host = "::" if ipv6 == (True, False) else "0.0.0.0"  # noqa: S104 - the platform's router connects from outside
    workers = worker_count(env, cpus=cpus, memory=memory, platform=platform)
    stop = graceful_timeout(env, platform)
    window = f"{platform.label} sends {platform.stop_signal}, then SIGKILL after {platform.stop_window(env)} s"
    return [
        ("--interface", "asgi", "Django's ASGI handler, behind the launcher's wrapper"),
        ("--host", host, "dual-stack, as gunicorn's [::]" if host == "::" else "IPv4: no dual-stack IPv6 here"),
        ("--port", port, "PORT" if env.get("PORT", "").strip() else "Granian does not read PORT: 8000 without it"),
        ("--workers", workers, workers_why(env, platform, cpus=cpus, memory=memory)),
        # Finish in-flight requests before the platform's SIGKILL: gunicorn's graceful timeout, the
        # one a manifest's stop window is written above.
        (
            "--workers-kill-timeout",
            stop,
            "GUNICORN_GRACEFUL_TIMEOUT" if env.get("GUNICORN_GRACEFUL_TIMEOUT", "").strip() else window,
        ),
        ("--respawn-failed-workers", None, "a worker that dies is started again, as gunicorn's master does"),
        keep_alive(env, platform),
        # Websockets: asyncio's loop, whose signal handlers the wrapper puts its close in front of
        # (django_platform.asgi_stop); else Granian's pick, uvloop where installed, 11% to 16% faster
        # pinned to a CPU (benchmarks/results/asgi-loop.md).
        (
            "--loop",
            "asyncio" if websockets else "auto",
            "asyncio's: the launcher closes open websockets at a stop (Channels is installed)"
            if websockets
            else "Granian's pick (uvloop where installed): no websockets to close at a stop",
        ),
    ]


def command_line(flags: list[tuple[str, Any, str]]) -> list[str]:
    """granian's arguments (after the program name): explain()'s flags, then the wrapper."""
    return [*(word for flag, value, _ in flags for word in ([flag] if value is None else [flag, str(value)])), WRAPPER]


def explain_here(env: Mapping[str, str], platform: Platform) -> list[tuple[str, Any, str]] | str:
    """explain() with this machine's CPUs, memory and IPv6, and this project's Channels, as the
    launcher passes them; or, for an invalid value, our message (it names the variable, never the value)."""
    # Local: the machine's probes load where a command asks.
    from django_platform.deploy.gunicorn import ipv6_support
    from django_platform.machine import cpu_limit, memory_limit

    try:
        return explain(
            env, platform, cpus=cpu_limit(), memory=memory_limit(), ipv6=ipv6_support(), websockets=closes_websockets()
        )
    except ImproperlyConfigured as exc:
        return str(exc)


def trusted_proxies(env: Mapping[str, str], platform: Platform) -> str:
    """Whose X-Forwarded-* headers the application believes: as gunicorn's forwarded_allow_ips."""
    return forwarded_allow_ips(env) or ("*" if platform.router_tls else "127.0.0.1")
