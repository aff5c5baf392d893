"""The platform's manifest against the app: health path, release, stop window, processes, port.

What the platform will run, probe and wait for, as fly.toml, render.yaml... say it, where it
disagrees with what the app needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.core.exceptions import ImproperlyConfigured
from django.http.request import split_domain_port, validate_host

from django_platform.checks import environment, target_platform
from django_platform.deploy.files import project_dir
from django_platform.deploy.plan import plan
from django_platform.health import MIDDLEWARE, config, wired
from django_platform.manifests import manifest_for
from django_platform.manifests.base import Declared, Manifest, Needs
from django_platform.manifests.needs import needs
from django_platform.platforms import Context, Platform
from django_platform.textfile import Unreadable, read_text

W038 = "{file} is out of date for {platform}: keys django-platform owns differ from what the app needs."
W039 = "{file} cannot be read: {problem}."
W040 = "{file}'s health check probes {path}, which the app does not serve: {platform} will not send it traffic."
W041 = "{file} runs no release command: migrations never run on {platform}."
W042 = "{file} runs `manage.py migrate` as the release: destructive migrations apply while the old code still serves."
W043 = "{file} lets a stopping process {stop} s, not more than gunicorn's graceful timeout ({graceful} s)."
W044 = "{file} has no process for {names}, which the settings need."
W045 = "{file} sends requests to {internal}; the app listens on {bound}."
W046 = (
    "{file} sets STATICFILES_STORAGE, which Django ignores since 5.1: static files are neither hashed nor compressed."
)
W051 = (
    "{file}'s build runs `manage.py migrate`: the schema changes before the release is judged, while the old "
    "code still serves, and a failed deploy keeps them."
)
W047 = "{file}'s build runs no collectstatic: static files are not collected, so pages are served unstyled."
W048 = "{file} sets DISABLE_COLLECTSTATIC: the buildpack collects no static files, so pages are served unstyled."
# A build step that runs a script of the user's (which may collect static files): not judged.
_SCRIPT = re.compile(r"(?:^|\s)(?:\./|bash\s|sh\s|make(?:\s|$)|\S+\.sh(?:\s|$)|python3?\s+\S+\.py)")
W049 = (
    "{platform}'s health check asks with the Host {hosts}, which ALLOWED_HOSTS refuses: the probe gets 400 "
    "and the release never goes live."
)
FIX = "Run: python manage.py platform_manifest --platform {platform}"
_PLAIN_MIGRATE = re.compile(r"(?:^|\s)(?:\./)?manage\.py\s+migrate(?:\s|$)")


def check_manifest(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    manifest = manifest_for(platform.name)
    if manifest is None:
        return []
    root = project_dir()
    path = root / manifest.path
    text = read_text(path)
    if isinstance(text, Unreadable):
        if text.missing:
            return []
        return [_warn(W039, manifest, platform.name, id="django_platform.W039", problem=f"it {text.problem}")]
    # Local: the editors load tomlkit and ruamel.yaml, which only a project with a manifest needs
    # (check modules load at every manage.py command).
    from django_platform.manifests.edits import Conflict
    from django_platform.manifests.files import declared, updated

    env = environment()
    try:
        wanted = needs(root, platform, env, plan(root, platform, env))
    except ImproperlyConfigured:
        return []  # the settings' own checks say what is wrong
    try:
        found = declared(manifest, text)
        stale = updated(manifest, wanted, text) != text
    except (ValueError, Conflict) as exc:
        return [_warn(W039, manifest, platform.name, id="django_platform.W039", problem=str(exc))]
    messages = _disagreements(manifest, found, wanted, platform.label, platform.name)
    refused = _refused_probe_hosts(platform, env) if found.health else []
    if refused:
        messages.append(
            _warn(
                W049,
                manifest,
                platform.name,
                id="django_platform.W049",
                hosts=", ".join(refused),
                platform_label=platform.label,
            )
        )
    if "DISABLE_COLLECTSTATIC" in text:
        messages.append(_warn(W048, manifest, platform.name, id="django_platform.W048"))
    if "STATICFILES_STORAGE" in text:
        messages.append(_warn(W046, manifest, platform.name, id="django_platform.W046"))
    if stale:
        messages.append(_warn(W038, manifest, platform.name, id="django_platform.W038", platform_label=platform.label))
    return messages


def _refused_probe_hosts(platform: Platform, env: Mapping[str, str]) -> list[str]:
    """The platform's health-check Hosts that host validation refuses, where no HealthMiddleware
    answers the probe before it (the health paths served from urls.py only)."""
    if MIDDLEWARE in settings.MIDDLEWARE:
        return []
    hosts = platform.health_hosts(Context(env, platform))
    return [h for h in hosts if not validate_host(split_domain_port(h)[0] or h, settings.ALLOWED_HOSTS)]


def _disagreements(manifest: Manifest, found: Declared, wanted: Needs, label: str, name: str) -> list[CheckMessage]:
    messages = []
    served = (config().ready, config().live, config().startup) if wired() else ()
    if found.health and found.health.split("?")[0] not in served:
        messages.append(_warn(W040, manifest, name, id="django_platform.W040", path=found.health, platform_label=label))
    if found.release is not None:
        if not any("platform_migrate" in line or _PLAIN_MIGRATE.search(line) for line in found.release):
            messages.append(_warn(W041, manifest, name, id="django_platform.W041", platform_label=label))
        elif not any("platform_migrate" in line for line in found.release):
            messages.append(_warn(W042, manifest, name, id="django_platform.W042"))
    if found.stop is not None and found.stop <= wanted.graceful:
        messages.append(
            _warn(W043, manifest, name, id="django_platform.W043", stop=found.stop, graceful=wanted.graceful)
        )
    if found.processes is not None and manifest.workers:
        commands = set(found.processes.values())
        missing = [
            process
            for process, command in wanted.processes.items()
            if process not in found.processes
            and f"{wanted.name}-{process}" not in found.processes
            and command not in commands
        ]
        if missing:
            messages.append(_warn(W044, manifest, name, id="django_platform.W044", names=", ".join(missing)))
    build = found.build
    if build and any(_PLAIN_MIGRATE.search(line) for line in build):
        messages.append(_warn(W051, manifest, name, id="django_platform.W051"))
    if build is not None and not any("collectstatic" in line or _SCRIPT.search(line) for line in build):
        messages.append(_warn(W047, manifest, name, id="django_platform.W047"))
    if found.port is not None and found.port[0] != found.port[1]:
        messages.append(
            _warn(W045, manifest, name, id="django_platform.W045", internal=found.port[0], bound=found.port[1])
        )
    return messages


def _warn(template: str, manifest: Manifest, platform: str, *, id: str, **values: Any) -> CheckMessage:
    label = values.pop("platform_label", platform)
    return Warning(
        template.format(file=manifest.path, platform=label, **values), hint=FIX.format(platform=platform), id=id
    )


CHECKS = (check_manifest,)
