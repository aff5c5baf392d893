"""Property-based tests for every parser of outside input: only ImproperlyConfigured escapes, a
planted secret never appears in an error or the report, writers never lose a user's line."""

from __future__ import annotations

import base64
import contextlib
import json
import string
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import django_platform
from django_platform.deploy.files import BEGIN, END, Unmanaged, block, merge
from django_platform.parsers.cache import parse_cache_url
from django_platform.parsers.dburl import parse_database_url
from django_platform.parsers.dotenv import parse_dotenv
from django_platform.parsers.env import parse_bool, parse_int, read_from
from django_platform.parsers.hosts import parse_hosts
from django_platform.parsers.mail import parse_email_url
from django_platform.parsers.urlparts import server_of
from django_platform.platforms import BY_NAME, Context
from django_platform.platforms.cloudcontrol import parse_credentials as parse_cloudcontrol_credentials
from django_platform.platforms.upsun import decode as decode_platformsh


def _reader(name: str) -> Callable[[dict[str, str]], Any]:
    platform = BY_NAME[name]
    return lambda env: platform.databases(Context(env, platform))


read_cloudcontrol, read_platformsh, read_qoddi = map(_reader, ("cloudcontrol", "upsun", "qoddi"))

EXAMPLES = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# A distinctive secret: its letters cannot come from our own message text.
secrets = st.text(alphabet=string.ascii_letters + string.digits + "@#/?$%:!&=+ ", min_size=6, max_size=30).map(
    lambda s: f"Qx{s}Zq"
)
schemes = st.sampled_from(
    [
        "postgres",
        "postgresql",
        "mysql",
        "sqlite",
        "redis",
        "rediss",
        "smtp",
        "smtp+tls",
        "smtps",
        "memcache",
        "http",
        "nosuch",
        "",
    ]
)
ports = st.one_of(st.just(""), st.integers(0, 70000).map(lambda p: f":{p}"), st.text(max_size=5).map(lambda p: ":" + p))
hosts = st.sampled_from(["db.internal", "127.0.0.1", "[::1]", "", "h_1", "[bad"])


@st.composite
def credential_urls(draw: st.DrawFn, scheme: st.SearchStrategy[str] = schemes) -> tuple[str, str]:
    """A URL with a planted password, percent-encoded or raw (both happen in the wild)."""
    password = draw(secrets)
    encoded = draw(st.booleans())
    shown = quote(password, safe="") if encoded else password
    url = f"{draw(scheme)}://user:{shown}@{draw(hosts)}{draw(ports)}/{draw(st.sampled_from(['app', '', '0']))}"
    return url, password


def assert_hidden(error: ImproperlyConfigured, password: str) -> None:
    text = str(error)
    assert password not in text
    assert quote(password, safe="") not in text
    assert error.__cause__ is None
    assert error.__context__ is None  # suppressed is not enough: the context is still there to walk


URL_PARSERS: dict[str, Callable[[str], object]] = {
    "database": partial(parse_database_url, variable="DATABASE_URL"),
    "email": parse_email_url,
    "cache": partial(parse_cache_url, variable="REDIS_URL", tls_verify=BY_NAME["heroku"].redis_tls_verify),
}


@pytest.mark.parametrize("kind", sorted(URL_PARSERS))
@EXAMPLES
@given(case=credential_urls())
def test_credential_urls_parse_or_fail_cleanly(kind: str, case: tuple[str, str]) -> None:
    url, password = case
    try:
        URL_PARSERS[kind](url)
    except ImproperlyConfigured as error:
        assert_hidden(error, password)


@pytest.mark.parametrize("kind", sorted(URL_PARSERS))
@EXAMPLES
@given(text=st.text(max_size=80))
@example(text="postgres://u:p@[::1/db")
@example(text="redis://:p@h:99999")
def test_any_text_as_a_url_only_raises_improperly_configured(kind: str, text: str) -> None:
    with contextlib.suppress(ImproperlyConfigured):
        URL_PARSERS[kind](text)


@EXAMPLES
@given(text=st.text(max_size=80), password=secrets)
@example(text="redis://u:{password}@h:99999/0", password="pw")
@example(text="unix:///run/redis.sock", password="pw")
@example(text="redis://:{password}@cache.internal/1", password="pw")
def test_the_server_a_replaced_url_names_holds_no_credential(text: str, password: str) -> None:
    """What the notes say of a replaced settings.py URL: its host and port only."""
    shown = server_of(text.replace("{password}", password))
    assert password not in shown or password in text.replace("{password}", "").split("@")[-1]
    assert server_of("redis://:pw@cache.internal:6380/1") == "cache.internal:6380"
    assert server_of("redis://:pw@cache.internal:99999/1") == "cache.internal"
    assert server_of("unix:///run/redis.sock") == server_of(None) == ""


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)


@EXAMPLES
@given(
    scheme=st.sampled_from(["redis", "rediss", "amqp", "valkey", "postgres"]),
    user=st.sampled_from(["", "default", "u"]),
    password=secrets,
    host=hosts,
    port=st.none() | st.integers(min_value=1, max_value=65535),
    path=st.sampled_from(["", "/", "/0", "/vhost?ssl_cert_reqs=none"]),
)
def test_the_server_of_a_url_is_its_host_and_port_never_its_credentials(
    scheme: str, user: str, password: str, host: str, port: int | None, path: str
) -> None:
    url = f"{scheme}://{user}:{quote(password, safe='')}@{host}{'' if port is None else f':{port}'}{path}"
    assert server_of(url) == (host if port is None else f"{host}:{port}")
    assert password not in server_of(url)


def test_read_from_names_the_variable_holding_the_value() -> None:
    env = {"REDIS_URL": "redis://a", "UPSTASH_URL": "rediss://b", "ALIAS": "rediss://b"}
    assert read_from("rediss://b", env) == "ALIAS"  # the first by name: the same value
    assert read_from("redis://a", env) == "REDIS_URL"
    assert read_from("redis://c", env) is read_from("", {"X": ""}) is read_from(None, env) is None
    # A URL settings.py built from one: the variable's URL, then a database or options.
    assert read_from("redis://a/1", env) == "REDIS_URL" and read_from("rediss://b?x=1", env) == "ALIAS"
    server = {"R": "redis://u:pw@h:6379"}
    assert read_from("redis://u:pw@h:6379/1", server) == "R"
    for other in (
        "redis://u:old@h:6379/1",
        "rediss://u:pw@h:6379/1",
        "redis://u:pw@h:63790/1",
        "redis://u:pw@g:6379/1",
    ):
        assert read_from(other, server) is None, other
    # A local default on the same server was not built from it (redis://127.0.0.1:6379/0 beside /12).
    assert read_from("redis://127.0.0.1:6379/0", {"REDIS_URL": "redis://127.0.0.1:6379/12"}) is None
    assert read_from("redis:///1", {"R": "redis://"}) is None  # a variable naming no server


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@EXAMPLES
@given(data=json_values, password=secrets, addon=st.sampled_from(["MYSQLS", "MYSQLD", "POSTGRESQLD", "ELEPHANTSQL"]))
def test_cloudcontrol_credentials_files(data: Any, password: str, addon: str, tmp_path: Path) -> None:
    # Arbitrary JSON, with the add-on's password planted where the file would have it.
    if isinstance(data, dict):
        current = data.get(addon)
        planted: dict[str, Any] = {f"{addon}_PASSWORD": password, **(current if isinstance(current, dict) else {})}
        data = {**data, addon: planted}
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(data))
    try:
        read_cloudcontrol({"CRED_FILE": str(path)})
    except ImproperlyConfigured as error:
        assert_hidden(error, password)


@EXAMPLES
@given(raw=st.binary(max_size=60), password=secrets)
def test_cloudcontrol_credentials_any_bytes(raw: bytes, password: str) -> None:
    try:
        parse_cloudcontrol_credentials(raw.decode("utf-8", "replace") + password, source="CRED_FILE")
    except ImproperlyConfigured as error:
        assert_hidden(error, password)


@EXAMPLES
@given(data=json_values, password=secrets, encode=st.booleans())
def test_upsun_relationships(data: Any, password: str, encode: bool) -> None:
    payload = {"database": [{"scheme": "pgsql", "password": password, "host": data}]} if encode else data
    value = base64.b64encode(json.dumps(payload).encode()).decode()
    try:
        read_platformsh({"PLATFORM_RELATIONSHIPS": value})
    except ImproperlyConfigured as error:
        assert_hidden(error, password)


@EXAMPLES
@given(value=st.one_of(st.text(max_size=60), secrets))
def test_upsun_any_text(value: str) -> None:
    try:
        decode_platformsh("PLATFORM_ROUTES", value)
    except ImproperlyConfigured as error:
        assert "Qx" not in str(error)


@EXAMPLES
@given(
    values=st.dictionaries(
        st.sampled_from(["DATABASE_HOST", "DATABASE_NAME", "DATABASE_USERNAME", "DATABASE_USER", "DATABASE_PORT"]),
        st.text(max_size=20),
    ),
    password=secrets,
)
def test_qoddi_variables(values: dict[str, str], password: str) -> None:
    try:
        read_qoddi({**values, "DATABASE_PASSWORD": password})
    except ImproperlyConfigured as error:
        assert_hidden(error, password)


@EXAMPLES
@given(value=st.one_of(st.text(max_size=20), secrets))
@example(value="²")
@example(value="٣")
def test_booleans_and_numbers(value: str) -> None:
    parsers: tuple[Callable[[str], object], ...] = (partial(parse_bool, "X"), partial(parse_int, "X"))
    for parser in parsers:
        try:
            result = parser(value)
        except ImproperlyConfigured as error:
            assert "Qx" not in str(error)  # a planted secret value is never echoed
        else:
            assert isinstance(result, (bool, int))


@EXAMPLES
@given(value=st.text(max_size=60))
def test_host_lists(value: str) -> None:
    try:
        hosts_ = parse_hosts("DJANGO_ALLOWED_HOSTS", value)
    except ImproperlyConfigured:
        return
    assert all(h and h == h.strip() and "," not in h for h in hosts_)


dotenv_keys = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)
dotenv_values = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30)


def render(values: dict[str, str], quoting: str) -> str:
    lines = []
    for key, value in values.items():
        if quoting == "double" or "'" in value:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key}="{escaped}"')
        else:
            lines.append(f"export {key}='{value}'  # comment")
    return "\n".join(lines)


@EXAMPLES
@given(values=st.dictionaries(dotenv_keys, dotenv_values, max_size=6), quoting=st.sampled_from(["single", "double"]))
def test_dotenv_round_trip(values: dict[str, str], quoting: str) -> None:
    assert parse_dotenv(render(values, quoting)) == values


@EXAMPLES
@given(text=st.text(max_size=120), password=secrets)
def test_dotenv_any_text(text: str, password: str) -> None:
    try:
        parse_dotenv(f"{text}\nA='{password}\n")
    except ImproperlyConfigured as error:
        assert_hidden(error, password)


user_lines = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=30).filter(
        lambda line: not line.startswith(("# BEGIN django-platform", "# END django-platform"))
    ),
    max_size=6,
)


@EXAMPLES
@given(before=user_lines, after=user_lines, old=st.text(max_size=40), new=st.text(max_size=40))
def test_writers_never_lose_a_user_line(before: list[str], after: list[str], old: str, new: str) -> None:
    head = "".join(line + "\n" for line in before)
    tail = "".join(line + "\n" for line in after)
    existing = head + block(old, "cmd", "heroku") + tail
    assume_clean = BEGIN not in old + new and END not in old + new
    if not assume_clean:
        return
    updated = merge(existing, block(new, "cmd", "heroku"))
    assert updated == head + block(new, "cmd", "heroku") + tail
    assert merge(updated, block(new, "cmd", "heroku")) == updated  # a re-run changes nothing


@EXAMPLES
@given(lines=user_lines)
def test_unmanaged_files_are_refused_or_kept_whole(lines: list[str]) -> None:
    existing = "".join(line + "\n" for line in lines)
    if not existing.strip():
        return
    with pytest.raises(Unmanaged):
        merge(existing, block("web: x", "cmd", "heroku"))
    forced = merge(existing, block("web: x", "cmd", "heroku"), force=True)
    assert forced.endswith(existing)


def test_configure_report_never_holds_a_password() -> None:
    """Planted passwords in a database URL and a cache URL (each with schemes of its own kind: one
    URL cannot be both, which kept the old version of this test from ever reaching the report)."""
    reached: list[bool] = []
    # About a quarter of the examples reach the report (the rest are refused URLs): at least 200,
    # so the bar below is not a coin toss under the fast loop's 50 (1.5 % of runs failed on it).
    examples = max(200, settings().max_examples)

    @settings(EXAMPLES, max_examples=examples)
    @given(
        database=credential_urls(st.sampled_from(["postgres", "postgresql", "pgsql", "mysql"])),
        cache=credential_urls(st.sampled_from(["redis", "rediss", "memcache", "locmem"])),
        platform=st.sampled_from(sorted(BY_NAME)),
    )
    def run(database: tuple[str, str], cache: tuple[str, str], platform: str) -> None:
        ns: dict[str, Any] = {"SECRET_KEY": "k" * 50}
        env = {"DJANGO_PLATFORM": platform, "DATABASE_URL": database[0], "CACHE_URL": cache[0]}
        env["DJANGO_SECRET_KEY"] = "s" * 50
        try:
            report = django_platform.configure(ns, env=env)
        except ImproperlyConfigured as error:
            assert_hidden(error, database[1])
            assert_hidden(error, cache[1])
            return
        reached.append(True)
        text = repr(report.as_dict())
        for password in (database[1], cache[1]):
            assert password not in text
            assert quote(password, safe="") not in text

    run()
    # A tenth of the examples at least: the test is not vacuous.
    assert len(reached) > examples // 10, f"only {len(reached)} of the examples reached the report"
