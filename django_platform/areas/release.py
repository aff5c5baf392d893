"""The running release's identity (a commit, or the platform's release or image id), from
DJANGO_PLATFORM_RELEASE or the platform's own variable: in the report, in the health bodies when
asked, and Sentry's release when sentry-sdk is in use and the project named none."""

from __future__ import annotations

import importlib.util
import os
import sys

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.platforms import Context
from django_platform.report import Report

VARIABLE = "DJANGO_PLATFORM_RELEASE"
SENTRY_VARIABLE = "SENTRY_RELEASE"


def find_release(ctx: Context) -> tuple[str, str] | None:
    """(release, the variable it came from), the first set of ours and the platform's."""
    for name in (VARIABLE, *ctx.platform.release_variables):
        value = ctx.value(name)
        if value:
            return value.strip(), name
    return None


def _to_sentry(release: str, ctx: Context, report: Report) -> None:
    """A Sentry client already set up by settings.py gets the release if it has none; otherwise
    SENTRY_RELEASE (the variable sentry_sdk.init() reads) when this is the process's own
    environment and the project set none. Nothing is imported: no sentry_sdk, nothing to do."""
    sentry = sys.modules.get("sentry_sdk")
    client = sentry.get_client() if sentry is not None and hasattr(sentry, "get_client") else None
    if client is not None and client.is_active():
        if client.options.get("release") is None:
            client.options["release"] = release
            report.note(f"Sentry's release: {release} (it had none).")
        return
    raw = getattr(ctx.env, "raw", ctx.env)
    if sentry is None and importlib.util.find_spec("sentry_sdk") is None:
        return
    if raw is os.environ and not os.environ.get(SENTRY_VARIABLE, "").strip():
        os.environ[SENTRY_VARIABLE] = release
        report.note(f"{SENTRY_VARIABLE} set to the release, for sentry_sdk.init().")


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    found = find_release(ctx)
    if found is None:
        return Changes()
    release, variable = found
    report.release = release
    report.record("release", release, variable)
    _to_sentry(release, ctx, report)
    return Changes()


SETTINGS = (
    Setting(
        "the release (in the report)",
        (VARIABLE,),
        "the platform's own variable (its page: Heroku's `HEROKU_BUILD_COMMIT` with dyno metadata, "
        "`RENDER_GIT_COMMIT`, `RAILWAY_GIT_COMMIT_SHA`, `FLY_IMAGE_REF`, Scalingo's `CONTAINER_VERSION`, …); no "
        'setting is written. Also in the health bodies with `DJANGO_PLATFORM_HEALTH = {"release": True}`, and '
        "Sentry's release when sentry-sdk is in use and names none (`SENTRY_RELEASE` before `sentry_sdk.init()`)",
    ),
)
