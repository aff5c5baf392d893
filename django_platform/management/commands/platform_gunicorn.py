from __future__ import annotations

from typing import Any

from django_platform.files import project_dir
from django_platform.management.base import ManagedFileCommand, chosen_platform
from django_platform.procfile import config_filename, gunicorn_body


class Command(ManagedFileCommand):
    help = "Write the gunicorn config (gunicorn.conf.py; gunicorn_config.py on cloudControl)."
    command_name = "platform_gunicorn"

    def handle(self, *args: Any, **options: Any) -> None:
        platform = chosen_platform(options["platform"])
        root = options["path"] or project_dir()
        self.write_managed(root / config_filename(platform), gunicorn_body(platform), options)
