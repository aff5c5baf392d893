"""What users copy from the platforms' templates and tutorials that is silently wrong today."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

from django_platform.areas.security import INSECURE_PREFIX
from django_platform.checks import environment, target_platform
from django_platform.deploy.files import project_dir
from django_platform.deploy.procfile import process_types

W026 = "Django 5.1 removed {names}, which the settings still set: {what} silently not used."
W027 = "The Procfile's web process runs {commands} before the server: on every instance, at every start, at once."
W028 = "{file} holds a literal SECRET_KEY: everyone with the repository has it."
W029 = "{where} names uvicorn.workers.UvicornWorker, which uvicorn deprecated for the uvicorn-worker package."
W032 = "DEBUG is on on {platform}: error pages show settings, tracebacks and SQL to anyone who causes one."

# Django 5.1 removed these (STORAGES replaces them): a value left there changes nothing.
REMOVED_STORAGES = {
    "STATICFILES_STORAGE": "static files are stored without the manifest and compression it names, so they are",
    "DEFAULT_FILE_STORAGE": "uploads go to the default storage instead of the one it names, so it is",
}
# manage.py commands that belong to the build or the release phase, not to each web start.
ONCE_PER_DEPLOY = re.compile(
    r"\bmanage\.py\s+((?:platform_)?migrate|collectstatic)\b|\bdjango-admin\s+((?:platform_)?migrate|collectstatic)\b"
)
OLD_UVICORN_WORKER = "uvicorn.workers.UvicornWorker"


def check_removed_storage_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    holder: Any = settings  # is_overridden() is missing from django-stubs
    found = [name for name in REMOVED_STORAGES if holder.is_overridden(name)]
    if not found or target_platform().development:
        return []
    what = "; ".join(REMOVED_STORAGES[name] for name in found)
    hint = (
        f"Delete {' and '.join(found)}: STORAGES replaces them (configure() sets STORAGES['staticfiles'] to hashed, "
        "compressed files); a backend of your own goes in STORAGES['staticfiles'] or STORAGES['default']."
    )
    return [Warning(W026.format(names=" and ".join(found), what=what), hint=hint, id="django_platform.W026")]


def check_web_start_command(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    procfile = project_dir() / "Procfile"
    if platform.development or not platform.procfile or not procfile.is_file():
        return []
    web = process_types(procfile.read_text(encoding="utf-8-sig", errors="replace")).get("web", "")
    commands = sorted({m.group(1) or m.group(2) for m in ONCE_PER_DEPLOY.finditer(web)})
    if not commands:
        return []
    release = platform.release_process or "release"
    hint = (
        f"Move migrate to the release phase ({platform.release_hint or f'Procfile {release}: line'}) and "
        "collectstatic to the build; `python manage.py platform_procfile` writes both."
    )
    return [Warning(W027.format(commands=" and ".join(commands)), hint=hint, id="django_platform.W027")]


def settings_file() -> Path | None:
    module = sys.modules.get(str(getattr(settings, "SETTINGS_MODULE", "") or ""))
    path = getattr(module, "__file__", None)
    return Path(path) if path and path.endswith(".py") else None


def literal_secret_key(source: str) -> bool:
    """Whether the module assigns SECRET_KEY a string literal that is not a startproject key."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = any(isinstance(t, ast.Name) and t.id == "SECRET_KEY" for t in targets)
            value = node.value
            if named and isinstance(value, ast.Constant) and isinstance(value.value, str):
                return bool(value.value) and not value.value.startswith(INSECURE_PREFIX)
    return False


def check_literal_secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if target_platform().development:
        return []
    path = settings_file()
    if path is None or not literal_secret_key(path.read_text(encoding="utf-8", errors="replace")):
        return []
    hint = (
        "Rotate it: set a new DJANGO_SECRET_KEY in the platform's environment (DJANGO_SECRET_KEY_FALLBACKS keeps "
        "the old one valid meanwhile), then replace the literal with os.environ['DJANGO_SECRET_KEY'] or a "
        "'django-insecure-' placeholder for development."
    )
    return [Warning(W028.format(file=path.name), hint=hint, id="django_platform.W028")]


def check_old_uvicorn_worker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if target_platform().development:
        return []
    root = project_dir()
    places = []
    procfile = root / "Procfile"
    if procfile.is_file() and OLD_UVICORN_WORKER in procfile.read_text(encoding="utf-8-sig", errors="replace"):
        places.append("The Procfile")
    # The raw values: a substring is looked for, and a value that is not valid text (an error where
    # gunicorn's settings read it) must not stop the other checks.
    env = environment()
    raw = getattr(env, "raw", env)
    for name in ("GUNICORN_CMD_ARGS", "GUNICORN_WORKER_CLASS"):
        value = raw.get(name, "")
        if isinstance(value, str) and OLD_UVICORN_WORKER in value:
            places.append(name)
    for config in ("gunicorn.conf.py", "gunicorn_config.py"):
        path = root / config
        if path.is_file() and OLD_UVICORN_WORKER in path.read_text(encoding="utf-8", errors="replace"):
            places.append(config)
    if not places:
        return []
    hint = "pip install uvicorn-worker and name uvicorn_worker.UvicornWorker instead."
    return [Warning(W029.format(where=", ".join(places)), hint=hint, id="django_platform.W029")]


def check_debug_on(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """DEBUG in force on a platform: configure() turns settings.py's DEBUG = True off there, so
    only DJANGO_DEBUG (or a settings module without configure()) turns it on."""
    platform = target_platform()
    if platform.development or not settings.DEBUG:
        return []
    hint = "Unset DJANGO_DEBUG (and DEBUG) in the platform's environment: configure() keeps DEBUG off on a platform."
    return [Warning(W032.format(platform=platform.label), hint=hint, id="django_platform.W032")]


CHECKS = (
    check_removed_storage_settings,
    check_web_start_command,
    check_literal_secret_key,
    check_old_uvicorn_worker,
    check_debug_on,
)
