"""The shared flow of commands that write a managed file: check, diff, dry run, write."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_platform.attempt import Failed, attempt
from django_platform.deploy.files import (
    HardLinked,
    Malformed,
    Unmanaged,
    atomic_write,
    block,
    merge,
    read,
    recorded_platform,
    unified_diff,
)
from django_platform.platforms import Platform, detect, get_platform


def chosen_platform(name: str | None, recorded_in: Iterable[Path] = ()) -> Platform:
    """--platform, else DJANGO_PLATFORM, else the platform the existing file was written for, else
    detection (CI has no platform variables: the file's record is what it should check against)."""
    if name:
        return get_platform(name, variable="--platform")
    if not os.environ.get("DJANGO_PLATFORM", "").strip():
        for path in recorded_in:
            try:
                recorded = recorded_platform(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError):
                continue
            if recorded:
                return get_platform(recorded, variable=f"the platform recorded in {path.name}")
    return detect(os.environ).platform


class ManagedFileCommand(BaseCommand):
    command_name = ""
    # Whether the file has a managed block (--force adds one to a file without it).
    managed_block = True

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--platform",
            help="target platform (default: DJANGO_PLATFORM, the one the file was written for, or detection)",
        )
        parser.add_argument("--path", type=Path, help="project directory (default: BASE_DIR)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="print the file instead of writing it")
        mode.add_argument("--diff", action="store_true", help="show what would change, write nothing")
        # Like makemigrations --check: never writes, whatever else is given.
        parser.add_argument("--check", action="store_true", help="exit 1 if the file on disk is out of date")
        if self.managed_block:
            parser.add_argument(
                "--force",
                action="store_true",
                help="add the managed block to a file that has none (its lines are kept)",
            )

    def write_managed(
        self,
        path: Path,
        body: str,
        platform: Platform,
        options: dict[str, Any],
        adopt: Callable[[str], str] | None = None,
    ) -> None:
        existing = attempt(lambda: read(path), OSError, ValueError)
        if isinstance(existing, Failed):
            raise CommandError(f"{path} cannot be read ({existing.kind}).", returncode=2)
        old = existing.text if existing else None
        new = attempt(
            lambda: merge(old, block(body, self.command_name, platform.name), force=options["force"], adopt=adopt),
            Unmanaged,
            Malformed,
        )
        if isinstance(new, Failed) and new.kind == "Unmanaged":
            raise CommandError(
                f"{path} exists without a django-platform block: left alone. Rerun with --force to add "
                "the block at the top (your lines are kept below it).",
                returncode=2,
            )
        if isinstance(new, Failed):
            raise CommandError(
                f"{path} has an unmatched '# BEGIN django-platform' or '# END django-platform' line: "
                "fix or remove the markers, then rerun.",
                returncode=2,
            )
        self.settle(path, old, new, platform.name, options, bom=bool(existing and existing.bom))

    def settle(
        self,
        path: Path,
        old: str | None,
        new: str,
        platform: str,
        options: dict[str, Any],
        *,
        bom: bool,
        name: str = "",
        create_parent: bool = False,
        hide: Callable[[str], str] = str,
    ) -> None:
        """Show, check or write `new` over `old` as --diff, --dry-run and --check ask. `name`: the
        file as the user knows it (`.do/app.yaml`); `create_parent`: its directory may not exist;
        `hide`: masks the secrets a printed text holds."""
        name = name or path.name
        if options["diff"]:
            self.stdout.write(hide(unified_diff(path, old, new)) or f"{name}: no changes.\n", ending="")
        elif options["dry_run"]:
            self.stdout.write(hide(new), ending="" if new.endswith("\n") else "\n")
            self.stdout.write(f"Would write {path}.")
        if options["check"]:
            if new != old:
                if not options["diff"]:
                    self.stderr.write(hide(unified_diff(path, old, new)))
                raise CommandError(
                    f"{name} is out of date for {platform}: run python manage.py {self.command_name} "
                    f"--platform {platform}.",
                    returncode=1,
                )
            self.stdout.write(f"{name} is up to date for {platform}.")
        elif options["diff"] or options["dry_run"]:
            return
        elif new == old:
            self.stdout.write(f"{name} is up to date; nothing to do.")
        else:
            if create_parent and not path.parent.is_dir():
                made = attempt(lambda: path.parent.mkdir(parents=True, exist_ok=True), OSError)
                if isinstance(made, Failed):
                    raise CommandError(f"{path.parent} cannot be created ({made.kind}).", returncode=2)
            written = attempt(lambda: atomic_write(path, new, bom=bom), OSError, HardLinked)
            if isinstance(written, Failed) and written.kind == "HardLinked":
                raise CommandError(
                    f"{path} has other hard links, which writing it atomically would cut off: left alone. "
                    "Remove the other links, or apply --diff by hand.",
                    returncode=2,
                )
            if isinstance(written, Failed):
                raise CommandError(f"{path} cannot be written ({written.kind}).", returncode=2)
            self.stdout.write(self.style.SUCCESS(f"Wrote {path} for {platform}."))
