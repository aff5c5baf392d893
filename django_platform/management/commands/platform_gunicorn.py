from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from django_platform.attempt import Failed, attempt
from django_platform.deploy.files import project_dir
from django_platform.deploy.gunicorn import MANAGED
from django_platform.deploy.procfile import comment_out_settings, config_filename, config_filenames, gunicorn_body
from django_platform.management.base import ManagedFileCommand, chosen_platform


class Command(ManagedFileCommand):
    help = "Write the gunicorn config (gunicorn.conf.py, or the name the platform's Procfile passes)."
    command_name = "platform_gunicorn"

    def handle(self, *args: Any, **options: Any) -> None:
        root = options["path"] or project_dir()
        platform = chosen_platform(options["platform"], [root / name for name in config_filenames()])
        replaced: list[str] = []

        def adopt(text: str) -> str:
            # The user's old values sit below the block and would win: keep them as comments.
            # SyntaxError.text is a line of the file (raw_env may hold secrets): not attached.
            adopted = attempt(lambda: comment_out_settings(text, MANAGED), SyntaxError, ValueError)
            if isinstance(adopted, Failed):
                raise CommandError(
                    f"{config_filename(platform)} is not valid Python: fix it, then rerun with --force.", returncode=2
                )
            replaced.extend(adopted[1])
            return adopted[0]

        self.write_managed(root / config_filename(platform), gunicorn_body(platform), platform, options, adopt=adopt)
        if replaced:
            self.stdout.write(f"Commented out the old {', '.join(replaced)}: the block now decides them.")
