"""gunicorn settings decided at server start, from the environment and the platform profile.

The generated gunicorn.conf.py (or the platform's own file name) calls apply(globals(), ...);
lines the user adds after the managed block override any value. Every value has an env override.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shlex
import socket
import sys
from collections.abc import Mapping, MutableMapping
from functools import partial
from pathlib import Path
from typing import Any

import gunicorn
from django.core.exceptions import ImproperlyConfigured
from gunicorn.config import Config
from gunicorn.workers import SUPPORTED_WORKERS

from django_platform.attempt import Failed, attempt
from django_platform.deploy.gunicorn_cli import GunicornCall, gunicorn_call
from django_platform.machine import (
    MEMORY_PER_WORKER,
    container_memory,
    cpu_limit,
    memory_cap,
    memory_limit,
)
from django_platform.parsers.env import FALSE, TextEnvironment, get_bool, get_int, parse_int
from django_platform.parsers.serving import REUSE_THREADS_VARIABLE, SERVER_VARIABLE, SERVERS, reuse_threads
from django_platform.platforms import LOCAL, PLUGINS_VARIABLE, Platform, detect, get_platform, load_plugins

DEFAULT_KEEPALIVE = 75  # above the 60 s idle timeout of common load balancers
# CPUs + 1 workers x 8 threads (16 on one CPU): benchmarks/anchors.py measured it against Heroku's
# 2 x CPUs + 1 x 5 and our former 2 x CPUs + 1 x 4. Views that wait (database, APIs, slow clients)
# need threads; CPU-bound views lose to context switches between processes on the same CPU.
DEFAULT_THREADS = 8
# Far beyond any machine a platform rents (its largest has 32-64 CPUs): a value above is a typo
# that would fork or spawn until the container dies.
MAX_WORKERS = 1000
MAX_THREADS = 1000
# gthread that accepts only while a thread is idle (deploy/gthread.py): stock gthread's first worker
# to wake takes every connection of a burst.
FAIR_WORKER = "django_platform.deploy.gthread.FairThreadWorker"
# It overrides gthread's internals as gunicorn 27 has them: another major release gets stock gthread
# (unfair, but working) until the fair worker is tested against it.
FAIR_GUNICORN = 27
# An ASGI application's worker: uvicorn's, maintained as the uvicorn-worker package (uvicorn's own
# uvicorn.workers path is deprecated); it takes gunicorn's keepalive, max_requests, backlog and
# forwarded_allow_ips.
UVICORN_WORKER = "uvicorn_worker.UvicornWorker"
# gunicorn's own ASGI worker without its known Django faults (see asgi_worker).
NATIVE_ASGI_GUNICORN = 27
# Workers that serve an ASGI application: gunicorn's own (24+), uvicorn-worker's, uvicorn's old path.
ASGI_WORKERS = frozenset(
    {
        "asgi",
        UVICORN_WORKER,
        "uvicorn_worker.UvicornH11Worker",
        "uvicorn.workers.UvicornWorker",
        "uvicorn.workers.UvicornH11Worker",
    }
)
# Recycle workers (against slow leaks) without churn: at 1,000 a busy worker restarted every second
# or two in benchmarks/run.py and lost a sixth of the throughput.
MAX_REQUESTS = 10000
# tmpfs for worker heartbeats (gunicorn's own advice); only a file per worker, mode 0600.
SHM = "/dev/shm"  # noqa: S108
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s'
LOG_LEVELS = ("info", "warning", "error", "critical")
# Words that turn the access log off: env.py's "false" words, and "none".
ACCESSLOG_OFF = FALSE | {"none"}
# Every name settings() may set: `platform_gunicorn --force` comments out the old file's own.
MANAGED = (
    "bind",
    "workers",
    "worker_class",
    "threads",
    "graceful_timeout",
    "timeout",
    "keepalive",
    "max_requests",
    "max_requests_jitter",
    "worker_tmp_dir",
    "accesslog",
    "errorlog",
    "access_log_format",
    "logger_class",
    "loglevel",
    "forwarded_allow_ips",
    "control_socket_disable",
    "reuse_port",
    "preload_app",
    "post_fork",
    "on_starting",
)
# gunicorn's own variable of command-line options, which it reads over its config file.
CMD_ARGS = "GUNICORN_CMD_ARGS"
# The variable settings() reads for each managed setting it lets the environment choose.
VARIABLES = {
    "workers": "WEB_CONCURRENCY",
    "worker_class": "GUNICORN_WORKER_CLASS",
    "threads": "GUNICORN_THREADS",
    "graceful_timeout": "GUNICORN_GRACEFUL_TIMEOUT",
    "timeout": "GUNICORN_TIMEOUT",
    "keepalive": "GUNICORN_KEEPALIVE",
    "max_requests": "GUNICORN_MAX_REQUESTS",
    "max_requests_jitter": "GUNICORN_MAX_REQUESTS_JITTER",
    "accesslog": "GUNICORN_ACCESSLOG",
    "loglevel": "GUNICORN_LOGLEVEL",
    "forwarded_allow_ips": "GUNICORN_FORWARDED_ALLOW_IPS",
    "preload_app": "GUNICORN_PRELOAD",
}
# Not in MANAGED though settings() sets it for ASGI: never commented out of a project's file. A
# project's own post_worker_init (its instrumentation) above the block runs before ours (apply); one
# below the block replaces ours.


def worker_count(env: Mapping[str, str], *, cpus: float, memory: int | None, platform: Platform = LOCAL) -> int:
    """WEB_CONCURRENCY, else CPUs + 1 (threads do the waiting: see DEFAULT_THREADS), capped so each
    worker has MEMORY_PER_WORKER."""
    explicit = get_int(env, "WEB_CONCURRENCY", minimum=1, maximum=MAX_WORKERS)
    if explicit:
        return explicit
    memory = container_memory(env, memory, platform)
    workers = math.ceil(cpus) + 1
    if memory is not None:
        workers = min(workers, memory // MEMORY_PER_WORKER)
    return max(1, workers)


def worker_class(env: Mapping[str, str], server: str = "wsgi") -> str:
    """GUNICORN_WORKER_CLASS: one of gunicorn's names in any case, or a dotted path to a class;
    else ours for the `server` ("asgi" or "wsgi") the application needs."""

    value = env.get("GUNICORN_WORKER_CLASS", "").strip()
    if not value:
        if server == "asgi":
            return asgi_worker()
        return FAIR_WORKER if gunicorn.version_info[0] == FAIR_GUNICORN else "gthread"
    if value.lower() in SUPPORTED_WORKERS:
        return value.lower()  # gunicorn itself only knows the lower-case names
    if "." in value or value.startswith("egg:"):
        return value
    raise ImproperlyConfigured(
        f"GUNICORN_WORKER_CLASS must be one of {', '.join(sorted(SUPPORTED_WORKERS))}, "
        "or a dotted path to a worker class."
    )


def asgi_worker() -> str:
    """uvicorn-worker's worker where installed; else gunicorn's own from 27 (26.1 fixed its leaked
    database connections, 27.0 its forwarded headers trusted from any peer)."""
    if importlib.util.find_spec("uvicorn_worker") is not None:
        return UVICORN_WORKER
    if gunicorn.version_info[0] >= NATIVE_ASGI_GUNICORN:
        return "asgi"
    raise ImproperlyConfigured(
        f"An ASGI application needs the uvicorn-worker package (pip install 'django-platform[asgi]'), or gunicorn "
        f"{NATIVE_ASGI_GUNICORN}+ for its own asgi worker; gunicorn {gunicorn.__version__} is installed."
    )


def serves_asgi(worker: str) -> bool:
    return worker in ASGI_WORKERS or worker.lower() == "asgi"


def server_for(env: Mapping[str, str], call: GunicornCall | None) -> str:
    """ "asgi" or "wsgi": what the started application needs. DJANGO_PLATFORM_SERVER, else the
    worker class asked for (-k, GUNICORN_CMD_ARGS, GUNICORN_WORKER_CLASS), else the module served:
    `proj.asgi` is the asgi.py startproject writes."""
    said = env.get(SERVER_VARIABLE, "").strip().lower()
    if said in SERVERS:
        return said
    if said:
        raise ImproperlyConfigured(f"{SERVER_VARIABLE} must be asgi or wsgi.")
    extra = gunicorn_call("gunicorn " + env.get(CMD_ARGS, ""), env)
    chosen = (call and call.worker_class) or (extra and extra.worker_class) or env.get("GUNICORN_WORKER_CLASS", "")
    if chosen.strip():
        return "asgi" if serves_asgi(chosen.strip()) else "wsgi"
    module = (call.app_module if call else None) or ""
    return "asgi" if module.rpartition(".")[2] == "asgi" else "wsgi"


def forwarded_allow_ips(env: Mapping[str, str]) -> str:
    """GUNICORN_FORWARDED_ALLOW_IPS, checked by the installed gunicorn's own validator, which would
    otherwise refuse it at start (27 takes networks, 23 addresses only)."""

    value = env.get("GUNICORN_FORWARDED_ALLOW_IPS", "").strip()
    checked = attempt(partial(Config().set, "forwarded_allow_ips", value), ValueError, TypeError) if value else None
    if isinstance(checked, Failed):
        raise ImproperlyConfigured(
            "GUNICORN_FORWARDED_ALLOW_IPS must be *, or IP addresses separated by commas as the installed gunicorn "
            "reads them (gunicorn 27 also takes networks with their host bits clear: 192.168.0.0/16)."
        )
    return value


def runs_as_gthread_with_threads(worker: str) -> bool:
    """gunicorn's own rule (config.py, worker_class): "sync" or a class path ending in SyncWorker
    runs as gthread when threads > 1, without a word. Our default thread count must not do that."""
    return worker == "sync" or worker.endswith("SyncWorker")


def bind_addresses(port: str, *, ipv6: bool, v6only: bool) -> list[str]:
    """[::] is dual-stack unless net.ipv6.bindv6only is set; then both sockets are needed."""
    if not ipv6:
        return [f"0.0.0.0:{port}"]
    return [f"[::]:{port}", f"0.0.0.0:{port}"] if v6only else [f"[::]:{port}"]


def ipv6_support() -> tuple[bool, bool]:
    """(IPv6 can be bound here, net.ipv6.bindv6only is set): what the listeners need."""
    if not socket.has_ipv6:
        return False, False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False, False
    try:
        v6only = Path("/proc/sys/net/ipv6/bindv6only").read_text().strip() == "1"
    except OSError:
        v6only = False
    return True, v6only


def post_fork(server: Any, worker: Any) -> None:
    """With preload_app, close database connections the master opened: never share a socket."""
    if "django.db" in sys.modules:
        # Local: gunicorn's master imports this module; it must not load django.db itself.
        from django.db import connections

        for connection in connections.all(initialized_only=True):
            connection.close()


def post_worker_init(worker: Any) -> None:
    """An ASGI worker's application runs each request's sync code on a thread kept for the next
    request, not on a new one per request, and Django's handler goes to that thread only where it has
    work there (django_platform.asgi_trips; asgiref 3.13 and later)."""
    # Local: asgiref is for the workers to import, not for gunicorn's master.
    from django_platform.asgi_threads import supported
    from django_platform.asgi_trips import serve

    if supported():
        # gunicorn's own ASGI worker serves worker.asgi; uvicorn-worker serves worker.wsgi.
        name = "asgi" if getattr(worker, "asgi", None) is not None else "wsgi"
        setattr(worker, name, serve(getattr(worker, name)))


def _theirs_then_ours(theirs: Any, worker: Any) -> None:
    theirs(worker)
    post_worker_init(worker)


def on_starting(server: Any) -> None:
    """Platforms that stop with SIGINT (Platform.stop_signal): drain gracefully as for SIGTERM."""
    server.handle_int = server.handle_term


def graceful_timeout(env: Mapping[str, str], platform: Platform) -> int:
    """Seconds a stopping worker has for its requests in flight: GUNICORN_GRACEFUL_TIMEOUT, else
    one second inside the platform's stop window (a manifest's stop window must exceed it)."""
    value = get_int(env, "GUNICORN_GRACEFUL_TIMEOUT", minimum=1)
    return _inside_window(env, platform) if value is None else value


def workers_why(env: Mapping[str, str], platform: Platform, *, cpus: float, memory: int | None) -> str:
    """Why worker_count() gives what it gives here (gunicorn's explain() and the Granian launcher's)."""
    if env.get("WEB_CONCURRENCY", "").strip():
        return "WEB_CONCURRENCY"
    cap = memory_cap(env, memory, platform)
    return f"{math.ceil(cpus)} CPU(s) + 1" + (f", {cap}" if cap else "")


def router_keepalive(platform: Platform) -> int | None:
    """Seconds an idle keep-alive connection must outlive the router's (its idle timeout + 5, so the
    router always closes first), where that timeout is known."""
    return platform.router_idle_timeout + 5 if platform.router_idle_timeout else None


def _inside_window(env: Mapping[str, str], platform: Platform) -> int:
    return max(1, platform.stop_window(env) - 1)


def settings(
    env: Mapping[str, str],
    platform: Platform,
    *,
    cpus: float,
    memory: int | None,
    ipv6: tuple[bool, bool] = (False, False),
    server: str = "wsgi",
) -> dict[str, Any]:
    """The gunicorn settings for this platform and environment (pure: no system reads); `server`
    is what the application needs ("asgi" or "wsgi", see server_for)."""
    result: dict[str, Any] = {}
    port = str(parse_int("PORT", env["PORT"], minimum=1, maximum=65535)) if env.get("PORT", "").strip() else "8000"
    result["bind"] = bind_addresses(port, ipv6=ipv6[0], v6only=ipv6[1])
    result["workers"] = worker_count(env, cpus=cpus, memory=memory, platform=platform)
    result["worker_class"] = worker_class(env, server)
    # Finish in-flight requests before the platform's SIGKILL.
    stop = _inside_window(env, platform)
    # Longer than the router's idle keep-alive, or it reuses a socket gunicorn has closed: 502s.
    default_keepalive = router_keepalive(platform) or DEFAULT_KEEPALIVE
    # Values are taken literally: 0 is 0 (keep-alive off), never "unset".
    for name, variable, minimum, maximum, default in (
        ("threads", "GUNICORN_THREADS", 1, MAX_THREADS, DEFAULT_THREADS),
        ("graceful_timeout", "GUNICORN_GRACEFUL_TIMEOUT", 1, None, stop),
        ("timeout", "GUNICORN_TIMEOUT", 1, None, min(30, max(stop, 10))),
        ("keepalive", "GUNICORN_KEEPALIVE", 0, None, default_keepalive),
    ):
        value = get_int(env, variable, minimum=minimum, maximum=maximum)
        result[name] = default if value is None else value
    if not env.get("GUNICORN_THREADS", "").strip() and (
        runs_as_gthread_with_threads(result["worker_class"]) or serves_asgi(result["worker_class"])
    ):
        # gunicorn runs "sync" with more threads as gthread, without a word; an ASGI worker's
        # event loop serves concurrent requests, and sync views run in asgiref's threads.
        result["threads"] = 1
    max_requests = get_int(env, "GUNICORN_MAX_REQUESTS", minimum=0)
    # A recycled ASGI worker closes its idle keep-alive connections at once, and a request sent on
    # one then fails (benchmarks: 54 in 25 s at 3,000 under uvicorn-worker; gthread none): no
    # recycling unless asked, as the Granian launcher.
    default_max = 0 if serves_asgi(result["worker_class"]) else MAX_REQUESTS
    result["max_requests"] = default_max if max_requests is None else max_requests
    jitter = get_int(env, "GUNICORN_MAX_REQUESTS_JITTER", minimum=0)
    result["max_requests_jitter"] = result["max_requests"] // 10 if jitter is None else jitter
    if Path(SHM).is_dir():  # heartbeat on tmpfs: overlay disks can stall workers
        result["worker_tmp_dir"] = SHM
    # The platform's router logs every request too; GUNICORN_ACCESSLOG=off saves ~15% (benchmarks/run.py).
    access = env.get("GUNICORN_ACCESSLOG", "").strip()
    result["accesslog"] = None if access.lower() in ACCESSLOG_OFF else access or "-"
    result["errorlog"] = "-"
    result["access_log_format"] = ACCESS_LOG_FORMAT
    result["logger_class"] = "django_platform.deploy.gunicorn_log.ProbeQuietLogger"
    level = env.get("GUNICORN_LOGLEVEL", "").strip().lower() or "info"
    if level not in LOG_LEVELS:
        # debug prints the whole configuration, raw_env secrets included: never from here.
        raise ImproperlyConfigured(
            f"GUNICORN_LOGLEVEL must be one of {', '.join(LOG_LEVELS)} (debug is refused: gunicorn then "
            "prints its whole configuration, secrets included)."
        )
    result["loglevel"] = level
    # Behind the router every peer is the router: trust its X-Forwarded-* headers.
    forwarded = forwarded_allow_ips(env)
    result["forwarded_allow_ips"] = forwarded or ("*" if platform.router_tls else "127.0.0.1,::1")
    result["control_socket_disable"] = True
    # Off, whatever an adopted config said: a worker that exits (recycling, a deploy) resets the
    # connections queued on its own socket (benchmarks/anchors.py: tens of thousands of failures).
    result["reuse_port"] = False
    preload = get_bool(env, "GUNICORN_PRELOAD")
    result["preload_app"] = True if preload is None else preload
    result["post_fork"] = post_fork
    if serves_asgi(result["worker_class"]) and reuse_threads(env):
        result["post_worker_init"] = post_worker_init
    if platform.stop_signal == "SIGINT":
        result["on_starting"] = on_starting
    return result


def explain(
    env: Mapping[str, str], platform: Platform, *, cpus: float, memory: int | None, server: str = "wsgi"
) -> list[tuple[str, Any, str]]:
    """(setting, value, why) for the values that decide capacity and shutdown, as settings()
    decides them here; what platform_check and platform_gunicorn --dry-run show."""
    values = settings(env, platform, cpus=cpus, memory=memory, server=server)
    workers = workers_why(env, platform, cpus=cpus, memory=memory)
    window = platform.stop_window(env)
    stop = f"{platform.label} sends {platform.stop_signal}, then SIGKILL after {window} s"

    def why(variable: str, default: str) -> str:
        return variable if env.get(variable, "").strip() else default

    idle = platform.router_idle_timeout
    if values["worker_class"] == FAIR_WORKER:
        ours = "gthread that accepts only with an idle thread"
    elif values["worker_class"] == UVICORN_WORKER:
        ours = "an ASGI application: uvicorn's event loop (uvloop and httptools where installed)"
    elif values["worker_class"] == "asgi":
        ours = "an ASGI application: gunicorn's own worker (uvicorn-worker is not installed)"
    else:
        ours = f"stock gthread: the fair worker is tested on gunicorn {FAIR_GUNICORN} only"
    chosen = why("GUNICORN_WORKER_CLASS", ours)
    if runs_as_gthread_with_threads(values["worker_class"]) and values["threads"] > 1:
        chosen += f" (with {values['threads']} threads gunicorn runs gthread instead)"
    if serves_asgi(values["worker_class"]):
        threads_why = "unused by an ASGI worker: its event loop serves concurrent requests, " + asgi_threads_why(env)
    elif runs_as_gthread_with_threads(values["worker_class"]):
        threads_why = "the sync worker serves one request at a time"
    else:
        threads_why = "threads serve views that wait"
    recycling = (
        "off: a recycled ASGI worker closes its idle keep-alive connections at once, failing requests sent on them"
        if serves_asgi(values["worker_class"])
        else "recycles workers against leaks"
    )
    return [
        ("workers", values["workers"], workers),
        ("worker_class", values["worker_class"], chosen),
        (
            "threads",
            values["threads"],
            why("GUNICORN_THREADS", threads_why),
        ),
        ("timeout", values["timeout"], why("GUNICORN_TIMEOUT", "the shutdown window, between 10 and 30 s")),
        ("graceful_timeout", values["graceful_timeout"], why("GUNICORN_GRACEFUL_TIMEOUT", stop)),
        (
            "keepalive",
            values["keepalive"],
            why(
                "GUNICORN_KEEPALIVE",
                f"above the router's {idle} s idle timeout" if idle else "above common load balancers' 60 s",
            ),
        ),
        ("max_requests", values["max_requests"], why("GUNICORN_MAX_REQUESTS", recycling)),
    ]


def explain_here(
    env: Mapping[str, str], platform: Platform, call: GunicornCall | None = None
) -> list[tuple[str, Any, str]] | str:
    """explain() with this machine's CPUs and memory, for the gunicorn command `call` (the
    Procfile's web line); or, for an invalid value, our message (it names the variable, never the
    value)."""
    try:
        return explain(env, platform, cpus=cpu_limit(), memory=memory_limit(), server=server_for(env, call))
    except ImproperlyConfigured as exc:
        return str(exc)


def asgi_threads_why(env: Mapping[str, str]) -> str:
    """Where an ASGI request's sync code runs, as post_worker_init decides it."""
    # Local: asgiref is loaded by the checks' caller already, never by gunicorn's master.
    from django_platform.asgi_threads import supported

    if not reuse_threads(env):
        return f"each request's sync code on a new thread ({REUSE_THREADS_VARIABLE}=false, as Django does)"
    if not supported():
        return "each request's sync code on a new thread (asgiref before 3.13 cannot reuse one)"
    return "each request's sync code on a thread kept for later requests"


def recorded_or_detected(recorded: Platform, env: Mapping[str, str]) -> Platform:
    """The platform a generated config was written for, where it may be running: one without
    run-time markers (Qoddi) cannot be detected, so its name in the file decides; one whose markers
    are absent (the committed config served on a laptop) is not here, and detection decides."""
    detected = detect(env).platform
    return recorded if not recorded.markers or detected is recorded else detected


def started_as(argv: list[str]) -> GunicornCall | None:
    """The gunicorn command this process runs (its argv: gunicorn, or python -m gunicorn), None
    elsewhere (a test, platform_check)."""
    program = argv[0].replace(os.sep, "/") if argv else ""
    if Path(program).name != "gunicorn" and not program.endswith("gunicorn/__main__.py"):
        return None
    return gunicorn_call(" ".join(["gunicorn", *(shlex.quote(a) for a in argv[1:])]), {})


def apply(
    namespace: MutableMapping[str, Any],
    *,
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """Set gunicorn's settings in a config file's globals(). DJANGO_PLATFORM wins over `platform`,
    the platform the file was written for (see recorded_or_detected). The application served
    (`argv`, gunicorn's own by default) decides between an ASGI and a WSGI worker; for ASGI,
    DJANGO_PLATFORM_SERVER=asgi goes into the process environment, which the workers inherit, so
    that configure() turns persistent connections off there."""
    environ = TextEnvironment(os.environ if env is None else env)
    if environ.get(PLUGINS_VARIABLE, "").strip():
        load_plugins(environ[PLUGINS_VARIABLE])  # platforms of the user's own
    if environ.get("DJANGO_PLATFORM", "").strip() or not platform:
        chosen = detect(environ).platform
    else:
        chosen = recorded_or_detected(get_platform(platform, variable="platform"), environ)
    server = server_for(environ, started_as(sys.argv if argv is None else argv))
    values = settings(environ, chosen, cpus=cpu_limit(), memory=memory_limit(), ipv6=ipv6_support(), server=server)
    if serves_asgi(values["worker_class"]) and env is None:
        os.environ.setdefault(SERVER_VARIABLE, "asgi")
    theirs = namespace.get("post_worker_init")
    if "post_worker_init" in values and callable(theirs) and theirs is not post_worker_init:
        values["post_worker_init"] = partial(_theirs_then_ours, theirs)
    namespace.update(values)
    return values
