"""Scalingo's scalingo.json (review apps, one-click deploys): the secret key generated, one
container per process. The Procfile holds the commands and postdeploy. No `addons`: without it a
review app copies its parent's add-ons, which a list of ours would replace.
Keys: https://doc.scalingo.com/platform/app/app-manifest; Scalingo's JSON schema
(github.com/Scalingo/developers-documentation, scalingo.schema.json) requires each formation entry's
`amount` and `size`."""

from __future__ import annotations

from django_platform.manifests.base import Get, Manifest, Needs, formation
from django_platform.manifests.edits import Edit

SIZE = "M"  # Scalingo's default container size (its "Choosing a Container Size" page)


def edits(needs: Needs, get: Get) -> list[Edit]:
    found = [
        Edit(("name",), needs.name, "default"),
        Edit(("env", needs.secret_key, "generator"), "secret", "default"),
        Edit(("env", "DJANGO_SETTINGS_MODULE", "value"), needs.settings_module),
    ]
    for name in ("web", *needs.processes):
        found += [
            Edit(("formation", name, "amount"), 1, "default"),
            Edit(("formation", name, "size"), SIZE, "default"),
        ]
    return found


MANIFEST = Manifest(
    "scalingo",
    "scalingo.json",
    "json",
    edits,
    formation,
    starts_web=False,
    notes=("Scalingo reads the web, worker and postdeploy commands from the Procfile: run platform_procfile too.",),
    sources=(
        "https://doc.scalingo.com/platform/app/app-manifest",
        "https://developers.scalingo.com/scalingo-json-schema",
        "https://doc.scalingo.com/platform/app/scaling/choosing-container-size",
    ),
)
