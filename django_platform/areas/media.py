"""Uploaded files in a bucket (S3 or an S3-compatible store) instead of the platform's ephemeral
disk: the generic variable names first, then the platform's own (Platform.buckets)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.parsers.buckets import GENERIC, BucketVars, parse_bucket
from django_platform.platforms import Context
from django_platform.report import Report, Source

S3_BACKEND = "storages.backends.s3.S3Storage"
# The options that say where the bucket is and who may write to it: ours over settings.py's.
LOCATION = ("bucket_name", "access_key", "secret_key", "region_name", "endpoint_url", "custom_domain")
# django-storages' default lifetime of a signed URL (AWS_QUERYSTRING_EXPIRE).
SIGNED_URL_SECONDS = 3600


def find_bucket(ctx: Context) -> tuple[dict[str, Any], Source, BucketVars] | None:
    """S3Storage's options from the first provider whose bucket is set, its source, its names."""
    for names in (*GENERIC, *ctx.platform.buckets):
        found = parse_bucket(names, ctx.env)
        if found is not None:
            options, read = found
            return options, Source("environment", names.label, read), names
    return None


def _urls(options: Mapping[str, Any], current: Mapping[str, Any], names: BucketVars, report: Report) -> None:
    """Say whether media URLs are signed (buckets are private by default everywhere) or not, and
    warn where unsigned URLs cannot work."""
    signed = options.get("querystring_auth", current.get("AWS_QUERYSTRING_AUTH", True))
    if options.get("custom_domain"):
        text = f"unsigned, through the custom domain {options['custom_domain']} (it must serve the files publicly)"
    elif signed:
        expire = options.get("querystring_expire", current.get("AWS_QUERYSTRING_EXPIRE", SIGNED_URL_SECONDS))
        text = f"signed, valid {expire} s: the bucket stays private (every provider's default)"
    else:
        text = "unsigned: settings.py turned signing off (querystring_auth), so the bucket must allow public reads"
    if options.get("custom_domain"):
        source = "the bucket's custom domain"
    elif "querystring_auth" in options or "AWS_QUERYSTRING_AUTH" in current:
        source = "settings.py"
    else:
        source = "default"
    report.record("STORAGES.default URLs", text, source)
    if not names.public_reads and (options.get("custom_domain") or not signed):
        report.note(f"{names.label}: its buckets cannot serve unsigned reads, so media URLs will be refused.")


def build_media(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any] | None:
    """STORAGES with the bucket as the default storage, or None when no bucket is configured."""
    found = find_bucket(ctx)
    if found is None:
        return None
    options, source, names = found
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            f"A bucket ({source.text}) is set but django-storages is not installed: pip install 'django-platform[s3]'."
        )
    if "access_key" not in options:
        report.note(f"{source.text}: no access keys, so boto3 finds its own credentials (an instance or task role).")
    storages = {k: dict(v) for k, v in (current.get("STORAGES") or {}).items()}
    mine = storages.get("default", {})
    if mine.get("BACKEND") == S3_BACKEND and isinstance(mine.get("OPTIONS"), dict):
        # settings.py's own S3 options (a location prefix, signing, an ACL) stay; where the bucket
        # is and the keys come from the environment.
        kept = {k: v for k, v in mine["OPTIONS"].items() if k not in LOCATION}
        options = {**kept, **options}
    storages["default"] = {"BACKEND": S3_BACKEND, "OPTIONS": options}
    report.record("STORAGES.default", storages["default"], source)
    _urls(options, current, names, report)
    return storages


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    storages = build_media(ctx, ns.as_mapping(), report)
    return Changes({} if storages is None else {"STORAGES": storages})


SETTINGS = (
    Setting(
        "STORAGES: default",
        tuple(dict.fromkeys(name for names in GENERIC for name in names.names)),
        "`settings.py`'s. With a bucket (the first set of names whose bucket is set; a platform's own names "
        "after these, on its page): django-storages' `S3Storage` (extra `[s3]`), `file_overwrite` off, the region "
        "(`auto` for the AWS SDK names) and endpoint (R2, Spaces, any S3-compatible store) when given, a custom "
        "domain when given. Media URLs are signed (buckets are private by default everywhere) unless "
        "`settings.py` turns signing off (`AWS_QUERYSTRING_AUTH = False` or the storage's `querystring_auth`); "
        "`settings.py`'s other S3 options are kept. A key without its pair is an error; no keys at all leaves "
        "credentials to boto3 (an instance or task role); a bucket without django-storages is an error",
    ),
)
