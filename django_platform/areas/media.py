"""Uploaded files in S3 (or an S3-compatible store) instead of the platform's ephemeral disk."""

# No `from __future__ import annotations`: typing.NamedTuple would compile each string annotation
# of S3Vars at import (measured in benchmarks/startup.py).

import importlib.util
from collections.abc import Mapping
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.parsers.urlparts import split_url
from django_platform.platforms import Context
from django_platform.report import Report, Source

S3_BACKEND = "storages.backends.s3.S3Storage"


class S3Vars(NamedTuple):
    """Where one provider keeps the bucket and keys."""

    label: str
    bucket: str
    access_key: str
    secret_key: str
    region: str
    endpoint: str


PROVIDERS = (
    S3Vars(
        "AWS_*",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_S3_REGION_NAME",
        "AWS_S3_ENDPOINT_URL",
    ),
    # The Bucketeer add-on.
    S3Vars(
        "BUCKETEER_*",
        "BUCKETEER_BUCKET_NAME",
        "BUCKETEER_AWS_ACCESS_KEY_ID",
        "BUCKETEER_AWS_SECRET_ACCESS_KEY",
        "BUCKETEER_AWS_REGION",
        "BUCKETEER_ENDPOINT_URL",
    ),
)


def s3_options(env: Mapping[str, str]) -> tuple[dict[str, Any], Source] | None:
    for p in PROVIDERS:
        if not env.get(p.bucket, "").strip():
            continue
        missing = [k for k in (p.access_key, p.secret_key) if not env.get(k, "").strip()]
        if missing:
            raise ImproperlyConfigured(f"{p.bucket} is set without {', '.join(missing)}.")
        options: dict[str, Any] = {
            "bucket_name": env[p.bucket].strip(),
            "access_key": env[p.access_key].strip(),
            "secret_key": env[p.secret_key].strip(),
            # Uploads never replace another user's file of the same name.
            "file_overwrite": False,
        }
        if env.get(p.region, "").strip():
            options["region_name"] = env[p.region].strip()
        if env.get(p.endpoint, "").strip():
            # Through the one URL rule: a password typed into it is refused, not shown.
            split_url(env[p.endpoint], variable=p.endpoint)
            options["endpoint_url"] = env[p.endpoint].strip()
        return options, Source("environment", p.label, [v for v in p[1:] if env.get(v, "").strip()])
    return None


def build_media(env: Mapping[str, str], current: Mapping[str, Any], report: Report) -> dict[str, Any] | None:
    """STORAGES with S3 as the default storage, or None when no bucket is configured."""
    found = s3_options(env)
    if found is None:
        return None
    options, source = found
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            f"S3 credentials ({source.text}) are set but django-storages is not installed: "
            "pip install 'django-platform[s3]'."
        )
    storages = {k: dict(v) for k, v in (current.get("STORAGES") or {}).items()}
    storages["default"] = {"BACKEND": S3_BACKEND, "OPTIONS": options}
    report.record("STORAGES.default", storages["default"], source)
    return storages


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    storages = build_media(ctx.env, ns.as_mapping(), report)
    return Changes({} if storages is None else {"STORAGES": storages})


SETTINGS = (
    Setting(
        "STORAGES: default",
        tuple(name for p in PROVIDERS for name in p[1:]),
        "`settings.py`'s. With a bucket: django-storages' `S3Storage` (extra `[s3]`), `file_overwrite` off, "
        "the region and endpoint (S3-compatible stores) when given; a bucket without its keys, or keys without "
        "django-storages, is an error",
    ),
)
