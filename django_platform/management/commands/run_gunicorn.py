"""`manage.py run_gunicorn [gunicorn options]`: gunicorn's old Django command, removed in 19.7.

Procfiles written for old platforms still call it. gunicorn runs in this process (no child), so the
platform's signals reach its master directly; options are gunicorn's own.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.wsgiapp import WSGIApplication
from gunicorn.config import Config

from django_platform.deploy.procfile import wsgi_target


def gunicorn_argv(args: list[str], wsgi_application: str | None) -> list[str]:
    """gunicorn's argv, with the project's WSGI module added unless an APP_MODULE was given."""

    parsed, _unknown = Config().parser().parse_known_args(args)
    return ["gunicorn", *args] if parsed.args else ["gunicorn", *args, wsgi_target(wsgi_application)]


class Command(BaseCommand):
    help = "Run gunicorn on this project (compatibility for Procfiles written for gunicorn < 19.7)."

    def run_from_argv(self, argv: list[str]) -> None:
        # gunicorn parses its own options: bypass Django's parser entirely.
        self.execute(*argv[2:])

    def execute(self, *args: Any, **options: Any) -> None:
        sys.argv = gunicorn_argv(list(args), settings.WSGI_APPLICATION)
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]", prog="manage.py run_gunicorn").run()
