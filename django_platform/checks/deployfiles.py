"""The Procfile, the gunicorn config and the dependency file, as a deploy will use them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.management import get_commands

from django_platform.areas.databases import engine_family
from django_platform.attempt import Failed, attempt
from django_platform.checks import environment, target_platform
from django_platform.deploy import deps
from django_platform.deploy.files import END, managed_block, project_dir, split_lines
from django_platform.deploy.gunicorn import CMD_ARGS, MANAGED
from django_platform.deploy.gunicorn_cli import gunicorn_call
from django_platform.deploy.gunicorn_file import assigned_settings, config_filename, gunicorn_body
from django_platform.deploy.processes import background, project_packages, settings_values
from django_platform.deploy.procfile import (
    asgi_declared,
    idle_release,
    process_types,
    procfile_body,
    served_application,
    server_of,
    serves_asgi_module,
)
from django_platform.deploy.web_options import carried
from django_platform.platforms import PLATFORMS, Platform

E012 = "There is no Procfile in {root}: the platform does not know how to start the app."
E013 = "The Procfile's web process serves {module!r}, which cannot be imported."
E014 = "The Procfile runs 'manage.py run_gunicorn', which this project does not provide."
E016 = "The Procfile's web process reads the gunicorn config {config!r}, which does not exist: gunicorn will not start."
W009 = "{name} is out of date for {platform}."
W010 = "{file} does not declare {missing}."
W024 = "The Procfile's release: line never runs on {platform}, which runs {process}: instead."
W022 = "{file} sets {names} below its managed block: gunicorn runs with those values, not the block's."
W060 = "{source} gives gunicorn {options}, which it reads over {file}'s block: it runs with those, not the block's."
E020 = (
    "{file} pins {name}{theirs}, which leaves no version django-platform can use ({name}{ours}): the platform's "
    "pip install stops with ResolutionImpossible."
)
W011 = "There is no dependency file (requirements.txt, Pipfile.lock, poetry.lock, uv.lock, pyproject.toml)."
W012 = "{problem}: what the platform installs cannot be checked."


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _gunicorn_stale(path: Path, platform: Platform) -> bool:
    """Whether gunicorn, started here, would not use the settings for `platform`. DJANGO_PLATFORM
    in the environment wins over the platform written in the file (gunicorn_conf.apply())."""
    block = managed_block(path.read_text(encoding="utf-8-sig", errors="replace"))
    if block is None:
        return False
    if environment().get("DJANGO_PLATFORM", "").strip():
        return block.strip() not in {gunicorn_body(p).strip() for p in PLATFORMS}
    return block.strip() != gunicorn_body(platform).strip()


def _manifest_starts_it(root: Path, platform: Platform) -> bool:
    """The platform's manifest is there and holds the web command (not app.json's kind)."""
    # Local: the manifests' rows load only where a platform with one is checked.
    from django_platform.manifests import manifest_for

    manifest = manifest_for(platform.name)
    return manifest is not None and manifest.starts_web and (root / manifest.path).is_file()


def check_procfile(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.development:
        return []
    root = project_dir()
    if not platform.procfile:  # it starts gunicorn itself, which reads the config file
        return _stale_files(root, platform, None)
    procfile = root / "Procfile"
    if not procfile.is_file() and _manifest_starts_it(root, platform):
        return _stale_files(root, platform, None)  # the manifest says what runs (checks/manifests.py)
    if not procfile.is_file():
        return [
            Error(E012.format(root=root), hint="Run: python manage.py platform_procfile", id="django_platform.E012")
        ]
    text = procfile.read_text(encoding="utf-8-sig", errors="replace")
    types = process_types(text)
    messages: list[CheckMessage] = []
    web = types.get("web", "")
    # Read as the platform's shell will: $PORT and $WEB_CONCURRENCY are the platform's to fill.
    default_app = str(settings.WSGI_APPLICATION or "").rpartition(".")[0] or None
    call = gunicorn_call(web, environment(), default_app=default_app)
    module = call.app_module if call else None
    if module and not _importable(module):
        messages.append(
            Error(
                E013.format(module=module),
                hint="Fix the web: line, or run: python manage.py platform_procfile",
                id="django_platform.E013",
            )
        )
    config = call.config if call else None
    if config and not config.startswith("python:") and "<" not in config and not (root / config).is_file():
        messages.append(
            Error(
                E016.format(config=config),
                hint=f"Run: python manage.py platform_gunicorn --platform {platform.name}, or fix the web: line.",
                id="django_platform.E016",
            )
        )
    if "run_gunicorn" in web and "run_gunicorn" not in get_commands():
        messages.append(
            Error(
                E014,
                hint="Add 'django_platform' to INSTALLED_APPS: it provides run_gunicorn.",
                id="django_platform.E014",
            )
        )
    messages += _stale_files(root, platform, text)
    if idle_release(text, platform):
        messages.append(
            Warning(
                W024.format(platform=platform.label, process=platform.release_process),
                hint=f"Remove it: the managed block's {platform.release_process}: line migrates.",
                id="django_platform.W024",
            )
        )
    return messages


def _stale_files(root: Path, platform: Platform, procfile_text: str | None) -> list[CheckMessage]:
    block = None if procfile_text is None else managed_block(procfile_text)
    stale = []
    if block is not None and block.strip() != _expected_procfile(platform, block):
        stale.append(("Procfile", "platform_procfile"))
    conf = root / config_filename(platform)
    if conf.is_file() and _gunicorn_stale(conf, platform):
        stale.append((conf.name, "platform_gunicorn"))
    messages: list[CheckMessage] = [
        Warning(
            W009.format(name=name, platform=platform.label),
            hint=f"Run: python manage.py {command} --platform {platform.name}",
            id="django_platform.W009",
        )
        for name, command in stale
    ]
    overriding = _after_the_block(conf) if conf.is_file() else []
    if overriding:
        messages.append(
            Warning(
                W022.format(file=conf.name, names=", ".join(overriding)),
                hint="Remove them (the GUNICORN_* variables change what the block decides), or move them above it.",
                id="django_platform.W022",
            )
        )
    return messages + _over_the_block(conf, process_types(procfile_text or "").get("web", ""))


def _over_the_block(conf: Path, web: str) -> list[CheckMessage]:
    """Options the generated config decides, given on gunicorn's command line (the web line, or
    GUNICORN_CMD_ARGS, which gunicorn reads over its config file too)."""
    if not conf.is_file() or managed_block(conf.read_text(encoding="utf-8-sig", errors="replace")) is None:
        return []
    sources = (("The Procfile's web line", web), ("GUNICORN_CMD_ARGS", "gunicorn " + environment().get(CMD_ARGS, "")))
    messages: list[CheckMessage] = []
    for source, command in sources:
        replaced = carried(command).replaced
        if replaced:
            options = ", ".join(entry.partition(" (")[0] for entry in replaced)
            messages.append(
                Warning(
                    W060.format(source=source, options=options, file=conf.name),
                    hint=f"Remove them; instead: {', '.join(replaced)}.",
                    id="django_platform.W060",
                )
            )
    return messages


def _after_the_block(conf: Path) -> list[str]:
    """The block's settings that the file sets again below it, where gunicorn takes the last value."""
    text = conf.read_text(encoding="utf-8-sig", errors="replace")
    lines = split_lines(text)
    end = next((i + 1 for i, line in enumerate(lines) if line == END), None)
    if end is None:
        return []
    found = attempt(lambda: assigned_settings(text), SyntaxError, ValueError)
    if isinstance(found, Failed):  # gunicorn itself will say so when it starts
        return []
    return list(dict.fromkeys(name for name, line in found if line > end and name in MANAGED))


def _expected_procfile(platform: Platform, block: str) -> str:
    """The block platform_procfile would write now, keeping the --worker commands, the Celery app
    and the Celery commands it holds."""
    existing = process_types(block)
    found = background(settings_values(), project_packages(), existing=existing, multi_node=platform.multi_node).found
    custom = [(k, c) for k, c in process_types(block).items() if k.startswith("worker") and (k, c) not in found]
    workers = [command for _, command in custom]
    # The server the block serves stands (platform_procfile --asgi or --wsgi chose it); W034 says
    # when it is not the one the project declares.
    web = existing.get("web", "")
    server = server_of(web)
    asgi = True if server != "gunicorn" else serves_asgi_module(web, environment())
    if asgi is None:  # a web line that names no application
        asgi = bool(asgi_declared(project_dir(), environment()))
    application, setting = served_application(asgi)
    return procfile_body(platform, application, workers, found, setting, server, existing)


def check_dependencies(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if target_platform().development:
        return []
    found = deps.declared(project_dir())
    if found is None:
        return [Warning(W011, hint="pip freeze > requirements.txt", id="django_platform.W011")]
    if found.problem:
        hint = f"Fix {found.file}: the platform's build reads it too."
        return [Warning(W012.format(problem=found.problem), hint=hint, id="django_platform.W012")]
    messages: list[CheckMessage] = [
        Error(
            E020.format(file=found.file, name=name, theirs=theirs, ours=ours),
            hint=f"Widen the pin in {found.file} (or the file that pins it) to admit {name}{ours}.",
            id="django_platform.E020",
        )
        for name, theirs, ours in deps.excluded(found)
    ]
    families = [engine_family(str(db.get("ENGINE", ""))) for db in settings.DATABASES.values()]
    missing = deps.missing(found, [f for f in families if f])
    if missing:
        messages.append(
            Warning(
                W010.format(file=found.file, missing=", ".join(missing)),
                hint=f"Add them to {found.file} (or to a file it includes with -r).",
                id="django_platform.W010",
            )
        )
    return messages


CHECKS = (check_procfile, check_dependencies)
