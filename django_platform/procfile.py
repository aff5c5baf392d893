"""The Procfile and gunicorn config file contents for a platform (pure rendering)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ImproperlyConfigured

from django_platform.platforms import Platform

GUNICORN_CONF = "gunicorn.conf.py"  # read by gunicorn from the working directory (17.5+)
CLOUDCONTROL_CONF = "gunicorn_config.py"  # the name the cloudControl seed's Procfile passes
_PROCESS_LINE = re.compile(r"^(?P<type>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")


def config_filename(platform: Platform) -> str:
    return CLOUDCONTROL_CONF if platform.procfile_dialect == "cloudcontrol" else GUNICORN_CONF


def wsgi_target(wsgi_application: str | None) -> str:
    """WSGI_APPLICATION ("proj.wsgi.application") as gunicorn's APP_MODULE ("proj.wsgi")."""
    module, _, attr = (wsgi_application or "").rpartition(".")
    if not module:
        raise ImproperlyConfigured("WSGI_APPLICATION must be a dotted path like 'project.wsgi.application'.")
    return module if attr == "application" else f"{module}:{attr}"


def procfile_body(platform: Platform, wsgi_application: str | None, workers: Sequence[str] = ()) -> str:
    target = wsgi_target(wsgi_application)
    if platform.procfile_dialect == "cloudcontrol":
        lines = [f"web: gunicorn {target} --config {CLOUDCONTROL_CONF} -b 0.0.0.0:$PORT", "manage: python manage.py"]
    else:
        lines = [f"web: gunicorn {target}"]
    if platform.release_phase:
        lines.append("release: python manage.py migrate --noinput")
    for index, command in enumerate(workers):
        if not command.strip() or "\n" in command:
            raise ImproperlyConfigured("--worker takes a one-line command.")
        lines.append(f"worker{index + 1 if index else ''}: {command.strip()}")
    return "\n".join(lines)


def process_types(text: str) -> dict[str, str]:
    """Process type -> command, as Procfile runners read it (other lines are ignored)."""
    found = {}
    for line in text.splitlines():
        match = _PROCESS_LINE.match(line.strip())
        if match:
            found[match.group("type")] = match.group("command").strip()
    return found


def comment_out_types(text: str, types: Sequence[str]) -> str:
    """Keep a replaced Procfile line as a comment rather than lose it."""
    out = []
    for line in text.splitlines(keepends=True):
        match = _PROCESS_LINE.match(line.strip())
        out.append(f"# replaced by django-platform: {line}" if match and match.group("type") in types else line)
    return "".join(out)


def gunicorn_body(platform: Platform) -> str:
    return (
        "from django_platform.gunicorn_conf import apply as _django_platform_apply\n\n"
        f'_django_platform_apply(globals(), platform="{platform.name}")'
    )
