"""Fly.io's fly.toml: the processes, the release command, the HTTP check, the stop signal and
window, the port the proxy sends to. Keys: https://fly.io/docs/reference/configuration/"""

from __future__ import annotations

from django_platform.manifests.base import (
    Declared,
    Get,
    Manifest,
    Needs,
    commands,
    int_or_none,
    release_command,
    text_or_none,
)
from django_platform.manifests.edits import MISSING, Edit, Pick

DEFAULT_PORT = 8000  # the generated gunicorn config binds $PORT, else 8000; Fly sets no PORT
KILL_TIMEOUT = 5  # Fly's default when kill_timeout is absent
# Without a Dockerfile, Fly builds with a buildpack builder: Heroku's, whose Python buildpack runs
# collectstatic (heroku/buildpacks-python#108) and whose Procfile buildpack reads process types.
BUILDER = "heroku/builder:24"


def _port(get: Get) -> int:
    value = get(("env", "PORT"))
    try:
        return int(value) if value is not MISSING else DEFAULT_PORT
    except (TypeError, ValueError):
        return DEFAULT_PORT


def edits(needs: Needs, get: Get) -> list[Edit]:
    found = [
        Edit(("app",), needs.name, "default"),
        # Fly stops with SIGINT unless told otherwise; the generated config drains on it (as on SIGTERM).
        Edit(("kill_signal",), "SIGINT", "default"),
        Edit(("kill_timeout",), needs.graceful + 1, "at_least"),
        Edit(("env", "DJANGO_SETTINGS_MODULE"), needs.settings_module),
        Edit(("deploy", "release_command"), release_command(needs, get(("deploy", "release_command")))),
        Edit(("processes", "app"), needs.web),
        *(Edit(("processes", name), command) for name, command in needs.processes.items()),
        Edit(("http_service", "internal_port"), _port(get)),
        Edit(("http_service", "force_https"), True, "default"),
        Edit(("http_service", "processes"), ["app"]),
    ]
    build = get(("build",))
    chosen = isinstance(build, dict) and any(key in build for key in ("builder", "dockerfile", "image"))
    if not needs.dockerfile and not chosen:
        found.append(Edit(("build", "builder"), BUILDER, "default"))
    if needs.health:
        check = ("http_service", "checks", Pick())
        found += [
            Edit((*check, "path"), needs.health),
            Edit((*check, "method"), "GET", "default"),
            Edit((*check, "interval"), "15s", "default"),
            Edit((*check, "timeout"), "5s", "default"),
            Edit((*check, "grace_period"), "10s", "default"),
        ]
    return found


def read(get: Get) -> Declared:
    processes = get(("processes",))
    checks = get(("http_service", "checks"))
    first = checks[0] if isinstance(checks, list) and checks and isinstance(checks[0], dict) else {}
    internal = int_or_none(get(("http_service", "internal_port")))
    return Declared(
        health=text_or_none(first.get("path")),
        release=commands(get(("deploy", "release_command"))) or [],
        stop=int_or_none(get(("kill_timeout",))) if get(("kill_timeout",)) is not MISSING else KILL_TIMEOUT,
        processes={str(k): str(v) for k, v in processes.items()} if isinstance(processes, dict) else None,
        port=(f"port {internal}", f"port {_port(get)}") if internal is not None else None,
    )


MANIFEST = Manifest(
    "fly",
    "fly.toml",
    "toml",
    edits,
    read,
    header="# Fly.io app configuration; the keys django-platform owns are kept up to date by\n"
    "# `python manage.py platform_manifest`: edit the others freely.\n",
    notes=(
        "Without a Dockerfile, Heroku's buildpacks build the image (`[build] builder`) and run collectstatic; a "
        "Dockerfile of the project's (fly launch writes one) must run `python manage.py collectstatic --noinput`.",
    ),
    sources=(
        "https://fly.io/docs/reference/configuration/",
        "https://fly.io/docs/reference/builders/ (dockerfile, buildpacks and image builders)",
        "https://github.com/heroku/buildpacks-python/pull/108 (collectstatic in Heroku's Python buildpack)",
    ),
)
