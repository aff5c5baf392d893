"""What the app needs from a platform's manifest, read from the settings, the generated Procfile
lines and the gunicorn tuning: the one place the manifests' values come from."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings

from django_platform.areas.databases import engine_family
from django_platform.areas.security import SECRET_KEY_VARS
from django_platform.deploy.gunicorn import graceful_timeout
from django_platform.deploy.plan import Plan
from django_platform.deploy.procfile import process_types
from django_platform.health import config, wired
from django_platform.manifests.base import RELEASE, Needs
from django_platform.platforms import Platform
from django_platform.textfile import Unreadable, read_text

RELEASE_TYPES = ("release", "postdeploy")


def service_name(root: Path) -> str:
    """The project directory's name as platforms accept service names (lowercase, dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", root.resolve().name.lower()).strip("-")[:40] or "django-app"


_REMOTE = re.compile(
    r"^(?:https://|ssh://git@|git@)(?P<host>github\.com|gitlab\.com)[:/](?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def repository(root: Path) -> tuple[str, str, str] | None:
    """(host, "owner/name", branch) of the checkout's origin remote on GitHub or GitLab, read from
    .git/config and .git/HEAD (no git command); None elsewhere or where they cannot be read."""
    git = root / ".git"
    config, head = read_text(git / "config"), read_text(git / "HEAD")
    if isinstance(config, Unreadable) or isinstance(head, Unreadable) or not head.startswith("ref: refs/heads/"):
        return None
    section = ""
    for line in config.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == '[remote "origin"]' and stripped.replace(" ", "").startswith("url="):
            match = _REMOTE.match(stripped.split("=", 1)[1].strip())
            if match:
                return match.group("host").split(".")[0], match.group("repo"), head.strip()[len("ref: refs/heads/") :]
    return None


def needs(root: Path, platform: Platform, env: Mapping[str, str], planned: Plan) -> Needs:
    types = process_types(planned.body)
    web = types.pop("web", "")
    for name in RELEASE_TYPES:
        types.pop(name, None)
    default = settings.DATABASES.get("default", {}) if isinstance(settings.DATABASES, dict) else {}
    family = engine_family(str(default.get("ENGINE", ""))) or ""
    # SQLite (startproject's default, and the laptop's) loses its data on the platforms' disks: the
    # deploy needs the database the platform's DATABASE_URL brings, PostgreSQL unless settings.py
    # names another. The same on the laptop and at run time, so the file does not drift between them.
    database = family if family and family != "sqlite" else "postgresql"
    secret = next((name for name in SECRET_KEY_VARS if env.get(name, "").strip()), SECRET_KEY_VARS[0])
    return Needs(
        name=service_name(root),
        web=web,
        processes=types,
        release=RELEASE,
        health=config().ready if wired() else "",
        graceful=graceful_timeout(env, platform),
        # override_settings hides SETTINGS_MODULE; manage.py has set the variable either way.
        settings_module=str(getattr(settings, "SETTINGS_MODULE", "") or os.environ.get("DJANGO_SETTINGS_MODULE", "")),
        secret_key=secret,
        secrets=("DATABASE_URL",),
        database=database,
        python=f"{sys.version_info.major}.{sys.version_info.minor}",
        repository=repository(root),
        dockerfile=(root / "Dockerfile").is_file(),
    )
