"""Object storage buckets as the providers' variables describe them (S3 and the S3-compatible
stores: Tigris, Railway Buckets, Cloudflare R2, DigitalOcean Spaces, Bucketeer), parsed into the
options of django-storages' S3Storage. Pure: no settings, no platform."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.urlparts import split_url


class BucketVars:
    """Where one provider keeps a bucket: the variable names ("" where it has none), the region
    its endpoint wants when none is given ("auto" for Tigris and R2), and whether the bucket's
    variables only mean a bucket together with the endpoint (generic names like BUCKET)."""

    __slots__ = (
        "access_key",
        "bucket",
        "custom_domain",
        "default_region",
        "endpoint",
        "endpoint_required",
        "label",
        "public_reads",
        "region",
        "secret_key",
    )

    def __init__(
        self,
        label: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "",
        endpoint: str = "",
        custom_domain: str = "",
        *,
        default_region: str = "",
        endpoint_required: bool = False,
        public_reads: bool = True,
    ) -> None:
        self.label, self.bucket, self.access_key, self.secret_key = label, bucket, access_key, secret_key
        self.region, self.endpoint, self.custom_domain = region, endpoint, custom_domain
        self.default_region, self.endpoint_required = default_region, endpoint_required
        # Whether the provider lets a bucket serve unsigned reads at all (Railway's cannot).
        self.public_reads = public_reads

    @property
    def names(self) -> tuple[str, ...]:
        named = (self.bucket, self.access_key, self.secret_key, self.region, self.endpoint, self.custom_domain)
        return tuple(n for n in named if n)


# Read first, in this order, on every platform: django-storages' own names (with an endpoint for
# R2, Spaces and other S3-compatible stores), cookiecutter-django's, the AWS SDK's (Railway's
# bucket preset), and Heroku's Bucketeer add-on. A platform's own come after (Platform.buckets).
GENERIC = (
    BucketVars(
        "AWS_* (django-storages' names)",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_S3_REGION_NAME",
        "AWS_S3_ENDPOINT_URL",
        "AWS_S3_CUSTOM_DOMAIN",
    ),
    BucketVars(
        "DJANGO_AWS_* (cookiecutter-django's names)",
        "DJANGO_AWS_STORAGE_BUCKET_NAME",
        "DJANGO_AWS_ACCESS_KEY_ID",
        "DJANGO_AWS_SECRET_ACCESS_KEY",
        "DJANGO_AWS_S3_REGION_NAME",
        "DJANGO_AWS_S3_ENDPOINT_URL",
        "DJANGO_AWS_S3_CUSTOM_DOMAIN",
    ),
    BucketVars(
        "AWS SDK names (Railway's bucket preset)",
        "AWS_S3_BUCKET_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        default_region="auto",
        endpoint_required=True,
    ),
    BucketVars(
        "BUCKETEER_* (Heroku's Bucketeer add-on)",
        "BUCKETEER_BUCKET_NAME",
        "BUCKETEER_AWS_ACCESS_KEY_ID",
        "BUCKETEER_AWS_SECRET_ACCESS_KEY",
        "BUCKETEER_AWS_REGION",
        "BUCKETEER_ENDPOINT_URL",
    ),
)


def _value(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip() if name else ""


def parse_bucket(names: BucketVars, values: Mapping[str, str]) -> tuple[dict[str, Any], list[str]] | None:
    """S3Storage's options from one provider's variables and the names read, or None when its
    bucket is not set; an error naming the variable when a key comes without its pair or a URL is
    not one. Without keys, boto3 finds its own credentials (an instance or task role)."""
    bucket = _value(values, names.bucket)
    endpoint = _value(values, names.endpoint)
    if not bucket or (names.endpoint_required and not endpoint):
        return None
    read = [n for n in names.names if _value(values, n)]
    keys = {k: _value(values, k) for k in (names.access_key, names.secret_key)}
    given = [k for k, v in keys.items() if v]
    if len(given) == 1:
        missing = next(k for k in keys if k not in given)
        raise ImproperlyConfigured(f"{given[0]} is set without {missing}.")
    # Uploads never replace another user's file of the same name.
    options: dict[str, Any] = {"bucket_name": bucket, "file_overwrite": False}
    if given:
        options["access_key"], options["secret_key"] = keys[names.access_key], keys[names.secret_key]
    region = _value(values, names.region) or names.default_region
    if region:
        options["region_name"] = region
    if endpoint:
        # Through the one URL rule: a password typed into it is refused, not shown.
        parts = split_url(endpoint, variable=names.endpoint)
        if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
            raise ImproperlyConfigured(f"{names.endpoint} must be an https:// URL (the store's endpoint).")
        options["endpoint_url"] = endpoint
    domain = _value(values, names.custom_domain)
    if domain:
        if "://" in domain or any(c.isspace() for c in domain):
            raise ImproperlyConfigured(f"{names.custom_domain} must be a host name, like cdn.example.com.")
        options["custom_domain"] = domain.strip("/")
    return options, read
