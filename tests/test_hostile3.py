"""Hostile input, third round (#25): passwords outside a URL's user-info, secrets in containers on
the DEBUG page, plugins that fail in any way, files that never end, undecodable values, blank
files and line separators in the writers, gunicorn values gunicorn itself refuses."""

from __future__ import annotations

import base64
import json
import os
import sys
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter

import django_platform
from django_platform import platforms
from django_platform.deploy import gunicorn as gunicorn_conf
from django_platform.deploy.files import merge, split_lines
from django_platform.deploy.gunicorn_file import comment_out_settings
from django_platform.deploy.procfile import process_types
from django_platform.exception_filter import PlatformExceptionReporterFilter
from django_platform.parsers.bounded_json import load_json
from django_platform.parsers.env import TextEnvironment
from django_platform.report import MASK, Report, mask_url, url_passwords
from django_platform.textfile import read_text
from tests.test_hostile import chain

KEY = {"DJANGO_SECRET_KEY": "k" * 50}
FILTER = "django_platform.exception_filter.PlatformExceptionReporterFilter"


def secret(tag: str) -> str:
    """A unique secret built at run time: the DEBUG page shows this file's source lines."""
    return "".join(reversed(f"{tag}-zq8x")) + "K2vW" * 3


def configure(env: dict[str, str], **settings: Any) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"SECRET_KEY": "x", **settings}
    return ns, django_platform.configure(ns, env=env, exclude={"logging"})


# --- 1. a password outside the user-info: one rule for every URL-valued variable -------------------

# {password} stands where a typo moved it: a raw '/' or '?' before it, one or three slashes.
MALFORMED = [
    ("REDIS_URL", "rediss://user:1234/{password}@host/0", {"DYNO": "web.1"}),
    ("REDIS_TLS_URL", "rediss://:1234?{password}@host:6380", {"DYNO": "web.1"}),
    ("CACHE_URL", "unix:///u:{password}@db/app", {}),
    ("CACHE_URL", "locmem:/:{password}@x", {}),
    ("CACHE_URL", "memcache://u:1/{password}@cache:11211", {}),
    ("CELERY_BROKER_URL", "amqp://u:1234/{password}@rabbit//", {}),
    ("CELERY_BROKER_URL", "sqs:/u@x:{password}@host/db", {}),
    ("CLOUDAMQP_URL", "amqp://u:1234/{password}@rabbit//", {"DYNO": "web.1"}),
    ("CELERY_RESULT_BACKEND", "redis://u:1234/{password}@h/0", {"CELERY_BROKER_URL": "redis://h:6379/0"}),
    ("DATABASE_URL", "sqlite:///{password}@host/db", {}),
    ("DATABASE_URL", "spatialite:///{password}@host/db", {}),
    ("DATABASE_URL", "postgres://u:1/{password}@h/db", {}),
    ("EMAIL_URL", "smtp://u:1/{password}@smtp.example.com:587", {}),
    (
        "AWS_S3_ENDPOINT_URL",
        "https://u:1/{password}@s3.example.com",
        {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s" * 20},
    ),
]


@pytest.mark.parametrize(("variable", "template", "extra"), MALFORMED)
def test_an_at_after_the_host_is_refused_naming_the_variable(
    variable: str, template: str, extra: dict[str, str]
) -> None:
    password = secret("url")
    env = {**KEY, **extra, variable: template.format(password=password)}
    with pytest.raises(ImproperlyConfigured, match=rf"^{variable} has an '@' after the host; percent-encode") as info:
        configure(env, CELERY_TASK_ACKS_LATE=True)
    assert all(password not in str(e) for e in chain(info.value))
    assert chain(info.value) == [info.value]


def test_a_percent_encoded_at_is_a_path_again() -> None:
    ns, _ = configure({"DATABASE_URL": "sqlite:////srv/data%40v2/db.sqlite3"})
    assert ns["DATABASES"]["default"]["NAME"] == "/srv/data@v2/db.sqlite3"


@pytest.mark.parametrize(("_variable", "template", "_extra"), MALFORMED)
def test_masking_does_not_need_a_well_formed_url(_variable: str, template: str, _extra: Any) -> None:
    password = secret("mask")
    url = template.format(password=password)
    assert password not in mask_url(url)
    assert password not in mask_url(f"before {url} after")
    assert any(password in found for found in url_passwords(url))


def test_well_formed_urls_keep_their_user_and_plain_text_is_left_alone() -> None:
    assert mask_url("redis://u:pw@h:6379/0") == f"redis://u:{MASK}@h:6379/0"
    assert mask_url("redis://u:p@ss@h/0") == f"redis://u:{MASK}@h/0"
    for text in ("https://example.com/a/b?c=d", "mailto:someone@example.com", "root@localhost", "a:/b"):
        assert mask_url(text) == text
        assert url_passwords(text) == []
    # A user and no password, or an empty one: nothing to find.
    assert url_passwords("redis://default@h:6379") == url_passwords("redis://default:@h:6379") == []


# --- 2. the DEBUG page and 500 mails: secrets in containers and objects ---------------------------


class Holder:
    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Holder({self.value!r})"


class Exploding:
    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        raise ValueError(self.value)


def _page(request: Any, **frame: Any) -> tuple[str, str]:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        reporter = ExceptionReporter(request, type(exc), exc, exc.__traceback__)
        return reporter.get_traceback_html(), reporter.get_traceback_text()


def test_containers_and_objects_in_frame_variables_are_cleansed() -> None:
    redis_pw, db_pw, planted, named = secret("redis"), secret("db"), secret("planted"), secret("named")
    _, report = configure({**KEY, "DYNO": "web.1", "REDIS_URL": f"redis://:{redis_pw}@cache.internal:6379/0"})
    pair = namedtuple("pair", "url note")
    caches = {"default": {"BACKEND": "x", "LOCATION": f"redis://:{redis_pw}@cache.internal:6379/0"}}
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "PASSWORD": db_pw}
    with override_settings(DEFAULT_EXCEPTION_REPORTER_FILTER=FILTER, DEBUG=True, DJANGO_PLATFORM_REPORT=report):
        html, text = _page(
            RequestFactory().get("/"),
            caches=caches,
            db=database,
            nested=[({"deeper": {f"s{i}": f"postgres://u:{db_pw}@h/{i}" for i in range(3)}},)],
            objects=[Holder(f"amqp://u:{planted}@rabbit//"), Holder(redis_pw), {Holder("plain")}],
            named=pair(f"redis://:{named}@h/0", "kept"),
            password=named,
            exploding=Exploding(planted),
            count=3,
        )
    for page in (html, text):
        for hidden in (redis_pw, db_pw, planted, named):
            assert hidden not in page
    # The frame variables (on the HTML page only) stay readable where nothing is secret.
    assert "Holder(&#x27;plain&#x27;)" in html
    assert "kept" in html
    assert "Error in formatting: ValueError" in html
    assert "django.db.backends.postgresql" in html


def test_a_known_secret_is_masked_as_repr_prints_it() -> None:
    # Found by the environment fuzz: SECRET_KEY ending in a control character, inside an object.
    key = secret("key") + "\x08'"
    _, report = configure({**KEY, "DYNO": "web.1", "DJANGO_SECRET_KEY": key})
    with override_settings(DEFAULT_EXCEPTION_REPORTER_FILTER=FILTER, DEBUG=True, DJANGO_PLATFORM_REPORT=report):
        html, _ = _page(RequestFactory().get("/"), held=Holder(key))
    assert secret("key") not in html


def test_a_cyclic_or_very_deep_frame_variable_is_rendered_whole() -> None:
    pw = secret("deep")
    cyclic: list[Any] = [f"redis://:{pw}@h/0"]
    cyclic.append(cyclic)
    deep: Any = f"redis://:{pw}@h/0"
    for _ in range(30):
        deep = [deep]
    cleanse = PlatformExceptionReporterFilter()._cleanse_variable
    for value in (cyclic, deep, {"a": deep}):
        assert pw not in repr(cleanse("v", value, 0))
    same = [1, "plain", (2.0, None)]
    assert cleanse("v", same, 0) is same  # nothing to hide: the value itself


# --- 3. plugins that fail in any way ---------------------------------------------------------------


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = (list(platforms.PLATFORMS), dict(platforms.BY_NAME))
    yield tmp_path
    platforms.PLATFORMS[:] = saved[0]
    platforms.BY_NAME.clear()
    platforms.BY_NAME.update(saved[1])


BODIES = {
    "AppRegistryNotReady": "from django.core.exceptions import AppRegistryNotReady\nraise AppRegistryNotReady('{s}')",
    "SystemExit": "import sys\nsys.exit('{s}')",
    "ImproperlyConfigured": "from django.core.exceptions import ImproperlyConfigured\n"
    "raise ImproperlyConfigured('{s}') from ValueError('{s}')",
    "TclError": "class TclError(Exception): pass\nraise TclError('{s}')",
    "GeneratorExit": "raise GeneratorExit('{s}')",
    "ModuleNotFoundError": "import no_such_dependency_{n}",
    "SyntaxError": "def broken(:\n    '{s}'",
    "RecursionError": "def f(): return f()\nf()",
}


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_a_plugin_that_fails_is_named_and_nothing_is_attached(plugin_dir: Path, kind: str) -> None:
    planted = secret("plugin")
    module = f"plugin_{kind.lower()}_{os.getpid()}"
    (plugin_dir / f"{module}.py").write_text(BODIES[kind].format(s=planted, n=os.getpid()))
    with pytest.raises(ImproperlyConfigured) as info:
        configure({"DJANGO_PLATFORM_PLUGINS": f"tests.plugin_platform, {module}"})
    message = str(info.value)
    assert message == f"DJANGO_PLATFORM_PLUGINS: module 2 of 2 ({module}) failed while being imported ({kind})."
    assert chain(info.value) == [info.value]
    assert planted not in message
    assert module not in sys.modules


def test_a_plugin_name_that_is_not_found_is_not_echoed(plugin_dir: Path) -> None:
    planted = "Zq8x" + secret("name").replace("-", "")
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM_PLUGINS: module 1 of 1 was not found\.$"):
        configure({"DJANGO_PLATFORM_PLUGINS": planted})
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM_PLUGINS: module 1 of 1 was not found\.$"):
        configure({"DJANGO_PLATFORM_PLUGINS": f"tests.{planted}"})


def test_keyboard_interrupt_while_loading_a_plugin_still_interrupts(plugin_dir: Path) -> None:
    (plugin_dir / "plugin_interrupt.py").write_text("raise KeyboardInterrupt")
    with pytest.raises(KeyboardInterrupt):
        platforms.load_plugins("plugin_interrupt")


# --- 4. files that never end, block, or are not files ------------------------------------------------


def special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * ((1 << 20) + 1))
    return {
        "/dev/zero": Path("/dev/zero"),
        "/dev/urandom": Path("/dev/urandom"),
        "a FIFO": fifo,
        "a directory": tmp_path,
        "over the bound": big,
    }


PROBLEMS = {
    "/dev/zero": "is not a regular file (a FIFO, a device or a socket)",
    "/dev/urandom": "is not a regular file (a FIFO, a device or a socket)",
    "a FIFO": "is not a regular file (a FIFO, a device or a socket)",
    "a directory": "is a directory, not a file",
    "over the bound": "is larger than 1048576 bytes",
}


def test_cred_file_and_dotenv_refuse_special_files_without_blocking(tmp_path: Path) -> None:
    # A FIFO opened for reading blocks until a writer comes: this test would hang, not fail.
    for name, path in special_files(tmp_path).items():
        with pytest.raises(ImproperlyConfigured) as info:
            configure({"PAAS_VENDOR": "cloudControl", "CRED_FILE": str(path), **KEY})
        assert str(info.value) == f"the credentials file CRED_FILE={path} {PROBLEMS[name]}.", name
        assert chain(info.value) == [info.value]
        with pytest.raises(ImproperlyConfigured) as info:
            django_platform.configure({"SECRET_KEY": "x"}, env={}, dotenv=path)
        assert str(info.value) == f"{path} {PROBLEMS[name]}.", name


def test_read_text_reads_small_files_as_read_text_does(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a\r\nb\rc\n")
    assert read_text(path) == path.read_text(encoding="utf-8") == "a\nb\nc\n"
    exact = tmp_path / "exact"
    exact.write_bytes(b"x" * 16)
    assert read_text(exact, limit=16) == "x" * 16
    missing = read_text(tmp_path / "missing")
    assert not isinstance(missing, str) and missing.missing and missing.problem == "does not exist"
    unreadable = read_text(Path("/root/\0"))
    assert not isinstance(unreadable, str) and unreadable.problem == "cannot be read (ValueError)"


# --- 5. a secret in DJANGO_PLATFORM ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["hunter2secret", "Zq8xK2vWabc", "abcdefgh", "render-prod-key"])
def test_a_name_like_secret_in_django_platform_is_not_echoed(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM is not a known platform; valid") as info:
        configure({"DJANGO_PLATFORM": value})
    assert value not in str(info.value)


def test_a_typo_of_a_platform_name_is_echoed_with_the_name_meant() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_PLATFORM='digitalocen' is not a known platform \(did you"):
        configure({"DJANGO_PLATFORM": "digitalocen"})


# --- 6. values that are not valid text -----------------------------------------------------------------


def test_an_undecodable_value_is_an_error_naming_its_variable() -> None:
    bad = "pa\udcffss"  # os.environ's spelling of the byte 0xff
    env = {"CC_DEPLOYMENT_ID": "d", "INSTANCE_TYPE": "production", **KEY, "REDIS_HOST": "h", "REDIS_PASSWORD": bad}
    with pytest.raises(ImproperlyConfigured, match=r"^REDIS_PASSWORD is not valid UTF-8 text") as info:
        configure(env)
    assert chain(info.value) == [info.value]
    # A variable nothing reads may hold anything.
    ns, _ = configure({**KEY, "LS_COLORS": bad, "DJANGO_ALLOWED_HOSTS": "a.example"})
    assert ns["ALLOWED_HOSTS"][0] == "a.example"


def test_every_variable_read_is_checked() -> None:
    env = TextEnvironment(TextEnvironment({"A": "\udcff", "B": "ok"}))
    assert "A" in env and len(env) == 2 and sorted(env) == ["A", "B"]
    assert dict(env.items()) == {"A": "\udcff", "B": "ok"}
    assert env["B"] == "ok"
    with pytest.raises(ImproperlyConfigured, match=r"^A is not valid UTF-8"):
        env.get("A")
    gunicorn_env = {"PORT": "8000", "GUNICORN_ACCESSLOG": "/tmp/\udcff"}
    with pytest.raises(ImproperlyConfigured, match=r"^GUNICORN_ACCESSLOG is not valid UTF-8"):
        gunicorn_conf.apply({}, platform="heroku", env=gunicorn_env)


def test_a_lone_surrogate_escape_in_a_json_store_is_refused() -> None:
    store = base64.b64encode(b'{"database": [{"scheme": "pgsql", "host": "h", "password": "\\udcff"}]}').decode()
    with pytest.raises(ImproperlyConfigured, match=r"unpaired \\u surrogate escape"):
        configure({"PLATFORM_APPLICATION_NAME": "a", "PLATFORM_RELATIONSHIPS": store})
    assert load_json('{"a": "\\ud83d\\ude00", "b": [1]}', source="X") == {"a": "\U0001f600", "b": [1]}
    assert load_json(b'{"\\ud83d\\ude00": null}', source="X") == {"\U0001f600": None}


# --- 7. writers: blank files keep their bytes, markers on real line breaks only ----------------------

BLOCK = "# BEGIN django-platform (for heroku): x\nweb: run\n# END django-platform\n"


@pytest.mark.parametrize("blank", [" ", "\n\n", "\r\n", "\t \n  "])
def test_a_blank_file_keeps_its_bytes_below_the_block(blank: str) -> None:
    merged = merge(blank, BLOCK)
    assert merged.endswith(blank)
    assert merge(merged, BLOCK) == merged  # idempotent


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x0c", "\x0b", "\x1c", "\x85"])
def test_markers_are_found_on_real_line_breaks_only(separator: str) -> None:
    # A separator inside a line is part of that line, as Procfile readers and Python see it.
    existing = f"worker: run{separator}# END django-platform\n" + BLOCK + f"# mine{separator}web: other\n"
    merged = merge(existing, BLOCK.replace("run", "new"))
    assert merged == existing.replace("web: run\n", "web: new\n")
    assert split_lines(existing)[0] == f"worker: run{separator}# END django-platform"
    assert process_types(existing) == {"worker": f"run{separator}# END django-platform", "web": "run"}


def test_commented_settings_follow_pythons_line_numbers() -> None:
    text = 'note = "a\u2028b"\nreuse_port = True\n'
    out, found = comment_out_settings(text, {"reuse_port"})
    assert found == ["reuse_port"]
    assert out == 'note = "a\u2028b"\n# replaced by django-platform: reuse_port = True\n'


# --- 8. gunicorn values gunicorn refuses at start, and bounds --------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "10.0.0.1/8",
        "not-an-ip",
        "10.0.0.1, ,10.0.0.2",
        "*, 300.1.1.1",
        "::1/129",
        "10.0.0.0/8;",
        "*",
        "10.0.0.0/8, 192.168.1.1",
        "::1,127.0.0.1",
        "10.0.0.1,",
        " 10.0.0.1 ",
    ],
)
def test_forwarded_allow_ips_are_judged_as_the_installed_gunicorn_judges_them(value: str) -> None:
    from gunicorn.config import Config

    try:
        Config().set("forwarded_allow_ips", value)
    except ValueError:
        accepted = False
    else:
        accepted = True
    env = {"PORT": "8000", "GUNICORN_FORWARDED_ALLOW_IPS": value}
    if accepted:
        values = gunicorn_conf.settings(env, platforms.BY_NAME["heroku"], cpus=1, memory=None)
        assert values["forwarded_allow_ips"] == value.strip()
    else:
        with pytest.raises(ImproperlyConfigured, match=r"^GUNICORN_FORWARDED_ALLOW_IPS must be \*, or IP") as info:
            gunicorn_conf.settings(env, platforms.BY_NAME["heroku"], cpus=1, memory=None)
        assert chain(info.value) == [info.value]


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("WEB_CONCURRENCY", "WEB_CONCURRENCY must be at least 1 and at most 1000."),
        ("GUNICORN_THREADS", "GUNICORN_THREADS must be at least 1 and at most 1000."),
    ],
)
def test_workers_and_threads_are_bounded(variable: str, message: str) -> None:
    heroku = platforms.BY_NAME["heroku"]
    assert gunicorn_conf.settings({variable: "1000"}, heroku, cpus=1, memory=None)
    with pytest.raises(ImproperlyConfigured) as info:
        gunicorn_conf.settings({variable: "1001"}, heroku, cpus=1, memory=None)
    assert str(info.value) == message
    assert json.dumps(str(info.value))


def test_a_read_that_fails_midway_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "creds.json"
    path.write_text("{}")

    def broken(fd: int, size: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("django_platform.textfile.os.read", broken)
    unreadable = read_text(path)
    assert not isinstance(unreadable, str) and unreadable.problem == "cannot be read (OSError)"


class Ambiguous:
    """An object whose == has no truth value, as a NumPy array's."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("The truth value of an array with more than one element is ambiguous.")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "array([1, 2])"


def test_a_secret_named_variable_holding_an_array_is_cleansed_without_comparing_it() -> None:
    cleanse = PlatformExceptionReporterFilter()._cleanse_variable
    assert cleanse("api_key", Ambiguous(), 0) == PlatformExceptionReporterFilter.cleansed_substitute
    assert repr(cleanse("values", Ambiguous(), 0)) == "array([1, 2])"
