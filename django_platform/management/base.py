"""The shared flow of commands that write a managed file: check, diff, dry run, write."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_platform.files import Malformed, Unmanaged, atomic_write, block, merge, unified_diff
from django_platform.platforms import Platform, detect, get_platform


def chosen_platform(name: str | None) -> Platform:
    return get_platform(name, variable="--platform") if name else detect(os.environ).platform


class ManagedFileCommand(BaseCommand):
    command_name = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--platform", help="target platform (default: DJANGO_PLATFORM or detection)")
        parser.add_argument("--path", type=Path, help="project directory (default: BASE_DIR)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="print the file instead of writing it")
        mode.add_argument("--diff", action="store_true", help="show what would change, write nothing")
        mode.add_argument("--check", action="store_true", help="exit 1 if the file on disk is out of date")
        parser.add_argument(
            "--force", action="store_true", help="add the managed block to a file that has none (its lines are kept)"
        )

    def write_managed(
        self, path: Path, body: str, options: dict[str, Any], adopt: Callable[[str], str] | None = None
    ) -> None:
        try:
            old: str | None = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            old = None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} cannot be read ({type(exc).__name__}).", returncode=2) from None
        try:
            new = merge(old, block(body, self.command_name), force=options["force"], adopt=adopt)
        except Unmanaged:
            raise CommandError(
                f"{path} exists without a django-platform block: left alone. Rerun with --force to add "
                "the block at the top (your lines are kept below it).",
                returncode=2,
            ) from None
        except Malformed:
            raise CommandError(
                f"{path} has an unmatched '# BEGIN django-platform' or '# END django-platform' line: "
                "fix or remove the markers, then rerun.",
                returncode=2,
            ) from None
        if options["check"]:
            if new != old:
                self.stderr.write(unified_diff(path, old, new))
                raise CommandError(
                    f"{path.name} is out of date: run python manage.py {self.command_name}.", returncode=1
                )
            self.stdout.write(f"{path.name} is up to date.")
        elif options["diff"]:
            self.stdout.write(unified_diff(path, old, new) or f"{path.name}: no changes.", ending="")
        elif options["dry_run"]:
            self.stdout.write(new, ending="")
            self.stdout.write(f"Would write {path}.")
        elif new == old:
            self.stdout.write(f"{path.name} is up to date; nothing to do.")
        else:
            atomic_write(path, new)
            self.stdout.write(self.style.SUCCESS(f"Wrote {path}."))
