from __future__ import annotations

from argparse import ArgumentParser
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from django_platform.areas.databases import engine_family
from django_platform.checks import environment
from django_platform.checks.deployfiles import W024
from django_platform.deploy import deps
from django_platform.deploy.files import managed_block, project_dir
from django_platform.deploy.processes import background, project_packages, settings_values
from django_platform.deploy.procfile import (
    SERVERS,
    asgi_declared,
    comment_out_types,
    idle_release,
    process_types,
    procfile_body,
    served_application,
    server_of,
    serves_asgi_module,
    wsgi_target,
)
from django_platform.management.base import ManagedFileCommand, chosen_platform
from django_platform.platforms import Platform


def _current_types(path: Path) -> dict[str, str]:
    """The process types the Procfile runs today: its managed block's, or the whole file's before
    it has one (the first adoption, where the project's own Celery lines are kept)."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:  # missing, or unreadable: the write says so
        return {}
    block = managed_block(text)
    return process_types(text if block is None else block)


def _idle_release(path: Path, platform: Platform) -> list[str]:
    try:
        idle = idle_release(path.read_text(encoding="utf-8-sig", errors="replace"), platform)
    except OSError:
        return []
    return [W024.format(platform=platform.label, process=platform.release_process)] if idle else []


class Command(ManagedFileCommand):
    help = "Write the Procfile for the platform: gunicorn on WSGI_APPLICATION, release phase, workers."
    command_name = "platform_procfile"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--worker",
            action="append",
            default=[],
            metavar="CMD",
            help="add a worker process type running CMD (repeatable); the Celery and db_worker "
            "processes your settings call for are written without it",
        )
        server = parser.add_mutually_exclusive_group()
        server.add_argument(
            "--asgi",
            action="store_true",
            help="serve the ASGI application (ASGI_APPLICATION, else the project's asgi.py); the default where "
            "the project declares it: ASGI_APPLICATION, Channels or Daphne installed, an ASGI server in its "
            "requirements",
        )
        server.add_argument("--wsgi", action="store_true", help="serve WSGI_APPLICATION whatever the project declares")
        parser.add_argument(
            "--server",
            choices=["gunicorn", *SERVERS],
            help="the ASGI server of the web line: gunicorn (the generated config picks uvicorn-worker; the default), "
            "granian (tuned at start by python -m django_platform.granian) or daphne; default: the one the web line "
            "starts now",
        )
        parser.add_argument(
            "--celery-app",
            metavar="MODULE",
            help="the module defining the Celery app, as celery -A takes it (default: the Procfile's -A, else a "
            "celery.py or celery_app.py in the project's packages and their subpackages)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = options["path"] or project_dir()
        platform = chosen_platform(options["platform"], [root / "Procfile"])
        current = _current_types(root / "Procfile")
        processes = background(
            settings_values(), project_packages(), options["celery_app"], current, multi_node=platform.multi_node
        )
        found = processes.found
        try:
            kept = "gunicorn" if options["wsgi"] else server_of(current.get("web", ""))
            server = options["server"] or kept
            if server != "gunicorn" and options["wsgi"]:
                raise ImproperlyConfigured(f"--server {server} serves ASGI: it cannot go with --wsgi.")
            reason, note = self.server(root, current, options)
            if server != "gunicorn" and not reason:
                reason, note = f"--server {server}", ""
            application, setting = served_application(bool(reason))
            body = procfile_body(platform, application, options["worker"], found, setting, server)
        except ImproperlyConfigured as exc:
            message = str(exc)  # our own text, which names no value
        else:
            message = ""
        if message:
            raise CommandError(message, returncode=2)
        adopt = partial(comment_out_types, types=list(process_types(body)))
        self.write_managed(root / "Procfile", body, platform, options, adopt=adopt)
        if not (options["check"] or options["diff"]):
            if note:
                self.stderr.write(self.style.WARNING(note))
            if reason:
                self.stdout.write(f"Serving {application} over ASGI ({reason}).")
            self.say_release(platform, application, setting)
            self.say_workers(platform, found)
            for note in [*processes.notes, *_idle_release(root / "Procfile", platform)]:
                self.stderr.write(self.style.WARNING(note))
        self.warn_about_dependencies(root)

    def server(self, root: Path, current: dict[str, str], options: dict[str, Any]) -> tuple[str, str]:
        """(why the web line serves ASGI, "" for WSGI; a note). A flag decides; else the server the
        Procfile's web line serves now stands (an earlier --asgi or --wsgi, the project's own
        line); else what the project declares."""
        if options["wsgi"] or options["asgi"]:
            return ("--asgi" if options["asgi"] else ""), ""
        env = environment()
        kept = serves_asgi_module(current.get("web", ""), env)
        if kept:
            return "the Procfile's web line serves ASGI", ""
        declared = asgi_declared(root, env)
        if kept is None or not declared:
            return declared, ""
        return (
            "",
            f"The Procfile's web line serves WSGI, kept; the project declares ASGI ({declared}): --asgi switches.",
        )

    def say_release(self, platform: Platform, application: str, setting: str) -> None:
        """Where the platform runs no Procfile release line: how it migrates instead."""
        if platform.release_hint and not (platform.procfile and platform.release_process):
            module = wsgi_target(application, setting).partition(":")[0]
            self.stdout.write(f"{platform.label}: {platform.release_hint.format(module=module)}.")

    def say_workers(self, platform: Platform, found: list[tuple[str, str]]) -> None:
        """How the platform starts a process beside web (some read only the Procfile's web line)."""
        for kind, command in found:
            if platform.worker_hint:
                hint = platform.worker_hint.format(process=kind, command=command)
                self.stdout.write(f"{platform.label}, {kind}: {hint}.")

    def warn_about_dependencies(self, root: Any) -> None:
        found = deps.declared(root)
        if found is None:
            self.stderr.write(
                self.style.WARNING(
                    "No dependency file (requirements.txt, Pipfile.lock, poetry.lock, uv.lock, pyproject.toml): "
                    "the platform's buildpack will not know what to install."
                )
            )
            return
        if found.problem:
            self.stderr.write(self.style.WARNING(f"{found.problem}."))
            return
        families = [engine_family(str(db.get("ENGINE", ""))) for db in settings.DATABASES.values()]
        absent = deps.missing(found, [f for f in families if f])
        if absent:
            self.stderr.write(self.style.WARNING(f"{found.file} does not declare: {', '.join(absent)}."))
