from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.cache import build_cache
from django_platform.areas.media import S3_BACKEND, build_media
from django_platform.parsers.cache import PYLIBMC, PYMEMCACHE, REDIS, parse_cache_url
from django_platform.platforms import BY_NAME, Context
from django_platform.report import MASK, Report
from tests.conftest import PASSWORD


def cache(env: dict[str, str], platform: str = "render", **current: Any) -> dict[str, Any] | None:
    return build_cache(Context(env, BY_NAME[platform]), current, Report(platform, ""))


def test_redis_url_to_django_redis_backend() -> None:
    caches = cache({"REDIS_URL": "redis://:pw@redis.internal:6379/0"}, CACHES={"other": {"BACKEND": "x"}})
    assert caches == {
        "other": {"BACKEND": "x"},
        "default": {"BACKEND": REDIS, "LOCATION": "redis://:pw@redis.internal:6379/0"},
    }


def test_valkey_urls_use_the_redis_backend_with_tls_as_for_redis() -> None:
    caches = cache({"REDIS_URL": "valkey://:pw@valkey.internal:6379/0"})
    assert caches is not None and caches["default"] == {
        "BACKEND": REDIS,
        "LOCATION": "redis://:pw@valkey.internal:6379/0",
    }
    caches = cache({"CACHE_URL": "valkeys://:pw@v:6380"}, "heroku")
    assert caches is not None and caches["default"] == {
        "BACKEND": REDIS,
        "LOCATION": "rediss://:pw@v:6380",
        "OPTIONS": {"ssl_cert_reqs": "none"},
    }
    caches = cache({"CACHE_URL": "valkeys://:pw@v:6380"}, "render")
    assert caches is not None and caches["default"] == {"BACKEND": REDIS, "LOCATION": "rediss://:pw@v:6380"}
    with pytest.raises(ImproperlyConfigured, match=r"^CACHE_URL names no host"):
        cache({"CACHE_URL": "valkey:///0"})


def test_heroku_rediss_relaxes_verification_only_there() -> None:
    url = "rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    heroku = cache({"REDIS_URL": url}, "heroku")
    assert heroku is not None and heroku["default"]["OPTIONS"] == {"ssl_cert_reqs": "none"}
    render = cache({"REDIS_URL": url}, "render")
    assert render is not None and "OPTIONS" not in render["default"]


def test_a_cache_settings_py_reads_from_its_own_variable_is_kept() -> None:
    """settings.py's LOCATION read from a second Redis's variable stays over the platform's
    REDIS_URL (another provider's certificate verified, a second Heroku Redis's relaxed); CACHE_URL
    still outranks it; the platform's add-on replacing a local server is said."""
    upstash = "rediss://default:pw@eu1-able.upstash.io:6379"
    mine: dict[str, Any] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": upstash,
        "OPTIONS": {"IGNORE_EXCEPTIONS": True},
    }
    env = {"REDIS_URL": "rediss://:pw@ec2:6380", "UPSTASH_URL": upstash}
    report = Report("heroku", "")
    caches = build_cache(Context(env, BY_NAME["heroku"]), {"CACHES": {"default": mine}}, report)
    assert caches == {"default": mine}
    assert report.source("CACHES.default").startswith("settings.py (UPSTASH_URL)") and not report.notes
    maroon: dict[str, Any] = {**mine, "LOCATION": "rediss://:pw@ec3:6380"}
    caches = cache({**env, "HEROKU_REDIS_MAROON_URL": maroon["LOCATION"]}, "heroku", CACHES={"default": maroon})
    assert caches is not None and caches["default"]["OPTIONS"] == {
        "IGNORE_EXCEPTIONS": True,
        "CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": "none"},
    }
    caches = cache({**env, "CACHE_URL": "redis://c:1"}, "heroku", CACHES={"default": mine})
    assert caches is not None and caches["default"]["LOCATION"] == "redis://c:1"
    # Not a cache URL (a Memcached host:port in a variable): settings.py's, as before.
    memcached = {"BACKEND": PYMEMCACHE, "LOCATION": "10.0.0.1:11211"}
    assert cache({"MEMCACHED_HOST": "10.0.0.1:11211"}, "heroku", CACHES={"default": memcached}) is None
    report = Report("heroku", "")
    local = {**mine, "LOCATION": "redis://:plantedpw@localhost:6379/1"}
    build_cache(Context(env, BY_NAME["heroku"]), {"CACHES": {"default": local}}, report)
    assert report.notes == [
        "settings.py's CACHES['default']['LOCATION'] (at localhost:6379) replaced by REDIS_URL, the platform's: set "
        "CACHE_URL in the environment, or read another variable in settings.py, to keep another."
    ]
    # A primary and its replicas (Django's Redis backend reads from the others): all named.
    report = Report("heroku", "")
    replicas = {**mine, "LOCATION": ["redis://:plantedpw@primary:6379", "redis://replica-1:6379", 7]}
    build_cache(Context(env, BY_NAME["heroku"]), {"CACHES": {"default": replicas}}, report)
    assert report.notes[0].startswith("settings.py's CACHES['default']['LOCATION'] (at primary:6379, replica-1:6379)")


def test_cache_url_wins_and_other_schemes() -> None:
    caches = cache({"CACHE_URL": "memcache://mc.internal:11212", "REDIS_URL": "redis://r"})
    assert caches is not None and caches["default"] == {"BACKEND": PYMEMCACHE, "LOCATION": "mc.internal:11212"}
    assert parse_cache_url("locmem://users", variable="X")["LOCATION"] == "users"
    # A password in a URL these backends ignore is not carried along (it would be shown).
    hidden = parse_cache_url(f"locmem://u:{quote(PASSWORD, safe='')}@users", variable="X")
    assert hidden["LOCATION"] == "users"
    assert parse_cache_url("dummy://", variable="X")["BACKEND"].endswith("DummyCache")
    assert cache({"REDIS_TLS_URL": "rediss://h:1"}) is not None


def installed(monkeypatch: pytest.MonkeyPatch, *, present: tuple[str, ...] = (), absent: tuple[str, ...] = ()) -> None:
    """Pretend client libraries are (not) installed: pylibmc needs libmemcached to build."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        if name in absent:
            return None
        if name in present:
            return importlib.machinery.ModuleSpec(name, None)
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_a_cache_url_whose_driver_is_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # CACHE_URL says "use this as the cache": the project asked for it.
    installed(monkeypatch, absent=("pymemcache",))
    message = r"^CACHE_URL needs the pymemcache package, which is not installed: pip install pymemcache\.$"
    with pytest.raises(ImproperlyConfigured, match=message):
        cache({"CACHE_URL": "memcache://mc:11211"})


@pytest.mark.parametrize(
    ("env", "platform", "package", "source"),
    [
        ({"REDIS_URL": "redis://r:6379"}, "heroku", "redis", "REDIS_URL"),
        ({"REDIS_TLS_URL": "rediss://r:6380"}, "heroku", "redis", "REDIS_TLS_URL"),
        (
            {"MEMCACHIER_SERVERS": "mc:11211", "MEMCACHIER_USERNAME": "u", "MEMCACHIER_PASSWORD": "x"},
            "heroku",
            "pylibmc",
            "MEMCACHIER_SERVERS",
        ),
        ({"REDIS_HOST": "r", "REDIS_PASSWORD": "x"}, "clevercloud", "redis", "REDIS_HOST/REDIS_PORT/REDIS_PASSWORD"),
    ],
)
def test_an_addon_without_its_client_library_is_left_unused_and_said(
    env: dict[str, str], platform: str, package: str, source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A Redis add-on attached for a worker, in a project without the redis package: collectstatic
    and migrate must still run; the report and platform_check say why the cache is not that one."""
    from django.core.management import call_command
    from django.test import override_settings

    installed(monkeypatch, absent=(package,))
    report = Report(platform, "")
    mine = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table"}}
    assert build_cache(Context(env, BY_NAME[platform]), {"CACHES": mine}, report) is None
    assert report.get("CACHES.default") is None
    assert report.notes == [
        f"{source} is set but the {package} package is not installed: CACHES is left as settings.py has it "
        f"({DRIVERS_INSTALL[package]} to use it as the cache)."
    ]
    report.environment = env
    out = StringIO()
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        call_command("platform_check", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    assert f"django_platform.W021: {source} is set, but the {package} package is not installed" in out.getvalue()
    assert "django_platform.W001" not in out.getvalue()


DRIVERS_INSTALL = {
    "redis": "pip install 'django-platform[redis]'",
    "pylibmc": "pip install pylibmc (it needs libmemcached)",
}


def test_memcachier_from_env_and_cloudcontrol_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, present=("pylibmc",))
    env = {
        "MEMCACHIER_SERVERS": "mc1.memcachier.com:11211, mc2.memcachier.com:11211",
        "MEMCACHIER_USERNAME": "u",
        "MEMCACHIER_PASSWORD": PASSWORD,
    }
    caches = cache(env)
    assert caches is not None
    assert caches["default"]["BACKEND"] == PYLIBMC
    assert caches["default"]["LOCATION"] == ["mc1.memcachier.com:11211", "mc2.memcachier.com:11211"]
    assert caches["default"]["OPTIONS"]["password"] == PASSWORD
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"MEMCACHIER": env}))
    report = Report("cloudcontrol", "")
    caches = build_cache(Context({"CRED_FILE": str(creds)}, BY_NAME["cloudcontrol"]), {}, report)
    assert caches is not None and caches["default"]["OPTIONS"]["username"] == "u"
    assert report.source("CACHES.default") == "CRED_FILE MEMCACHIER"
    entry = report.get("CACHES.default")
    assert entry is not None and entry.value["OPTIONS"]["password"] == MASK


def test_no_cache_configured_keeps_settings() -> None:
    assert cache({}) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"redis://:{PASSWORD}@h", "REDIS_URL contains a raw '#'"),
        ("redis://h:port", "REDIS_URL has a port that is not a number"),
        (f"redis://:{quote(PASSWORD, safe='')}@", "REDIS_URL names no host"),
        (f"mongodb://:{quote(PASSWORD, safe='')}@h", "REDIS_URL must start with redis://"),
        ("memcache://", "REDIS_URL names no host"),
    ],
)
def test_bad_cache_urls(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        cache({"REDIS_URL": url})
    assert str(info.value).startswith(message)
    assert PASSWORD not in str(info.value)
    assert quote(PASSWORD, safe="") not in str(info.value)


# --- media ---------------------------------------------------------------------------------------

AWS = {"AWS_STORAGE_BUCKET_NAME": "uploads", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": PASSWORD}


def media(env: dict[str, str], platform: str = "heroku", **current: Any) -> tuple[dict[str, Any] | None, Report]:
    report = Report(platform, "")
    return build_media(Context(env, BY_NAME[platform]), current, report), report


def test_s3_becomes_the_default_storage() -> None:
    storages, report = media(
        {**AWS, "AWS_S3_ENDPOINT_URL": "https://s3.wasabisys.com", "AWS_S3_REGION_NAME": "eu"},
        STORAGES={"staticfiles": {"BACKEND": "w"}},
    )
    assert storages == {
        "staticfiles": {"BACKEND": "w"},
        "default": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                "bucket_name": "uploads",
                "file_overwrite": False,
                "access_key": "AKIAEXAMPLE",
                "secret_key": PASSWORD,
                "region_name": "eu",
                "endpoint_url": "https://s3.wasabisys.com",
            },
        },
    }
    assert PASSWORD not in repr(report.as_dict())
    assert str(getattr(report.get("STORAGES.default URLs"), "value", "")).startswith("signed, valid 3600 s")


def test_bucketeer() -> None:
    env = {
        "BUCKETEER_BUCKET_NAME": "b",
        "BUCKETEER_AWS_ACCESS_KEY_ID": "a",
        "BUCKETEER_AWS_SECRET_ACCESS_KEY": "s",
        "BUCKETEER_AWS_REGION": "us-east-1",
    }
    storages, report = media(env)
    assert storages is not None and storages["default"]["OPTIONS"]["region_name"] == "us-east-1"
    assert report.source("STORAGES.default") == "BUCKETEER_* (Heroku's Bucketeer add-on)"


KEYS = {"AWS_ACCESS_KEY_ID": "tid_AKIA", "AWS_SECRET_ACCESS_KEY": PASSWORD}


@pytest.mark.parametrize(
    ("platform", "env", "expected", "label"),
    [
        (
            "fly",  # fly storage create
            {
                "BUCKET_NAME": "shop",
                "AWS_ENDPOINT_URL_S3": "https://fly.storage.tigris.dev",
                "AWS_REGION": "auto",
                **KEYS,
            },
            {"bucket_name": "shop", "region_name": "auto", "endpoint_url": "https://fly.storage.tigris.dev"},
            "Tigris (fly storage create)",
        ),
        (
            "railway",  # a bucket reference's own names
            {
                "BUCKET": "shop-x7k2",
                "ACCESS_KEY_ID": "rw_AKIA",
                "SECRET_ACCESS_KEY": PASSWORD,
                "ENDPOINT": "https://storage.railway.app",
                "REGION": "auto",
            },
            {"bucket_name": "shop-x7k2", "region_name": "auto", "endpoint_url": "https://storage.railway.app"},
            "Railway Bucket",
        ),
        (
            "render",  # Railway's AWS SDK preset, read anywhere; the region defaults to auto
            {"AWS_S3_BUCKET_NAME": "shop", "AWS_ENDPOINT_URL": "https://storage.railway.app", **KEYS},
            {"bucket_name": "shop", "region_name": "auto", "endpoint_url": "https://storage.railway.app"},
            "AWS SDK names (Railway's bucket preset)",
        ),
        (
            "heroku",  # Cloudflare R2
            {**AWS, "AWS_S3_ENDPOINT_URL": "https://acc0unt.r2.cloudflarestorage.com", "AWS_S3_REGION_NAME": "auto"},
            {
                "bucket_name": "uploads",
                "region_name": "auto",
                "endpoint_url": "https://acc0unt.r2.cloudflarestorage.com",
            },
            "AWS_* (django-storages' names)",
        ),
        (
            "digitalocean",  # Spaces
            {**AWS, "AWS_S3_ENDPOINT_URL": "https://fra1.digitaloceanspaces.com", "AWS_S3_REGION_NAME": "fra1"},
            {"bucket_name": "uploads", "region_name": "fra1", "endpoint_url": "https://fra1.digitaloceanspaces.com"},
            "AWS_* (django-storages' names)",
        ),
        (
            "heroku",  # cookiecutter-django
            {
                "DJANGO_AWS_STORAGE_BUCKET_NAME": "shop",
                "DJANGO_AWS_ACCESS_KEY_ID": "AKIA",
                "DJANGO_AWS_SECRET_ACCESS_KEY": PASSWORD,
                "DJANGO_AWS_S3_REGION_NAME": "eu-west-3",
                "DJANGO_AWS_S3_CUSTOM_DOMAIN": "cdn.example.com",
            },
            {"bucket_name": "shop", "region_name": "eu-west-3", "custom_domain": "cdn.example.com"},
            "DJANGO_AWS_* (cookiecutter-django's names)",
        ),
    ],
)
def test_each_providers_variables(platform: str, env: dict[str, str], expected: dict[str, str], label: str) -> None:
    storages, report = media(env, platform)
    assert storages is not None
    options = storages["default"]["OPTIONS"]
    assert {k: options[k] for k in expected} == expected and options["secret_key"] == PASSWORD
    assert report.source("STORAGES.default") == label
    assert PASSWORD not in repr(report.as_dict())


def test_the_platforms_own_names_only_with_its_endpoint_and_only_there() -> None:
    # BUCKET_NAME alone is not Tigris; Railway's BUCKET means nothing on Fly.
    assert media({"BUCKET_NAME": "x", **KEYS}, "fly")[0] is None
    assert media({"BUCKET": "x", "ENDPOINT": "https://storage.railway.app", **KEYS}, "fly")[0] is None


def test_no_keys_leaves_credentials_to_boto3_and_half_a_pair_is_an_error() -> None:
    storages, report = media({"AWS_STORAGE_BUCKET_NAME": "uploads"})
    assert storages is not None and "access_key" not in storages["default"]["OPTIONS"]
    assert any("boto3 finds its own credentials" in n for n in report.notes)
    with pytest.raises(ImproperlyConfigured, match=r"^AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY\.$"):
        media({"AWS_STORAGE_BUCKET_NAME": "uploads", "AWS_ACCESS_KEY_ID": "a"})


def test_settings_py_keeps_its_own_s3_options_and_its_choice_of_unsigned_urls() -> None:
    mine = {"BACKEND": S3_BACKEND, "OPTIONS": {"bucket_name": "old", "location": "media", "querystring_auth": False}}
    storages, report = media(AWS, STORAGES={"default": mine})
    assert storages is not None
    options = storages["default"]["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["querystring_auth"]) == ("uploads", "media", False)
    assert str(getattr(report.get("STORAGES.default URLs"), "value", "")).startswith("unsigned: settings.py")
    # Railway's buckets cannot be public: said.
    env = {"BUCKET": "b", "ACCESS_KEY_ID": "a", "SECRET_ACCESS_KEY": "s", "ENDPOINT": "https://storage.railway.app"}
    _, report = media(env, "railway", AWS_QUERYSTRING_AUTH=False)
    assert any("cannot serve unsigned reads" in n for n in report.notes)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**AWS, "AWS_S3_ENDPOINT_URL": "s3.example.com"}, "AWS_S3_ENDPOINT_URL must be an https:// URL"),
        ({**AWS, "AWS_S3_CUSTOM_DOMAIN": "https://cdn.example.com"}, "AWS_S3_CUSTOM_DOMAIN must be a host name"),
    ],
)
def test_bad_bucket_variables_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"^{message}"):
        media(env)


def test_media_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    assert media({})[0] is None
    with pytest.raises(ImproperlyConfigured, match=r"^AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"):
        media({**AWS, "AWS_SECRET_ACCESS_KEY": ""})
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "storages" else real(n, *a))
    with pytest.raises(ImproperlyConfigured, match=r"django-storages is not installed: pip install"):
        media(AWS)


# --- settings.py's own cache backend is kept (#26) -----------------------------------------------

DJANGO_REDIS = "django_redis.cache.RedisCache"
MINE: dict[str, Any] = {
    "BACKEND": DJANGO_REDIS,
    "LOCATION": "redis://127.0.0.1:6379/1",
    "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    "TIMEOUT": 600,
    "KEY_PREFIX": "shop",
}


def test_a_django_redis_cache_keeps_its_backend_and_options() -> None:
    report = Report("heroku", "")
    url = "rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    caches = build_cache(Context({"REDIS_URL": url}, BY_NAME["heroku"]), {"CACHES": {"default": MINE}}, report)
    assert caches is not None
    assert caches["default"] == {
        **MINE,
        "LOCATION": url,
        # Heroku Redis's self-signed certificate, where django-redis hands TLS options to redis-py.
        "OPTIONS": {**MINE["OPTIONS"], "CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": "none"}},
    }
    assert report.source("CACHES.default") == (
        "REDIS_URL, with settings.py's django_redis.cache.RedisCache and its options"
    )
    assert report.replaced == {}
    # The project's own pool options win over ours.
    own = {**MINE, "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": "required", "max_connections": 5}}}
    caches = build_cache(Context({"REDIS_URL": url}, BY_NAME["heroku"]), {"CACHES": {"default": own}}, report)
    assert caches is not None
    assert caches["default"]["OPTIONS"] == own["OPTIONS"]


def test_djangos_redis_backend_keeps_its_options_and_gets_the_tls_option() -> None:
    mine = {"BACKEND": REDIS, "LOCATION": "redis://old:6379", "OPTIONS": {"db": "2"}, "VERSION": 3}
    url = "rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:25190"
    caches = cache({"REDIS_URL": url}, "heroku", CACHES={"default": mine, "other": {"BACKEND": "x"}})
    assert caches == {
        "default": {**mine, "LOCATION": url, "OPTIONS": {"ssl_cert_reqs": "none", "db": "2"}},
        "other": {"BACKEND": "x"},
    }
    caches = cache({"REDIS_URL": "redis://h:6379/0"}, "render", CACHES={"default": {"BACKEND": DJANGO_REDIS}})
    assert caches is not None and caches["default"] == {"BACKEND": DJANGO_REDIS, "LOCATION": "redis://h:6379/0"}


@pytest.mark.parametrize(
    ("mine", "env"),
    [
        ({"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}, {"REDIS_URL": "redis://h"}),
        ({"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, {"REDIS_URL": "redis://h"}),
        (
            {"BACKEND": PYMEMCACHE, "LOCATION": "old:11211"},
            {"MEMCACHIER_SERVERS": "mc:11211", "MEMCACHIER_PASSWORD": "x"},
        ),
        ({"BACKEND": DJANGO_REDIS}, {"CACHE_URL": "memcache://mc:11211"}),
    ],
)
def test_another_kind_of_backend_is_replaced_and_said(
    mine: dict[str, Any], env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from django.core.management import call_command
    from django.test import override_settings

    installed(monkeypatch, present=("pylibmc",))
    report = Report("render", "")
    caches = build_cache(Context(env, BY_NAME["render"]), {"CACHES": {"default": mine}}, report)
    assert caches is not None and caches["default"]["BACKEND"] != mine["BACKEND"]
    assert report.replaced == {"CACHES.default": mine["BACKEND"]}
    assert report.as_dict()["replaced"] == {"CACHES.default": mine["BACKEND"]}
    out = StringIO()
    with override_settings(DJANGO_PLATFORM_REPORT=report, BASE_DIR=tmp_path):
        call_command("platform_check", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    source = report.source("CACHES.default")
    assert f"django_platform.W023: CACHES.default from settings.py ({mine['BACKEND']}) was replaced by {source}." in (
        out.getvalue()
    )
    assert "exclude={'cache'}" in out.getvalue()


def test_without_caches_in_settings_py_nothing_is_said_replaced() -> None:
    report = Report("render", "")
    build_cache(Context({"REDIS_URL": "redis://h"}, BY_NAME["render"]), {}, report)
    assert report.replaced == {}


@pytest.mark.services
def test_the_projects_ignore_exceptions_holds_during_a_redis_outage() -> None:
    """django-redis with IGNORE_EXCEPTIONS, REDIS_URL from the platform: a real Redis serves it, and
    with the add-on down the project still gets cache misses, not errors, as it chose."""
    from django.core.cache import caches as django_caches
    from django.test import override_settings

    from tests.services import free_port, port_open, unavailable

    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    for url, expected in (("redis://127.0.0.1:6379/10", "value"), (f"redis://127.0.0.1:{free_port()}/0", None)):
        configured = cache({"REDIS_URL": url}, "render", CACHES={"default": MINE})
        assert configured is not None
        with override_settings(CACHES=configured):
            django_caches["default"].set("key", "value", 5)
            assert django_caches["default"].get("key") == expected
            django_caches["default"].close()
