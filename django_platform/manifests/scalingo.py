"""Scalingo's scalingo.json (review apps, one-click deploys): the secret key generated, the add-on
for the database, one container per process. The Procfile holds the commands and postdeploy.
Keys: https://doc.scalingo.com/platform/app/app-manifest"""

from __future__ import annotations

from django_platform.manifests.base import Get, Manifest, Needs, formation
from django_platform.manifests.edits import Edit


def edits(needs: Needs, get: Get) -> list[Edit]:
    found = [
        Edit(("name",), needs.name, "default"),
        Edit(("env", needs.secret_key, "generator"), "secret", "default"),
        Edit(("env", "DJANGO_SETTINGS_MODULE", "value"), needs.settings_module),
        Edit(("formation", "web", "amount"), 1, "default"),
    ]
    found += [Edit(("formation", name, "amount"), 1, "default") for name in needs.processes]
    return found


MANIFEST = Manifest(
    "scalingo",
    "scalingo.json",
    "json",
    edits,
    formation,
    starts_web=False,
    notes=("Scalingo reads the web, worker and postdeploy commands from the Procfile: run platform_procfile too.",),
    sources=("https://doc.scalingo.com/platform/app/app-manifest",),
)
