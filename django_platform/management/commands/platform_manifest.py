from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from django_platform.attempt import Failed, attempt
from django_platform.checks import environment
from django_platform.deploy.files import project_dir, read
from django_platform.deploy.plan import plan
from django_platform.deploy.procfile import SERVERS
from django_platform.management.base import ManagedFileCommand, chosen_platform
from django_platform.manifests import MODULES, manifest_for, manifest_path
from django_platform.manifests.base import Manifest
from django_platform.manifests.edits import Conflict
from django_platform.manifests.files import hider, updated
from django_platform.manifests.needs import needs, service_name
from django_platform.manifests.started import commands


def _only_manifest(root: Path) -> str | None:
    """The platform whose manifest is the only one in `root`, where DJANGO_PLATFORM is unset: CI,
    which has no platform variables, checks the file that is there."""
    if os.environ.get("DJANGO_PLATFORM", "").strip():
        return None
    found = [name for name in MODULES if (root / manifest_path(name)).is_file()]
    return found[0] if len(found) == 1 else None


def _running(manifest: Manifest, text: str | None, project: str) -> dict[str, str]:
    """The web and worker commands the manifest starts today (its server and the project's own
    Celery flags stand, as the Procfile's do), by process name (a service we named
    `<project>-<process>` is that process)."""
    started = commands(manifest, text)
    prefix = f"{project}-"
    named = {name.removeprefix(prefix): command for name, command in started.items() if name != "web"}
    return {**named, **({"web": started["web"]} if "web" in started else {})}


class Command(ManagedFileCommand):
    command_name = "platform_manifest"
    help = (
        "Write the platform's manifest (fly.toml, render.yaml, railway.json, .do/app.yaml, .upsun/config.yaml, "
        "app.json, scalingo.json, northflank.json) with what the app needs, changing only the keys "
        "django-platform owns."
    )

    managed_block = False  # the keys we own are the managed part

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        server = parser.add_mutually_exclusive_group()
        server.add_argument("--asgi", action="store_true", help="serve the ASGI application (as platform_procfile)")
        server.add_argument("--wsgi", action="store_true", help="serve WSGI_APPLICATION (as platform_procfile)")
        parser.add_argument(
            "--server",
            choices=["gunicorn", *SERVERS],
            help="the ASGI server of the web command (as platform_procfile); default: the one it starts now",
        )
        parser.add_argument(
            "--celery-app", metavar="MODULE", help="the module defining the Celery app (as platform_procfile takes it)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = options["path"] or project_dir()
        platform = chosen_platform(options["platform"] or _only_manifest(root))
        manifest = manifest_for(platform.name)
        if manifest is None:
            raise CommandError(
                f"{platform.label} reads no manifest from the repository (platforms that do: {', '.join(MODULES)}): "
                "the Procfile (platform_procfile) and the platform's variables are what it reads.",
                returncode=2,
            )
        path = root / manifest.path
        env = environment()
        existing = attempt(lambda: read(path), OSError, ValueError)
        if isinstance(existing, Failed):
            raise CommandError(f"{path} cannot be read ({existing.kind}).", returncode=2)
        old = existing.text if existing else None
        try:
            planned = plan(
                root,
                platform,
                env,
                asgi=options["asgi"],
                wsgi=options["wsgi"],
                server=options["server"],
                celery_app=options["celery_app"],
                running=_running(manifest, old, service_name(root)),
            )
            wanted = needs(root, platform, env, planned)
        except ImproperlyConfigured as exc:
            message = str(exc)  # our own words, naming the setting or variable, never a value
        else:
            message = ""
        if message:
            raise CommandError(message, returncode=2)
        try:
            new = updated(manifest, wanted, old)
        except (ValueError, Conflict) as exc:
            problem = str(exc)  # the editors' words: a position or a key path, never the file's values
        else:
            problem = ""
        if problem:
            raise CommandError(f"{path} cannot be updated: {problem}. Fix it by hand, then rerun.", returncode=2)
        bom = bool(existing and existing.bom)
        hide = hider(manifest.kind, old, new)
        self.settle(path, old, new, platform.name, options, bom=bom, name=manifest.path, create_parent=True, hide=hide)
        if not (options["check"] or options["diff"]):
            for note in manifest.notes:
                self.stdout.write(f"{platform.label}: {note}")
            for note in planned.processes.notes:
                self.stderr.write(self.style.WARNING(note))
