"""`manage.py platform_check`: the platform, what configure() set and why, and what will break there."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from django_platform.checks import TAG, environment, judging, target_platform
from django_platform.checks.budget import budget_here
from django_platform.checks.layer_budget import layer_budget_here
from django_platform.checks.migrations import migration_messages
from django_platform.deploy.files import project_dir
from django_platform.deploy.served import Explained, Served, served_here
from django_platform.manifests.started import web_started
from django_platform.platforms import Platform, get_platform
from django_platform.report import Report, mask

LEVELS = {
    "DEBUG": checks.DEBUG,
    "INFO": checks.INFO,
    "WARNING": checks.WARNING,
    "ERROR": checks.ERROR,
    "CRITICAL": checks.CRITICAL,
}
LEVEL_NAMES = {value: name.lower() for name, value in LEVELS.items()}
SCHEMA_VERSION = 2


def run_findings(deploy: bool) -> list[checks.CheckMessage]:
    """Our checks, plus Django's own deployment checks with --deploy; silenced ones left out."""
    tags = None if deploy else [TAG]
    found = checks.run_checks(tags=tags, include_deployment_checks=True)
    return sorted((m for m in found if not m.is_silenced()), key=lambda m: (-m.level, m.id or ""))


def rows(values: Explained | str, key: str) -> list[dict[str, Any]] | str:
    """Explained values as JSON rows (`key`: "setting" or "flag"), or our message as it is."""
    return (
        values if isinstance(values, str) else [{key: name, "value": value, "why": why} for name, value, why in values]
    )


def as_json(
    report: Report | None,
    platform: str,
    reason: str,
    findings: list[checks.CheckMessage],
    served: Served,
    unverified: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The documented --format json schema (version 2: settings carry their structured origin,
    the gunicorn values that would apply here, or the Granian launcher's flags where the web command
    starts it, the platform's unverified facts)."""
    return {
        "schema": SCHEMA_VERSION,
        "platform": platform,
        "reason": reason,
        "unverified": list(unverified),
        "settings": [e.as_dict() for e in (report or [])],
        "gunicorn": "not started: the web command starts Granian (see granian)"
        if served.flags
        else rows(served.values, "setting"),
        "granian": rows(served.values, "flag") if served.flags else None,
        "notes": list(report.notes) if report else [],
        "findings": [
            {
                "id": m.id,
                "level": LEVEL_NAMES.get(m.level, str(m.level)),
                "message": m.msg,
                "hint": m.hint,
                "object": None if m.obj is None else str(m.obj),
            }
            for m in findings
        ],
        "summary": {
            name: sum(1 for m in findings if LEVEL_NAMES.get(m.level) == name)
            for name in ("critical", "error", "warning", "info", "debug")
        },
    }


class Command(BaseCommand):
    help = "Show the detected platform, what configure() set and why, and what will break or lose data there."
    requires_system_checks: list[str] = []  # this command runs them itself, and reports them

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--platform", help="judge against this platform (default: the detected one)")
        parser.add_argument("--deploy", action="store_true", help="add Django's own deployment checks")
        parser.add_argument(
            "--fail-level",
            default="ERROR",
            choices=list(LEVELS),
            help="exit non-zero when a finding reaches this level (default: ERROR)",
        )
        parser.add_argument("--format", default="text", choices=["text", "json"], dest="output_format")

    def handle(self, *args: Any, **options: Any) -> None:
        self.not_judged: str | None = None
        report: Report | None = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
        if options["platform"]:
            platform = get_platform(options["platform"], variable="--platform")
            reason = "--platform " + platform.name
        else:
            platform = target_platform()
            reason = report.reason if report else "detected from the environment"

        with judging(platform):
            findings = run_findings(options["deploy"])
        if options["deploy"] and not platform.development:
            try:
                budget = [
                    m
                    for m in [*budget_here(environment(), platform), *layer_budget_here(environment(), platform)]
                    if not m.is_silenced()
                ]
            except ImproperlyConfigured as exc:  # our message: it names the variable, not its value
                raise CommandError(str(exc), returncode=2) from None
            migrations, self.not_judged = migration_messages()
            migrations = [m for m in migrations if not m.is_silenced()]
            findings = sorted([*findings, *budget, *migrations], key=lambda m: (-m.level, m.id or ""))

        # The web command the platform starts (its manifest's, else the Procfile's), and its server.
        web = web_started(project_dir(), platform)[0]
        served = served_here(web, environment(), platform, settings.WSGI_APPLICATION)
        if options["output_format"] == "json":
            document = as_json(report, platform.name, reason, findings, served, platform.unverified)
            self.stdout.write(json.dumps(mask(document), indent=2, default=str))
        else:
            self.print_text(report, platform, reason, findings, served)
        failing = [m for m in findings if m.level >= LEVELS[options["fail_level"]]]
        if failing:
            raise CommandError(f"{len(failing)} finding(s) at {options['fail_level']} or above.", returncode=1)

    def print_text(
        self,
        report: Report | None,
        platform: Platform,
        reason: str,
        findings: list[checks.CheckMessage],
        served: Served,
    ) -> None:
        name, label = platform.name, platform.label
        self.stdout.write(self.style.MIGRATE_HEADING(f"Platform: {label} ({reason})"))
        if platform.unverified:
            # Facts the platform's docs did not confirm: our defaults for them are overridable.
            self.stdout.write(
                f"Unverified for {label} (set them yourself if they differ): {', '.join(platform.unverified)}"
            )
        if report is None:
            self.stdout.write("configure() was not called: end settings.py with django_platform.configure(globals()).")
        else:
            if report.platform != name:
                self.stdout.write(f"Settings were configured for: {report.platform}")
            self.stdout.write(self.style.MIGRATE_HEADING("Settings from configure():"))
            for entry in report:
                self.stdout.write(f"  {entry.setting} = {entry.value!r}  [{entry.source}]")
            for note in report.notes:
                self.stdout.write(f"  note: {note}")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"{served.server} at server start here (this machine, this environment):")
        )
        for line in served.lines():
            self.stdout.write(line)
        if self.not_judged:
            self.stdout.write(f"Migrations {self.not_judged}.")
        for low, high, title, style in (
            (checks.ERROR, None, "Errors", self.style.ERROR),
            (checks.WARNING, checks.ERROR, "Warnings", self.style.WARNING),
            (None, checks.WARNING, "Info", self.style.NOTICE),
        ):
            group = [m for m in findings if (low is None or m.level >= low) and (high is None or m.level < high)]
            if group:
                self.stdout.write(style(f"{title}:"))
                for message in group:
                    self.stdout.write(f"  {message.id}: {message.msg}")
                    if message.hint:
                        self.stdout.write(f"    hint: {message.hint}")
        errors = sum(1 for m in findings if m.level >= checks.ERROR)
        warnings = sum(1 for m in findings if checks.WARNING <= m.level < checks.ERROR)
        summary = f"{errors} error(s), {warnings} warning(s), {len(findings) - errors - warnings} other."
        self.stdout.write(self.style.ERROR(summary) if errors else self.style.SUCCESS(summary))
