from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from django_platform.attempt import Failed, attempt
from django_platform.checks import environment
from django_platform.deploy.files import project_dir
from django_platform.deploy.gunicorn import MANAGED
from django_platform.deploy.gunicorn_file import (
    assigned_settings,
    comment_out_settings,
    config_filename,
    config_filenames,
    gunicorn_body,
    gunicorn_setting_names,
)
from django_platform.deploy.served import served_here
from django_platform.management.base import ManagedFileCommand, chosen_platform
from django_platform.manifests.started import web_started
from django_platform.platforms import Platform


def resolved_here(platform: Platform) -> str:
    """The values the file resolves to at server start on this machine, with why."""

    web = web_started(project_dir(), platform)[0]  # the manifest's, else the Procfile's
    served = served_here(web, environment(), platform, settings.WSGI_APPLICATION)
    head = f"At server start here ({platform.label}, this machine's CPUs and memory, this environment):"
    if served.flags:  # another server starts: it never reads this file
        return f"{head}\n  not read: the web command starts {served.server}, whose flags platform_check shows"
    return "\n".join([head, *served.lines()])


class Command(ManagedFileCommand):
    help = "Write the gunicorn config (gunicorn.conf.py, or the name the platform's Procfile passes)."
    command_name = "platform_gunicorn"

    def handle(self, *args: Any, **options: Any) -> None:
        root = options["path"] or project_dir()
        platform = chosen_platform(options["platform"], [root / name for name in config_filenames()])
        replaced: list[str] = []
        kept: list[str] = []

        def adopt(text: str) -> str:
            # The user's old values sit below the block and would win: keep them as comments.
            # SyntaxError.text is a line of the file (raw_env may hold secrets): not attached.
            adopted = attempt(lambda: comment_out_settings(text, MANAGED), SyntaxError, ValueError)
            if isinstance(adopted, Failed):
                why = "is not valid Python" if adopted.kind == "SyntaxError" else "sets a setting on a line it shares"
                raise CommandError(f"{config_filename(platform)} {why}: fix it, then rerun with --force.", returncode=2)
            replaced.extend(adopted[1])
            # What stays in force beside the block: said, so the effective configuration holds
            # no surprise (gunicorn --print-config shows the same).
            names = gunicorn_setting_names() - set(MANAGED)
            kept.extend(dict.fromkeys(n for n, _ in assigned_settings(adopted[0]) if n in names))
            return adopted[0]

        self.write_managed(root / config_filename(platform), gunicorn_body(platform), platform, options, adopt=adopt)
        if options["dry_run"]:
            self.stdout.write(resolved_here(platform))
        if replaced:
            self.stdout.write(f"Commented out the old {', '.join(replaced)}: the block now decides them.")
        if kept:
            self.stdout.write(
                f"Kept from the old file, and applied by gunicorn beside the block: {', '.join(kept)}. "
                "Check they still fit the platform."
            )
