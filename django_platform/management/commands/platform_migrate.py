"""`manage.py platform_migrate`: the release phase's migrate. It applies what the code still
serving can live with, refuses (nothing applied, exit 1) an operation that breaks it, and runs
once per database at a time."""

from __future__ import annotations

from argparse import SUPPRESS, ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from django_platform.checks import target_platform
from django_platform.deploy.files import HardLinked, atomic_write, project_dir
from django_platform.schema.lock import migration_lock
from django_platform.schema.plan import release_plan
from django_platform.schema.recorded import STATE_FILE, render
from django_platform.schema.safety import BREAKS, Finding

LOCK_TIMEOUT = 600.0
POST_RELEASE = "python manage.py platform_migrate --post-release"


class Command(BaseCommand):
    help = (
        "Apply the migrations the code still serving can live with; refuse, applying nothing, one that breaks "
        "it (--post-release applies everything once the old code is gone). One migrate at a time per database."
    )
    requires_system_checks: list[str] = []  # migrate runs them

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--post-release",
            action="store_true",
            help="apply every migration, the destructive ones too: after a release, once no old code serves",
        )
        parser.add_argument(
            "--check", action="store_true", help="judge only: exit 1 if a migration breaks the code still serving"
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help=f"write {STATE_FILE} from this checkout's migrations (no database): the deployed release's "
            "record, which platform_check --deploy judges the next release against where the database cannot "
            "be asked",
        )
        parser.add_argument("--lock-timeout", type=float, default=LOCK_TIMEOUT, help="seconds to wait for the lock")
        # migrate's own flag, accepted for release lines written for it: this command never asks.
        parser.add_argument("--noinput", "--no-input", action="store_true", help=SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["record"]:
            self.record()
            return
        alias = options["database"]
        connection = connections[alias]
        with migration_lock(connection, options["lock_timeout"]):
            plan, found = release_plan(connection)
            for finding in found:
                self.say(finding)
            breaking = [f for f in found if f.kind == BREAKS]
            if options["check"]:
                if breaking:
                    raise CommandError(f"{len(breaking)} operation(s) break the code still serving.", returncode=1)
                self.stdout.write(f"{len(plan)} migration(s) to apply; none breaks the code still serving.")
                return
            if breaking and not options["post_release"]:
                raise CommandError(
                    f"Refused: {len(breaking)} operation(s) would break the code still serving while this release "
                    "runs; nothing was applied. Ship the safe half now and the rest in the next release (see each "
                    f"recipe above), or run it once the old code is gone: {target_platform().run_once(POST_RELEASE)}.",
                    returncode=1,
                )
            # As `manage.py migrate` does: the system checks first (call_command skips them by default).
            call_command(
                "migrate", database=alias, interactive=False, verbosity=options["verbosity"], skip_checks=False
            )

    def record(self) -> None:
        path = project_dir() / STATE_FILE
        text = render(MigrationLoader(None, ignore_no_migrations=True))
        try:
            atomic_write(path, text)
        except (OSError, HardLinked) as exc:
            raise CommandError(f"{path} could not be written ({type(exc).__name__}).") from None
        self.stdout.write(f"Wrote {path}: commit it.")

    def say(self, finding: Finding) -> None:
        style = self.style.ERROR if finding.kind == BREAKS else self.style.WARNING
        self.stdout.write(style(f"{finding.kind}: {finding}"))
        self.stdout.write(f"  recipe: {finding.recipe}")
