"""A simulated environment per platform profile: its markers and host variables, as it sets them."""

from __future__ import annotations

import base64
import json

SECRET = "p1atf0rm-" + "x7Qz" * 12  # 57 characters: long and varied enough for check --deploy

_ROUTES = base64.b64encode(json.dumps({"https://app.example.com/": {"type": "upstream"}}).encode()).decode()

PLATFORM_ENVS: dict[str, dict[str, str]] = {
    "heroku": {"DYNO": "web.1"},  # no dyno metadata: HEROKU_APP_* are opt-in (labs)
    "dokku": {"DYNO": "web.1", "GIT_REV": "abc123", "DJANGO_ALLOWED_HOSTS": "app.dokku.example.com"},
    "cloudcontrol": {"PAAS_VENDOR": "cloudControl", "DEP_NAME": "app/default", "DEP_ID": "dep1"},
    "qoddi": {"DJANGO_PLATFORM": "qoddi", "DJANGO_ALLOWED_HOSTS": "app.qoddiapp.com"},
    "render": {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"},
    "fly": {"FLY_APP_NAME": "app", "FLY_REGION": "ams"},
    "railway": {"RAILWAY_ENVIRONMENT_NAME": "production", "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app"},
    "platformsh": {"PLATFORM_APPLICATION_NAME": "app", "PLATFORM_ROUTES": _ROUTES},
}


def clean_environ(**extra: str) -> dict[str, str]:
    """The parts of this process's environment a subprocess needs, and no platform markers
    (CI itself sets CI=true, which with DYNO means Heroku CI)."""
    import os

    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "SSL_CERT_FILE")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}
