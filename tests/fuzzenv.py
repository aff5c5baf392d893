"""Whole hostile environments for configure(): the variable names come from the package itself (its
platform table, and every name its parsers look up, recorded), the values are plausible, nasty or
random, and two planted tokens mark what must never be shown:

- SECRET sits only where a secret really sits (secret-named variables and credential-file keys, URL
  passwords): it must appear in no error, exception chain, report or platform_check output;
- PLAIN sits everywhere else: errors never quote a value, so it must not appear in an error either.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from hypothesis import strategies as st

import django_platform
from django_platform.configuration import AREAS
from django_platform.deploy import gunicorn as gunicorn_conf
from django_platform.platforms import PLATFORMS
from django_platform.report import is_secret_name

# Long and distinctive: our messages echo at most a short name-like value (a platform name).
SECRET = "Sx7Qz" + "kR9w" * 8 + "SECRETz"
PLAIN = "Px3Lm" + "nV2b" * 8 + "PLAINz"
# Short and name-like, as a secret pasted into DJANGO_PLATFORM may be: never echoed either.
NAME_LIKE = "Nq4rTz7wK"


class Recorder(Mapping[str, str]):
    """An environment that remembers every name configure() asked for."""

    def __init__(self, values: dict[str, str], seen: set[str]) -> None:
        self._values, self.seen = values, seen

    def __getitem__(self, key: str) -> str:
        self.seen.add(key)
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.seen.add(key)
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _table_names() -> set[str]:
    import string as _string

    names: set[str] = {"DJANGO_PLATFORM"}
    for platform in PLATFORMS:
        for marker in (*platform.markers, *platform.build_markers):
            names.update(spec.partition("=")[0] for spec in (*marker.all_of, *marker.any_of))
        for template in (*platform.host_templates, *platform.health_check_hosts):
            names.update(f for _, f, _, _ in _string.Formatter().parse(template) if f)
        if platform.size_variable:
            names.add(platform.size_variable)
    return names - {"CC_APP", "CC_DEP"}  # derived from DEP_NAME by hosts.py


def collect_names(rounds: int = 4) -> list[str]:
    """Every variable name the package reads, found by asking it: each profile with each name found
    so far set alone, then with all of them set, until no new name shows up; names read only behind
    another one (Qoddi's DATABASE_PORT behind DATABASE_HOST) show up that way."""
    seen = _table_names()
    for _ in range(rounds):
        known = set(seen)
        everything = {name: _plausible(name) for name in known}
        singles = [{"DJANGO_SECRET_KEY": "k" * 50, n: everything[n]} for n in sorted(known)]
        for platform in PLATFORMS:
            # Area by area with everything set, so that one area's error does not hide the next's names.
            nothing: set[str] = set()
            runs = [(env, nothing) for env in [{}, *singles]] + [(everything, set(AREAS) - {a}) for a in AREAS]
            for env, exclude in runs:
                recorder = Recorder(env, seen)
                with contextlib.suppress(ImproperlyConfigured):
                    django_platform.configure(
                        {"SECRET_KEY": "x"}, env=recorder, platform=platform.name, exclude=exclude
                    )
                gunicorn_settings(recorder, platform.name)
        if seen == known:
            break
    # Readers that iterate over the environment rather than look names up (the names behind an
    # Upsun relationship's <REL>_SCHEME are then read by name).
    seen.update({"HEROKU_POSTGRESQL_OLIVE_URL", "HEROKU_POSTGRESQL_CHARCOAL_URL"})
    seen.update({"DATABASE_SCHEME", "POSTGRESQL_SCHEME", "POSTGRESQL_HOST", "POSTGRESQL_PATH", "POSTGRESQL_USERNAME"})
    seen.update({"POSTGRESQL_PASSWORD", "POSTGRESQL_PORT", "POSTGRESQL_URL"})
    return sorted(seen)


def gunicorn_settings(env: Mapping[str, str], platform: str) -> dict[str, Any]:
    from django_platform.platforms import get_platform

    try:
        return gunicorn_conf.settings(env, get_platform(platform), cpus=2, memory=None)
    except ImproperlyConfigured:
        return {}


def _plausible(name: str) -> str:
    if name.endswith("URL") or name.endswith("_URI"):
        scheme = "redis" if "REDIS" in name or "CACHE" in name else "smtp" if "EMAIL" in name else "postgres"
        return f"{scheme}://user:{SECRET}@db.internal:5432/app"
    if is_secret_name(name):
        return SECRET
    if name.endswith(("HOST", "HOSTNAME", "SERVER", "SERVERS")):
        return "db.internal"
    if name == "DJANGO_PLATFORM":
        return "qoddi"
    if name.endswith("_SCHEME"):
        return "pgsql"  # Upsun's service variables: the scheme says what the relationship is
    return "1"


# --- values ---------------------------------------------------------------------------------------

SCHEMES = [
    "postgres", "postgresql", "pgsql", "mysql", "sqlite", "redis", "rediss", "unix", "smtp", "smtps",
    "smtp+tls", "smtp+ssl", "console", "memcache", "locmem", "dummy", "https", "nosuch", "", "valkey", "valkeys",
]  # fmt: skip
junk = st.text(max_size=12)
nasty = st.sampled_from(
    [
        "",
        " ",
        "\0",
        "9" * 5000,
        "²",
        "-1",
        "0",
        "true",
        "maybe",
        "%C2%B2",
        "[" * 3000,
        "https://[abc/",
        "\uff45xample.com",
        "$HOME",
        "${PORT:-5000}",
        "a,b,,c",
        "*",
        "..",
        "\ud7ff",
        "GTHREAD",
    ]
)


@st.composite
def urls(draw: st.DrawFn, secret: str) -> str:
    password = draw(st.sampled_from([secret, quote(secret + "@#/?", safe=""), secret + " x", secret + "@x"]))
    user = draw(st.sampled_from(["user", "", "apikey", PLAIN]))
    host = draw(st.sampled_from(["db.internal", "127.0.0.1", "[::1]", "", "h_1", "[bad", PLAIN.lower()]))
    port = draw(st.sampled_from(["", ":5432", ":587", ":465", ":99999", ":port", ":0"]))
    path = draw(st.sampled_from(["/app", "", "/0", "/a@b", f"/{PLAIN}"]))
    query = draw(st.sampled_from(["", "?sslmode=require", "?connect_timeout=%C2%B2", "?timeout=5", "?ssl_mode=x"]))
    userinfo = draw(st.sampled_from([f"{user}:{password}@", f"{user}@", "", f":{password}@"]))
    scheme = draw(st.sampled_from(SCHEMES))
    if draw(st.integers(0, 3)) == 0:
        # A typo moved the password out of the user-info: a raw '/' or '?' before it, or not two
        # slashes after the scheme (redis://u:1234/SECRET@h/0, locmem:/:SECRET@x).
        slashes = draw(st.sampled_from(["/", "//", "///"]))
        cut = draw(st.sampled_from(["/", "?"] if slashes == "//" else ["", "/"]))
        return f"{scheme}:{slashes}{user}:1234{cut}{secret}@{host}{port}{path}{query}"
    return f"{scheme}://{userinfo}{host}{port}{path}{query}"


@st.composite
def misplaced_passwords(draw: st.DrawFn, name: str) -> str:
    """The variable's own plausible URL with its password moved out of the user-info by a typo: a
    raw '/' or '?' before it, or one or three slashes after the scheme."""
    scheme = _plausible(name).partition(":")[0]
    scheme = draw(st.sampled_from([scheme, "amqp", "sqlite", "locmem", "unix", "sqs", "https"]))
    shape = draw(
        st.sampled_from(["//u:1234/{s}@h/0", "//u:12?{s}@h/0", "/:{s}@h", "///u:{s}@h/0", "/u@x:{s}@h/db", "//:{s}@h"])
    )
    return f"{scheme}:" + shape.format(s=SECRET)


def json_values(secret: str) -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.just(PLAIN), st.just(secret))
    # Three levels spelled out: st.recursive() with this extend trips Hypothesis 6.17x's check that
    # extend uses its argument (a HypothesisDeprecationWarning, an error under -W error).
    values: st.SearchStrategy[Any] = leaves
    for _ in range(3):
        values = leaves | st.lists(values, max_size=3) | st.dictionaries(st.text(max_size=8), values, max_size=3)
    return values


@st.composite
def relationships(draw: st.DrawFn) -> str:
    endpoint = {
        "scheme": draw(st.sampled_from(["pgsql", "postgresql", "mysql", "redis", ["pgsql"], 3, None])),
        "host": draw(st.sampled_from(["db.internal", "", PLAIN, {"h": 1}, 5])),
        "port": draw(st.sampled_from([5432, "5432", "x", "9" * 40, None, [1]])),
        "path": draw(st.sampled_from(["main", "", PLAIN, None])),
        "username": draw(st.sampled_from(["main", "", PLAIN, None])),
        "password": draw(st.sampled_from([SECRET, SECRET + "@", None, 7])),
    }
    data = draw(
        st.one_of(
            st.just({draw(st.sampled_from(["database", "db", "cache"])): [endpoint]}),
            json_values(SECRET),
            st.just({"database": endpoint}),
        )
    )
    raw = json.dumps(data).encode()
    return base64.b64encode(draw(st.sampled_from([raw, raw[:-1], b"[" * 3000]))).decode()


@st.composite
def routes(draw: st.DrawFn) -> str:
    url = draw(
        st.sampled_from(["https://app.example.com/", "https://[abc/", "https://\uff45xample.com\u2100/", "x", ""])
    )
    kind = draw(st.sampled_from(["upstream", "redirect", None]))
    data = draw(st.one_of(st.just({url: {"type": kind}}), json_values(PLAIN)))
    return base64.b64encode(json.dumps(data).encode()).decode()


def credential_files(directory: Path) -> list[str]:
    """Files a CRED_FILE may point at: well-formed add-ons with secrets, odd shapes, bad bytes."""
    contents: list[bytes] = [
        json.dumps(
            {
                "MYSQLS": {
                    "MYSQLS_DATABASE": "app",
                    "MYSQLS_HOSTNAME": "db:3306",
                    "MYSQLS_USERNAME": "u",
                    "MYSQLS_PASSWORD": SECRET,
                },
                "POSTMARK": {"POSTMARK_API_TOKEN": SECRET},
                "MEMCACHIER": {"MEMCACHIER_SERVERS": "mc:11211", "MEMCACHIER_PASSWORD": SECRET},
                "ELEPHANTSQL": {"ELEPHANTSQL_URL": f"postgres://u:{SECRET}@h/db"},
            }
        ).encode(),
        json.dumps({"SENDGRID": {"SENDGRID_USERNAME": "u", "SENDGRID_PASSWORD": SECRET}}).encode(),
        json.dumps({"MYSQLD": {"MYSQLD_URL": f"mysql://u:{SECRET}@h:port/db"}}).encode(),
        json.dumps({"MAILGUN": {"MAILGUN_SMTP_SERVER": "smtp", "MAILGUN_SMTP_PORT": "9" * 50}}).encode(),
        b'{"MYSQLS": {"MYSQLS_PASSWORD": "' + SECRET.encode() + b'\xff"}}',
        b"[" * 3000,
        b"[]",
        b'{"MYSQLS": 3}',
    ]
    paths = []
    for index, content in enumerate(contents):
        path = directory / f"creds{index}.json"
        path.write_bytes(content)
        paths.append(str(path))
    fifo = directory / "creds.fifo"  # opened for reading, it would block until a writer came
    if not fifo.exists():
        os.mkfifo(fifo)
    big = directory / "big.json"
    big.write_bytes(b" " * ((1 << 20) + 1))
    special = [str(fifo), "/dev/zero", "/dev/urandom", str(big)]
    return [*paths, *special, str(directory / "missing.json"), str(directory), "/tmp/x\0y"]


# Plugin modules that fail in every way a module can (DJANGO_PLATFORM_PLUGINS).
PLUGIN_BODIES = {
    "plugin_fails_import": "import no_such_dependency_of_the_plugin",
    "plugin_fails_exit": "import sys\nsys.exit('{secret}')",
    "plugin_fails_registry": "from django.core.exceptions import AppRegistryNotReady\n"
    "raise AppRegistryNotReady('{secret}')",
    "plugin_fails_improperly": "from django.core.exceptions import ImproperlyConfigured\n"
    "raise ImproperlyConfigured('{secret}') from ValueError('{secret}')",
    "plugin_fails_toolkit": "class TclError(Exception): pass\nraise TclError('{secret}')",
    "plugin_fails_syntax": "def broken(:\n    '{secret}'",
    "plugin_fails_generator": "raise GeneratorExit('{secret}')",
}


def plugin_modules(directory: Path) -> list[str]:
    """Write the failing plugins into `directory` (the caller puts it on sys.path); their names."""
    for name, body in PLUGIN_BODIES.items():
        (directory / f"{name}.py").write_text(body.format(secret=SECRET))
    return list(PLUGIN_BODIES)


# A generator for the variable of every credential store a platform declares (Platform.stores):
# tests/test_fuzz_environment.py fails when a declared store has none.
STORES: dict[str, Callable[[list[str]], st.SearchStrategy[str]]] = {
    "CRED_FILE": lambda files: st.one_of(st.sampled_from(files), nasty, st.just("/nonexistent/creds.json")),
    "PLATFORM_RELATIONSHIPS": lambda files: relationships(),
    "PLATFORM_ROUTES": lambda files: routes(),
}


def value_for(name: str, files: list[str]) -> st.SearchStrategy[str]:
    """What a variable may hold: plausible for its name, or nasty, or random."""
    secret_named = is_secret_name(name)
    token = SECRET if secret_named else PLAIN
    # Valid values weigh most: environments that configure() accepts are where secrets can leak.
    valid = st.just(_plausible(name))
    specific: list[st.SearchStrategy[str]] = [
        valid,
        valid,
        valid,
        nasty,
        junk,
        st.just(token),
        junk.map(lambda j: token + j),
    ]
    if name.endswith(("_URL", "_URI")) or name in ("EMAIL_URL", "CACHE_URL"):
        specific += [urls(SECRET), misplaced_passwords(name)]
    if name in STORES:
        store = STORES[name](files)
        if name == "CRED_FILE":
            # A path, which errors name on purpose ("the credentials file CRED_FILE=... does not
            # exist"): no PLAIN token in it.
            return store
        specific.append(store)
    if name == "DJANGO_PLATFORM":
        specific.append(st.sampled_from([p.name for p in PLATFORMS] + ["HEROKU", "mars", "herokku", NAME_LIKE]))
    if name == "DJANGO_PLATFORM_PLUGINS":
        specific.append(st.lists(st.sampled_from(list(PLUGIN_BODIES)), min_size=1, max_size=2).map(", ".join))
    # A byte os.environ could not decode (held as a lone surrogate), in any variable.
    specific.append(st.just(token + "\udcff"))
    if name.endswith(("_HOST", "_HOSTNAME", "_SERVER", "_SERVERS")):
        specific.append(st.sampled_from(["db.internal", "db:3306", "[::1]:5432", "h:port", "a,b"]))
    if name.endswith(("PORT", "SECONDS", "AGE", "SIZE", "CONCURRENCY", "TIMEOUT", "THREADS", "REQUESTS")):
        specific.append(st.integers(-5, 10**20).map(str))
    return st.one_of(*specific)


def texts(value: Any) -> list[str]:
    """Every text an exception carries, through its whole chain (shown or suppressed)."""
    found: list[str] = []
    seen: set[int] = set()
    exc = value
    while isinstance(exc, BaseException) and id(exc) not in seen:
        seen.add(id(exc))
        found += [str(exc), repr(exc.args)]
        found += [repr(getattr(exc, attr)) for attr in ("object", "text", "filename", "doc") if hasattr(exc, attr)]
        exc = exc.__cause__ or exc.__context__
    return found


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="djp-fuzz-"))
