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
from django_platform.checks.serving import daphne_stop, websocket_stop
from django_platform.deploy import deps
from django_platform.deploy.files import project_dir
from django_platform.deploy.plan import plan
from django_platform.deploy.procfile import SERVERS, comment_out_types, idle_release, process_types, wsgi_target
from django_platform.management.base import ManagedFileCommand, chosen_platform
from django_platform.platforms import Platform


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
        try:
            planned = plan(
                root,
                platform,
                environment(),
                asgi=options["asgi"],
                wsgi=options["wsgi"],
                server=options["server"],
                celery_app=options["celery_app"],
                workers=options["worker"],
            )
        except ImproperlyConfigured as exc:
            message = str(exc)  # our own text, which names no value
        else:
            message = ""
        if message:
            raise CommandError(message, returncode=2)
        body = planned.body
        adopt = partial(comment_out_types, types=list(process_types(body)))
        self.write_managed(root / "Procfile", body, platform, options, adopt=adopt)
        if not (options["check"] or options["diff"]):
            if planned.note:
                self.stderr.write(self.style.WARNING(planned.note))
            if planned.reason:
                self.stdout.write(f"Serving {planned.application} over ASGI ({planned.reason}).")
            self.say_release(platform, planned.application, planned.setting)
            self.say_workers(platform, planned.processes.found)
            for note in [*planned.processes.notes, *_idle_release(root / "Procfile", platform)]:
                self.stderr.write(self.style.WARNING(note))
            # What the web command's server loses at the platform's stop (platform_check says it too).
            for stop in [*websocket_stop(root, platform), *daphne_stop(root, platform)]:
                self.stderr.write(self.style.WARNING(f"{stop.msg} {stop.hint}"))
        self.warn_about_dependencies(root)

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
