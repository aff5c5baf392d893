"""Railway's railway.json (config as code) for one service: build command, start command,
pre-deploy command, health-check path, draining seconds.
Keys: https://docs.railway.com/config-as-code/reference; drainingSeconds is a number
(railwayapp/docs#1243: a string fails the deploy)."""

from __future__ import annotations

from django_platform.manifests.base import (
    COLLECTSTATIC,
    Declared,
    Get,
    Manifest,
    Needs,
    commands,
    int_or_none,
    release_command,
    text_or_none,
)
from django_platform.manifests.edits import MISSING, Edit

SCHEMA = "https://railway.com/railway.schema.json"


def edits(needs: Needs, get: Get) -> list[Edit]:
    found = [
        Edit(("$schema",), SCHEMA, "default"),
        # Railpack, the default builder, runs no collectstatic.
        Edit(("build", "buildCommand"), COLLECTSTATIC, "default"),
        Edit(("deploy", "startCommand"), needs.web),
        Edit(("deploy", "preDeployCommand"), [release_command(needs, get(("deploy", "preDeployCommand")))]),
        # SIGKILL follows SIGTERM after the draining time, 0 by default.
        Edit(("deploy", "drainingSeconds"), needs.graceful + 1, "at_least"),
    ]
    if needs.health:
        found.append(Edit(("deploy", "healthcheckPath"), needs.health))
    return found


def read(get: Get) -> Declared:
    draining = get(("deploy", "drainingSeconds"))
    return Declared(
        health=text_or_none(get(("deploy", "healthcheckPath"))),
        release=commands(get(("deploy", "preDeployCommand"))) or [],
        stop=0 if draining is MISSING else int_or_none(draining),
        processes=None,  # one service per file: workers are services of their own
        port=None,  # Railway sets PORT itself
        build=commands(get(("build", "buildCommand"))) or [],  # Railpack collects nothing itself
    )


MANIFEST = Manifest(
    "railway",
    "railway.json",
    "json",
    edits,
    read,
    workers=False,
    notes=(
        "railway.json configures one service: each background process is a service of its own (same repository, "
        "its own start command).",
    ),
    sources=(
        "https://docs.railway.com/config-as-code/reference",
        "https://docs.railway.com/deployments/pre-deploy-command",
    ),
)
