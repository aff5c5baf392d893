"""Where an async request's time goes inside Django's ASGI handler, layer by layer, in one run.

    python benchmarks/asgi_handler.py [--seconds 5] [--rounds 3] [--quick]

No server and no sockets: 256 concurrent requests to the example project's async view (/wait
awaits 50 ms, as benchmarks/asgi.py adds it) are sent straight into the ASGI callable, in a process
pinned to CPU 0 on uvloop, so that what is measured is Django's handler and the middleware, not an
HTTP parser. Layers, each in a fresh process:

- a bare ASGI application (no Django) that awaits 50 ms: the event loop's own cost;
- Django's `ASGIHandler` with no middleware and Django's request-signal receivers disconnected
  (`close_old_connections`, `reset_queries`): the handler itself;
- the same with the receivers (as every project has them);
- startproject's middleware (`MIDDLEWARE` from Django's own project template): a new project, with
  each hook in a thread as Django runs them, then with `SyncChainMiddleware` last, then with the hooks
  on the event loop (django_platform.inline_middleware);
- the generated settings (`configure()`: the health middleware, WhiteNoise's, the project's own)
  with Django's hooks and `SyncChainMiddleware` last (`DJANGO_PLATFORM_INLINE_MIDDLEWARE=false`),
  the same without `SyncChainMiddleware`, and as configure() writes them now: the hooks on the event
  loop, WhiteNoise's async-capable subclass;
- cookiecutter-django's production middleware (security, django-cors-headers, WhiteNoise, sessions,
  locale, common, CSRF, auth, messages, clickjacking, django-allauth's account middleware) as
  configure() lists it, with threads kept: Django's hooks with `SyncChainMiddleware` last (what
  configure() did before it knew corsheaders, locale and allauth), and the hooks on the event loop;
- "threads kept": the application as the generated gunicorn config and the Granian launcher serve
  it (django_platform.asgi_trips.serve: each request's sync code on a thread kept from earlier
  requests, where Django starts one per request, and the handler's own two trips to that thread,
  for request_started's receivers and response.close(), made only where they have work there);
  "Django's trips": threads kept, but those two trips made for every request, as before.

Anchors in the same run: 256 / 50 ms (5,120 req/s), and the CPU limit: the trivial view (/ping)
through Django's WSGI handler with the generated settings, in-process, one request after the other
(what a WSGI worker's CPU does per request, without the server's). The limit is the lower of the two.
Each cell: requests/s (median of alternating rounds, spread), process CPU per request, and the trips
from the event loop to a thread per request (asgiref's `sync_to_async` calls; each is a round trip).
Results in benchmarks/results/asgi_handler.md and .json. Not part of CI.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

CONNECTIONS = 256
AWAIT = 0.05
SYNC_CHAIN = "django_platform.sync_chain.SyncChainMiddleware"
CPU_LIMIT = "CPU limit: the trivial view through Django's WSGI handler"

# name -> the child's environment: BENCH_LAYER picks the application, BENCH_MIDDLEWARE a list
# ("startproject", optionally "+sync_chain"), BENCH_NO_SIGNALS disconnects Django's receivers.
DJANGOS_HOOKS = {"DJANGO_PLATFORM_INLINE_MIDDLEWARE": "false"}  # each hook in a thread, as Django runs them
LAYERS: dict[str, dict[str, str]] = {
    "bare ASGI application (no Django)": {"BENCH_LAYER": "bare"},
    "Django's handler, no middleware, no request-signal receivers": {
        "BENCH_MIDDLEWARE": "",
        "BENCH_NO_SIGNALS": "1",
    },
    "Django's handler, no middleware": {"BENCH_MIDDLEWARE": ""},
    "Django's handler, no middleware, threads kept, Django's trips": {
        "BENCH_MIDDLEWARE": "",
        "BENCH_REUSE": "djangos-receivers",
    },
    "Django's handler, no middleware, threads kept": {"BENCH_MIDDLEWARE": "", "BENCH_REUSE": "1"},
    "startproject's middleware": {"BENCH_MIDDLEWARE": "startproject", **DJANGOS_HOOKS},
    "startproject's middleware + SyncChainMiddleware": {"BENCH_MIDDLEWARE": "startproject+sync_chain", **DJANGOS_HOOKS},
    "startproject's middleware, hooks on the event loop": {"BENCH_MIDDLEWARE": "startproject"},
    "cookiecutter-django's middleware, Django's hooks + SyncChainMiddleware, threads kept": {
        "BENCH_MIDDLEWARE": "cookiecutter+sync_chain",
        **DJANGOS_HOOKS,
        "BENCH_REUSE": "1",
    },
    "cookiecutter-django's middleware, hooks on the event loop, threads kept, Django's trips": {
        "BENCH_MIDDLEWARE": "cookiecutter",
        "BENCH_REUSE": "djangos-receivers",
    },
    "cookiecutter-django's middleware, hooks on the event loop, threads kept": {
        "BENCH_MIDDLEWARE": "cookiecutter",
        "BENCH_REUSE": "1",
    },
    "generated settings, Django's hooks + SyncChainMiddleware": DJANGOS_HOOKS,
    "generated settings, Django's hooks + SyncChainMiddleware, threads kept": {**DJANGOS_HOOKS, "BENCH_REUSE": "1"},
    "generated settings, Django's hooks, without SyncChainMiddleware": {**DJANGOS_HOOKS, "BENCH_NO_SYNC_CHAIN": "1"},
    "generated settings (hooks on the event loop)": {},
    "generated settings, threads kept, Django's trips": {"BENCH_REUSE": "djangos-receivers"},
    "generated settings, threads kept (what the generated server config serves)": {"BENCH_REUSE": "1"},
    CPU_LIMIT: {"BENCH_LAYER": "wsgi"},
}


def startproject_middleware() -> list[str]:
    """MIDDLEWARE as Django's project template writes it, read from the installed Django."""
    import ast

    import django

    template = Path(django.__file__).parent / "conf" / "project_template" / "project_name" / "settings.py-tpl"
    for node in ast.parse(template.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MIDDLEWARE":
            return list(ast.literal_eval(node.value))
    raise RuntimeError(f"no MIDDLEWARE in {template}")


# --- the child: one layer, in-process ------------------------------------------------------------


def cookiecutter_middleware(chained: bool) -> list[str]:
    """cookiecutter-django's MIDDLEWARE (config/settings/base.py, with DRF's CORS and WhiteNoise) as
    configure() lists it under ASGI (tests/test_inline_stacks.py): the health check's first, WhiteNoise's
    after SecurityMiddleware; `chained`: as before, Django's WhiteNoise and SyncChainMiddleware last."""
    whitenoise = (
        "whitenoise.middleware.WhiteNoiseMiddleware"
        if chained
        else "django_platform.whitenoise_async.AsyncWhiteNoiseMiddleware"
    )
    listed = [
        "django_platform.health.middleware.HealthMiddleware",
        "django.middleware.security.SecurityMiddleware",
        whitenoise,
        "corsheaders.middleware.CorsMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "allauth.account.middleware.AccountMiddleware",
    ]
    return [*listed, SYNC_CHAIN] if chained else listed


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"x-forwarded-proto", b"https")],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


async def _bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await asyncio.sleep(AWAIT)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"waited"})


async def _one(app: Any, path: str) -> int:
    """One request, as a server sends it: the body, then a disconnect only after the response."""
    received = False
    finished = asyncio.Event()
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(_scope(path), receive, send)
    finished.set()
    return status[0]


async def _load(app: Any, seconds: float) -> int:
    deadline = time.perf_counter() + seconds
    done = 0

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            status = await _one(app, "/wait")
            if status != 200:
                raise RuntimeError(f"/wait answered {status}")
            done += 1

    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    return done


def _django(layer: str) -> Any:
    import django
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
    chosen = os.environ.get("BENCH_MIDDLEWARE")
    cookiecutter = chosen is not None and chosen.startswith("cookiecutter")
    if cookiecutter:
        # Before the apps are ready: allauth's refuses a MIDDLEWARE without its middleware.
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "allauth", "allauth.account"]
        settings.MIDDLEWARE = cookiecutter_middleware(chained=chosen.endswith("+sync_chain"))
        settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    django.setup(set_prefix=False)
    if chosen is not None and not cookiecutter:
        middleware = startproject_middleware() if chosen.startswith("startproject") else []
        settings.MIDDLEWARE = [*middleware, SYNC_CHAIN] if chosen.endswith("+sync_chain") else middleware
    if os.environ.get("BENCH_NO_SIGNALS"):
        from django.core import signals
        from django.db import close_old_connections, reset_queries

        for signal in (signals.request_started, signals.request_finished):
            signal.disconnect(close_old_connections)
            signal.disconnect(reset_queries)
    if layer == "wsgi":
        from django.core.handlers.wsgi import WSGIHandler

        return WSGIHandler()
    from django.core.handlers.asgi import ASGIHandler

    reuse = os.environ.get("BENCH_REUSE")
    if reuse:
        from django_platform.asgi_threads import ReusedThreads
        from django_platform.asgi_trips import serve

        return ReusedThreads(ASGIHandler()) if reuse == "djangos-receivers" else serve(ASGIHandler())
    return ASGIHandler()


def _wsgi(handler: Any, seconds: float) -> int:
    import io

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/ping", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "https",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }  # fmt: skip
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        body = handler({**environ, "wsgi.input": io.BytesIO()}, start_response)
        b"".join(body)
        body.close()
        if not statuses.pop().startswith("200"):
            raise RuntimeError("/ping did not answer 200")
        done += 1
    return done


def child(seconds: float) -> None:
    import asgiref.sync
    import uvloop

    layer = os.environ.get("BENCH_LAYER", "django")
    app = _bare if layer == "bare" else _django(layer)
    trips = 0
    original = asgiref.sync.SyncToAsync.__call__

    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await original(self, *args, **kwargs)

    asgiref.sync.SyncToAsync.__call__ = counted  # type: ignore[method-assign]
    if layer == "wsgi":
        _wsgi(app, min(1.0, seconds))  # warm up
        trips, wall, cpu = 0, time.perf_counter(), time.process_time()
        done = _wsgi(app, seconds)
    else:
        uvloop.run(_load(app, min(1.0, seconds)))  # warm up: connections, pools, the first imports
        trips, wall, cpu = 0, time.perf_counter(), time.process_time()
        done = uvloop.run(_load(app, seconds))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"rps": done / wall, "cpu_us": cpu / done * 1e6, "trips": trips / done}))


# --- the parent: every layer, alternating rounds ---------------------------------------------------


def measure(project: Path, env: dict[str, str], seconds: float, name: str) -> dict[str, Any]:
    full = {**env, **LAYERS[name], "PYTHONPATH": os.pathsep.join([str(project), str(HERE)])}
    if LAYERS[name].get("BENCH_LAYER") != "wsgi":
        full["DJANGO_PLATFORM_SERVER"] = "asgi"  # as the generated gunicorn config sets it in ASGI workers
    out = subprocess.run(
        ["taskset", "-c", "0", sys.executable, __file__, "--child", "--seconds", str(seconds)],
        cwd=project, env=full, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(f"{name}: {out.stderr[-2000:]}")
    return {"/wait": json.loads(out.stdout.strip().splitlines()[-1])}


def table(samples: dict[str, dict[str, list[Any]]]) -> list[str]:
    from anchors import ratio

    median = {n: statistics.median(s["rps"] for s in by["/wait"]) for n, by in samples.items()}
    limit = min(CONNECTIONS / AWAIT, median[CPU_LIMIT])
    lines = [
        f"Physical limit: min({CONNECTIONS} / {AWAIT * 1000:.0f} ms = {CONNECTIONS / AWAIT:,.0f}, "
        f"the CPU limit {median[CPU_LIMIT]:,.0f}) = {limit:,.0f} req/s.",
        "",
        "| layer | req/s | spread | CPU µs per request | trips to a thread per request | x limit |",
        "|---|---|---|---|---|---|",
    ]
    for name, by in samples.items():
        runs = by["/wait"]
        rps = [r["rps"] for r in runs]
        spread = (max(rps) - min(rps)) / median[name] * 100 / 2 if median[name] else 0
        cpu = statistics.median(r["cpu_us"] for r in runs)
        trips = statistics.median(r["trips"] for r in runs)
        lines.append(
            f"| {name} | {median[name]:,.0f} | ±{spread:.0f}% | {cpu:,.0f} | {trips:.1f} | "
            f"{ratio(median[name], limit)} |"
        )
    return [*lines, ""]


def main() -> None:
    if "--child" in sys.argv:
        child(float(sys.argv[sys.argv.index("--seconds") + 1]))
        return
    from functools import partial

    from anchors import arguments

    args = arguments(__doc__, quick="one round").parse_args()
    from run import database_url, in_bench_venv

    in_bench_venv()
    import django
    import serving
    from anchors import alternating_rounds
    from asgi import prepare

    RESULTS.mkdir(exist_ok=True)
    env = serving.environment(database_url())
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        project = prepare(Path(tmp) / "project", env)
        samples = alternating_rounds(list(LAYERS), rounds, True, partial(measure, project, env, args.seconds))
    report = [
        "# Where an async request's time goes in Django's ASGI handler",
        "",
        f"`python benchmarks/asgi_handler.py --seconds {args.seconds:g} --rounds {rounds}`; Django "
        f"{django.__version__}; {CONNECTIONS} concurrent requests to the view that awaits 50 ms, sent into the "
        f"ASGI callable in-process (no server), pinned to CPU 0, uvloop; median of {rounds} alternating rounds.",
        "",
        *table(samples),
    ]
    (RESULTS / "asgi_handler.md").write_text("\n".join(report))
    (RESULTS / "asgi_handler.json").write_text(json.dumps(samples, indent=1))
    print("\n".join(report))


if __name__ == "__main__":
    main()
