"""The Procfile: its body for a platform, its process types, and the lines the block replaces."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from django_platform.deploy import deps
from django_platform.deploy.files import outside_block, split_lines
from django_platform.deploy.gunicorn_cli import GunicornCall, gunicorn_call, gunicorn_options
from django_platform.deploy.release_line import merged_release, migrates
from django_platform.deploy.web_options import carried
from django_platform.parsers.serving import ASGI_SERVERS, asgi_reason
from django_platform.platforms import Platform

_PROCESS_LINE = re.compile(r"^(?P<type>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")


def wsgi_target(wsgi_application: str | None, setting: str = "WSGI_APPLICATION") -> str:
    """WSGI_APPLICATION ("proj.wsgi.application"), or the ASGI application's path, as gunicorn's
    APP_MODULE ("proj.wsgi")."""
    module, _, attr = (wsgi_application or "").rpartition(".")
    if not module:
        kind = "asgi" if setting == "ASGI_APPLICATION" else "wsgi"
        raise ImproperlyConfigured(f"{setting} must be a dotted path like 'project.{kind}.application'.")
    return module if attr == "application" else f"{module}:{attr}"


def asgi_application(asgi_setting: str | None, wsgi_setting: str | None) -> str:
    """The ASGI application's dotted path: ASGI_APPLICATION (Channels' setting), else the asgi.py
    beside WSGI_APPLICATION's wsgi.py (startproject writes both)."""
    if asgi_setting:
        wsgi_target(asgi_setting, "ASGI_APPLICATION")  # its shape checked
        return asgi_setting
    package = wsgi_target(wsgi_setting).partition(":")[0].rpartition(".")[0]
    module = f"{package}.asgi" if package else "asgi"
    if not module_exists(module):
        raise ImproperlyConfigured(
            f"No ASGI application: {module.replace('.', '/')}.py does not exist and ASGI_APPLICATION is not set; "
            "add one (startproject writes it), or serve WSGI (platform_procfile --wsgi)."
        )
    return f"{module}.application"


def asgi_declared(root: Path, env: Mapping[str, str]) -> str:
    """Why the project is served over ASGI ("" for WSGI): what its settings declare, else an ASGI
    server in its dependency file."""
    current = {n: getattr(settings, n) for n in ("ASGI_APPLICATION", "INSTALLED_APPS") if hasattr(settings, n)}
    reason = asgi_reason(current, env)
    if reason:
        return reason
    found = deps.declared(root)
    servers = sorted(set(found.packages) & ASGI_SERVERS) if found else []
    return f"{found.file} declares {', '.join(servers)}" if found and servers else ""


def served_application(asgi: bool) -> tuple[str, str]:
    """(the application's dotted path, the setting it comes from) for the web line."""
    if asgi:
        return asgi_application(getattr(settings, "ASGI_APPLICATION", None), settings.WSGI_APPLICATION), (
            "ASGI_APPLICATION"
        )
    return str(settings.WSGI_APPLICATION or ""), "WSGI_APPLICATION"


def asgi_module(module: str) -> bool:
    """Whether gunicorn's APP_MODULE is an ASGI application's: an asgi.py, or ASGI_APPLICATION's."""
    return (
        module.rpartition(".")[2] == "asgi"
        or module == str(getattr(settings, "ASGI_APPLICATION", "") or "").rpartition(".")[0]
    )


def serves_asgi_module(web: str, env: Mapping[str, str]) -> bool | None:
    """Whether a web command serves an ASGI application (None: it names no gunicorn application)."""
    call = gunicorn_call(web, env)
    module = call.app_module if call else None
    if not module:
        # The project's own uvicorn or Hypercorn line: ASGI, served by gunicorn with uvicorn-worker.
        program = _wrapper_words(web)[1][:1]
        return True if program and PurePath(program[0]).name in ("uvicorn", "hypercorn") else None
    return asgi_module(module)


def module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# ASGI servers other than gunicorn's workers, as web commands ({app} is "module:attribute").
SERVERS = {
    # Tuned at start by the launcher, as the gunicorn config tunes gunicorn (deploy/granian.py).
    "granian": "python -m django_platform.granian {app}",
    # The Channels project's server: one process; proxy headers from the router.
    "daphne": "daphne --bind 0.0.0.0 --port $PORT --proxy-headers {app}",
}


# What a process command starts, as its first word after any wrapper: the servers, Python, Celery.
_PROGRAMS = frozenset(
    {"gunicorn", "uvicorn", "daphne", "granian", "hypercorn", "waitress-serve", "python", "python3", "celery"}
)
# The shell's own syntax: a prefix holding it is a script (`cd src &&`, `migrate &&`), not a wrapper.
_SHELL = re.compile(r"[;&|<>()`'\"\\]")


def _wrapper_words(command: str) -> tuple[list[str], list[str]]:
    """(the words before the program, the program's words) of a process command."""
    words = command.split()
    start = next((i for i, word in enumerate(words) if PurePath(word).name in _PROGRAMS), 0)
    return words[:start], words[start:]


def wrapper_of(command: str) -> str:
    """The program a process command runs its server or task through (`newrelic-admin
    run-program`, `ddtrace-run`, `opentelemetry-instrument`, `doppler run --`, the PgBouncer
    buildpack's `bin/start-pgbouncer`): kept in front of the generated line, or the instrumentation,
    the secrets or the pooler would be lost. "" where there is none, where the prefix is shell
    (`cd src &&`), and for the nginx buildpack's `bin/start-nginx` (see `dropped_wrapper`)."""
    prefix, _ = _wrapper_words(command)
    if not prefix or any(_SHELL.search(word) for word in prefix) or dropped_wrapper(command):
        return ""
    return " ".join(prefix)


def dropped_wrapper(command: str) -> str:
    """The nginx buildpack's launcher where a command runs through it: it listens on $PORT itself
    and expects the app on a socket, where the generated server binds $PORT."""
    prefix, _ = _wrapper_words(command)
    return next((word for word in prefix if PurePath(word).name.startswith("start-nginx")), "")


def server_of(web: str) -> str:
    """The server a web command starts: granian (our launcher, or the project's own Granian line
    unless it serves WSGI), daphne, else gunicorn."""
    words = _wrapper_words(web)[1]
    if granian_launcher(web) or _own_granian(words):
        return "granian"
    return "daphne" if words[:1] == ["daphne"] else "gunicorn"


def granian_launcher(web: str) -> bool:
    """Whether a web command starts Granian through our launcher (`python -m django_platform.granian`)."""
    return "django_platform.granian" in web.split()


def _own_granian(words: Sequence[str]) -> bool:
    """A `granian ...` (or `python -m granian ...`) line not started with `--interface wsgi`: an
    ASGI (or RSGI, Granian's default) server the project chose, kept as Granian."""
    if list(words[:1]) != ["granian"] and list(words[:3]) != ["python", "-m", "granian"]:
        return False
    for index, word in enumerate(words):
        if word.startswith("--interface="):
            return word.partition("=")[2].lower() != "wsgi"
        if word == "--interface":
            return index + 1 == len(words) or words[index + 1].lower() != "wsgi"
    return True


def procfile_body(
    platform: Platform,
    wsgi_application: str | None,
    workers: Sequence[str] = (),
    background: Sequence[tuple[str, str]] = (),
    setting: str = "WSGI_APPLICATION",
    server: str = "gunicorn",
    current: Mapping[str, str] | None = None,
) -> str:
    """The platform's lines for the application (`setting` names where its path comes from), its
    web line for `server`, the `background` processes the settings call for, then the --worker
    commands as worker, worker2, ... (numbered past a name already taken). What the `current`
    command of the same process type keeps carries over (`_carried_over`)."""
    target = wsgi_target(wsgi_application, setting)
    lines = platform.procfile_lines(target)
    if server in SERVERS:
        app = target if ":" in target else f"{target}:application"
        lines = [f"web: {SERVERS[server].format(app=app)}" if line.startswith("web:") else line for line in lines]
    lines += [f"{kind}: {command}" for kind, command in background]
    taken = set(process_types("\n".join(lines)))
    number = 1
    for command in workers:
        if not command.strip() or "\n" in command:
            raise ImproperlyConfigured("--worker takes a one-line command.")
        while (name := f"worker{number if number > 1 else ''}") in taken:
            number += 1
        taken.add(name)
        lines.append(f"{name}: {command.strip()}")
    return "\n".join(_carried_over(line, current or {}) for line in lines)


def _carried_over(line: str, current: Mapping[str, str]) -> str:
    """A generated line with what the current command of its type keeps: its wrapper in front, for
    a gunicorn web line the gunicorn options the generated config does not decide, for the release
    line its steps other than migrate."""
    kind, sep, command = line.partition(": ")
    before = current.get(kind, "")
    if not sep or not before:
        return line
    if kind != "web" and migrates(command):  # the release line: the project's other steps kept
        command = merged_release(command, before)[0]
    kept = carried(before).kept if kind == "web" and gunicorn_options(command) is not None else ""
    if kept and not command.endswith(f" {kept}"):
        command = f"{command} {kept}"
    wrapper = wrapper_of(before)
    if wrapper and not command.startswith(f"{wrapper} "):
        command = f"{wrapper} {command}"
    return f"{kind}: {command}"


def web_command(root: Path) -> str:
    """The Procfile's web command in `root`, "" without one (no file, unreadable, no web line)."""
    try:
        text = (root / "Procfile").read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return ""
    return process_types(text).get("web", "")


def web_call(web: str, env: Mapping[str, str], wsgi_application: str | None) -> GunicornCall | None:
    """The gunicorn command of the web command `web`, as the platform's shell runs it."""
    default_app = str(wsgi_application or "").rpartition(".")[0] or None
    return gunicorn_call(web, env, default_app=default_app)


def process_types(text: str) -> dict[str, str]:
    """Process type -> command, as Procfile runners read it (other lines are ignored)."""
    found = {}
    for line in split_lines(text):
        match = _PROCESS_LINE.match(line.strip())
        if match:
            found[match.group("type")] = match.group("command").strip()
    return found


def idle_release(text: str, platform: Platform) -> bool:
    """Whether the Procfile has a release: line of its own (outside the block) that the platform
    never runs, since it runs another process type for the release phase (Scalingo's postdeploy:)."""
    release = platform.release_process
    return bool(release) and release != "release" and "release" in process_types(outside_block(text))


def comment_out_types(text: str, types: Sequence[str]) -> str:
    """Keep a replaced Procfile line as a comment rather than lose it."""
    out = []
    for line in split_lines(text, keepends=True):
        match = _PROCESS_LINE.match(line.strip())
        out.append(f"# replaced by django-platform: {line}" if match and match.group("type") in types else line)
    return "".join(out)
