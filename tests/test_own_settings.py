"""What real settings.py files already chose, on every platform with its add-ons attached: configure()
keeps each choice or says what replaced it, and platform_check runs over the result without failing
(W023 once raised KeyError for a replaced mail backend) and without showing a secret."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

import django_platform
from tests.platform_envs import PLATFORM_ENVS, SECRET

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

PLANTED = "0wn-s3cret-" + "Zq9" * 6
# A second Redis (the broker's), a mail provider's API, beside the platform's own add-ons.
ADDONS = {
    "REDIS_URL": f"redis://:{PLANTED}@platform-redis.internal:6379",
    "UPSTASH_URL": f"rediss://default:{PLANTED}@eu1-able.upstash.io:6379",
    "RESEND_API_KEY": f"re_{PLANTED}",
}
UPSTASH = ADDONS["UPSTASH_URL"]
CHOICES: dict[str, list[Any]] = {
    "EMAIL_BACKEND": [
        "anymail.backends.brevo.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.smtp.EmailBackend",
    ],
    "CACHES": [
        {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}},
        {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://localhost:6379/1"}},
        {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": UPSTASH}},
    ],
    "CHANNEL_LAYERS": [
        {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [UPSTASH]}}},
        {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1"]}}},
    ],
    "CELERY_BROKER_URL": ["redis://localhost:6379/0", UPSTASH],
    "DATABASES": [
        {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "OPTIONS": {"sslmode": None}}},
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}},
    ],
}
CASES = [(setting, index) for setting, values in CHOICES.items() for index in range(len(values))]
CHECKED = ("DATABASES", "CACHES", "CHANNEL_LAYERS", "EMAIL_BACKEND", "MAILERS", "DJANGO_PLATFORM_REPORT")


def said(report: Any, setting: str) -> bool:
    """Whether the report says settings.py's value of `setting` was kept in part or replaced."""
    notes = [n for n in report.notes if setting in n and "settings.py" in n]
    return (
        any(k.startswith(setting) for k in report.replaced)
        or bool(notes)
        or (any(e.setting.startswith(setting) and "settings.py" in e.source for e in report))
    )


@pytest.mark.parametrize("platform", sorted(PLATFORM_ENVS))
@pytest.mark.parametrize(("setting", "index"), CASES)
def test_each_choice_is_kept_or_said_and_checked(platform: str, setting: str, index: int, tmp_path: Path) -> None:
    own = CHOICES[setting][index]
    ns: dict[str, Any] = {
        "BASE_DIR": tmp_path,
        "DEBUG": False,
        "SECRET_KEY": "settings-py-key-" + "m" * 40,
        "INSTALLED_APPS": ["django.contrib.staticfiles", "channels", "django_platform"],
        setting: json.loads(json.dumps(own)),
    }
    report = django_platform.configure(ns, env={**PLATFORM_ENVS[platform], **ADDONS}, platform=platform)
    assert ns.get(setting) == own or said(report, setting), setting
    assert PLANTED not in json.dumps(report.as_dict(), default=str)
    out = StringIO()
    with override_settings(**{k: ns[k] for k in CHECKED if k in ns}):
        call_command("platform_check", "--format", "json", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    assert PLANTED not in out.getvalue() and SECRET not in out.getvalue()
