"""What the platform starts for a project: its manifest's commands where the manifest starts the
processes (fly.toml's [processes], render.yaml's services...: over a Procfile there), else the
Procfile's. Shared by the writers (whose plan keeps the server and Celery flags running today) and
the serving checks (which judge the server the platform really starts)."""

from __future__ import annotations

from pathlib import Path

from django_platform.deploy.procfile import web_command
from django_platform.manifests import manifest_for
from django_platform.manifests.base import Manifest
from django_platform.platforms import Platform
from django_platform.textfile import read_text


def commands(manifest: Manifest, text: str | None) -> dict[str, str]:
    """The commands the manifest's `text` starts, by process name, its web process's as "web"
    (fly.toml names it "app"); {} where the format starts no web process or the text does not parse
    (the write and check_manifest say why)."""
    if not text or not manifest.starts_web:
        return {}
    # Local: the editors load tomlkit and ruamel.yaml, for a project with a manifest only.
    from django_platform.manifests.edits import Conflict
    from django_platform.manifests.files import declared

    try:
        processes = dict(declared(manifest, text).processes or {})
    except (ValueError, Conflict):
        return {}
    web = processes.pop("app", None) or processes.pop("web", None)
    others = {name: command for name, command in processes.items() if command and name != "web"}
    return {**others, **({"web": web} if web else {})}


def web_started(root: Path, platform: Platform) -> tuple[str, str]:
    """(the web command `platform` starts for the project in `root`, the file it is in): the
    manifest's where that starts the web process, else the Procfile's ("" where neither says)."""
    manifest = manifest_for(platform.name)
    text = read_text(root / manifest.path) if manifest is not None else None
    started = commands(manifest, text) if manifest is not None and isinstance(text, str) else {}
    if manifest is not None and started.get("web"):
        return started["web"], manifest.path
    return web_command(root), "Procfile"
