"""Platform manifests (fly.toml, render.yaml, railway.json, .do/app.yaml, .upsun/config.yaml,
app.json, scalingo.json, northflank.json): the keys we own, written and checked. Loaded only by the commands and
checks that use them (tomlkit and ruamel.yaml load with them, never while settings import)."""

from __future__ import annotations

import importlib

from django_platform.manifests.base import Manifest

# Platform name -> the module holding its manifest, and the manifest's path (kept here so that
# finding which manifest a project has loads no editor). Platforms absent here read no file from the
# repository for processes, release or health (a Procfile, variables, or the dashboard).
MODULES = {
    "fly": ("fly", "fly.toml"),
    "render": ("render", "render.yaml"),
    "railway": ("railway", "railway.json"),
    "digitalocean": ("digitalocean", ".do/app.yaml"),
    "upsun": ("upsun", ".upsun/config.yaml"),
    "heroku": ("heroku", "app.json"),
    "scalingo": ("scalingo", "scalingo.json"),
    "northflank": ("northflank", "northflank.json"),
}


def manifest_for(platform: str) -> Manifest | None:
    if platform not in MODULES:
        return None
    found: Manifest = importlib.import_module(f"django_platform.manifests.{MODULES[platform][0]}").MANIFEST
    return found


def manifest_path(platform: str) -> str:
    return MODULES[platform][1]
