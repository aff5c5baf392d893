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
from django_platform.areas.channels import CORE
from django_platform.configuration import AREAS
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
    "STORAGES": [
        {
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "media"}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
        },
        {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},
        {"staticfiles": {"BACKEND": "storages.backends.s3.S3ManifestStaticStorage"}},
    ],
    "MIDDLEWARE": [
        [
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "corsheaders.middleware.CorsMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        ["django.middleware.common.CommonMiddleware", "django.middleware.security.SecurityMiddleware"],
    ],
    "ALLOWED_HOSTS": [["app.example.com", ".example.org"], ["*"], []],
    "CSRF_TRUSTED_ORIGINS": [["https://*.example.com"]],
    "SECURE_PROXY_SSL_HEADER": [("HTTP_X_FORWARDED_PROTO", "https"), None],
    "SECURE_SSL_REDIRECT": [False, True],
    "SECURE_HSTS_SECONDS": [0, 31536000],
    "SESSION_ENGINE": ["django.contrib.sessions.backends.cache"],
    "ASGI_APPLICATION": ["project.asgi.application"],
    "STATIC_ROOT": ["/srv/static"],
    "LOGGING": [
        {
            "version": 1,
            "disable_existing_loggers": True,
            "formatters": {"verbose": {"format": "%(levelname)s %(asctime)s %(module)s %(message)s"}},
            "handlers": {"console": {"level": "DEBUG", "class": "logging.StreamHandler", "formatter": "verbose"}},
            "root": {"level": "INFO", "handlers": ["console"]},
        }
    ],
}
CASES = [(setting, index) for setting, values in CHOICES.items() for index in range(len(values))]
# What platform_check reads (LOGGING stays out: reconfiguring logging per case is slow, and configure()
# only merges it).
CHECKED = (
    "DATABASES", "CACHES", "CHANNEL_LAYERS", "EMAIL_BACKEND", "MAILERS", "STORAGES", "MIDDLEWARE", "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_ENGINE",
    "ASGI_APPLICATION", "STATIC_ROOT", "DJANGO_PLATFORM_REPORT",
)  # fmt: skip


def kept(own: Any, value: Any) -> bool:
    """settings.py's value as it was, or a list with every one of its entries still in order
    (configure() adds its middleware and the platform's origins around them); an empty list is
    startproject's ALLOWED_HOSTS, no choice."""
    if isinstance(own, (list, tuple)) and isinstance(value, (list, tuple)):
        rest = iter(value)
        return all(any(entry == item for entry in rest) for item in own)
    return bool(own == value)


def said(report: Any, setting: str) -> bool:
    """Whether the report says settings.py's value of `setting` was kept in part or replaced."""
    notes = [n for n in report.notes if setting in n and "settings.py" in n]
    return (
        any(k.startswith(setting) for k in report.replaced)
        or bool(notes)
        or any(e.setting.startswith(setting) and ("settings.py" in e.source or "replaced" in e.source) for e in report)
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
    assert kept(own, ns.get(setting)) or said(report, setting), setting
    assert PLANTED not in json.dumps(report.as_dict(), default=str)
    # W023's hint names the area to leave out: one configure() takes.
    assert all((report.replaced_by(name) or ("", ""))[1] in AREAS for name in report.replaced)
    out = StringIO()
    with override_settings(**{k: ns[k] for k in CHECKED if k in ns}):
        call_command("platform_check", "--format", "json", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    assert PLANTED not in out.getvalue() and SECRET not in out.getvalue()


def test_a_url_settings_py_builds_from_the_platforms_variable_keeps_its_database() -> None:
    """`f"{REDIS_URL}/1"` for the cache, `/0` for the broker, `/2` for the channel layer (each its
    own database on the platform's Redis, so that clearing the cache empties no queue): kept,
    with the relaxed certificate of the platform's own Redis; a stale password or another server
    is replaced, and said."""
    redis = f"rediss://:{PLANTED}@ec2-1.compute.amazonaws.com:6380"
    ns: dict[str, Any] = {
        "SECRET_KEY": "settings-py-key-" + "m" * 40,
        "INSTALLED_APPS": ["channels"],
        "CACHES": {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"{redis}/1"}},
        "CELERY_BROKER_URL": f"{redis}/0",
        "CHANNEL_LAYERS": {"default": {"BACKEND": CORE, "CONFIG": {"hosts": [f"{redis}/2"]}}},
    }
    report = django_platform.configure(ns, env={**PLATFORM_ENVS["heroku"], "REDIS_URL": redis}, platform="heroku")
    assert ns["CACHES"]["default"]["LOCATION"] == f"{redis}/1"
    assert ns["CACHES"]["default"]["OPTIONS"] == {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": "none"}}
    assert ns["CELERY_BROKER_URL"] == f"{redis}/0" and ns["CELERY_BROKER_USE_SSL"]
    assert ns["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"] == [{"address": f"{redis}/2", "ssl_cert_reqs": "none"}]
    assert not [note for note in report.notes if "replaced" in note]
    assert report.source("CACHES.default").startswith("settings.py (REDIS_URL)")
    stale = {**ns, "CACHES": {"default": {**ns["CACHES"]["default"], "LOCATION": redis.replace(PLANTED, "old") + "/1"}}}
    report = django_platform.configure(stale, env={**PLATFORM_ENVS["heroku"], "REDIS_URL": redis}, platform="heroku")
    assert stale["CACHES"]["default"]["LOCATION"] == redis
    assert any(note.startswith("settings.py's CACHES['default']['LOCATION'] (at ec2-1") for note in report.notes)
