"""Heroku's app.json (review apps, Heroku Button, `heroku app:setup`): the secret key generated,
the add-on for the database, one dyno per process. The Procfile holds the commands and the release
phase. Keys: https://devcenter.heroku.com/articles/app-json-schema"""

from __future__ import annotations

from django_platform.manifests.base import Get, Manifest, Needs, formation
from django_platform.manifests.edits import Edit

ADDONS = {"postgresql": "heroku-postgresql"}


def edits(needs: Needs, get: Get) -> list[Edit]:
    found = [
        Edit(("name",), needs.name, "default"),
        Edit(("env", needs.secret_key, "generator"), "secret", "default"),
        Edit(("env", "DJANGO_SETTINGS_MODULE", "value"), needs.settings_module),
        Edit(("formation", "web", "quantity"), 1, "default"),
    ]
    found += [Edit(("formation", name, "quantity"), 1, "default") for name in needs.processes]
    if needs.database in ADDONS:
        found.append(Edit(("addons",), ADDONS[needs.database], "member"))
    return found


MANIFEST = Manifest(
    "heroku",
    "app.json",
    "json",
    edits,
    formation,
    starts_web=False,
    notes=("Heroku reads the web, worker and release commands from the Procfile: run platform_procfile too.",),
    sources=("https://devcenter.heroku.com/articles/app-json-schema",),
)
