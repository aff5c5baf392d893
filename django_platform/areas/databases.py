"""DATABASES: credentials from the environment or the platform, then TLS and connection policy.

Precedence, highest first: explicit environment variables, the platform's credential sources,
what settings.py already set, the platform's defaults.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Changes, Namespace, Setting, choose
from django_platform.parsers.dburl import parse_database_url
from django_platform.parsers.env import get_bool, get_int
from django_platform.parsers.poolers import transaction_pooler
from django_platform.parsers.serving import asgi_reason
from django_platform.platforms import MYSQL, PG, Context
from django_platform.report import Report, Source

# Kept from settings.py's entry of the same alias when the credentials come from elsewhere.
USER_KEYS = (
    "ATOMIC_REQUESTS",
    "AUTOCOMMIT",
    "CONN_MAX_AGE",
    "CONN_HEALTH_CHECKS",
    "TIME_ZONE",
    "DISABLE_SERVER_SIDE_CURSORS",
    "TEST",
    "POOL_OPTIONS",  # django-db-connection-pool's, with its ENGINE (build_databases)
)
# Persistent connections on a platform: reused for 10 minutes, checked before reuse.
PLATFORM_CONN_MAX_AGE = 600

# Per engine family: the OPTIONS keys that already express a TLS choice, and ours for on/off.
TLS_KEYS: Mapping[str, tuple[str, ...]] = {PG: ("sslmode",), MYSQL: ("ssl", "ssl_mode")}
TLS_OPTION: Mapping[str, tuple[str, dict[bool, str]]] = {
    PG: ("sslmode", {True: "require", False: "disable"}),
    MYSQL: ("ssl_mode", {True: "REQUIRED", False: "DISABLED"}),
}
# Per engine family, the values of that option that demand TLS, and those that refuse it.
TLS_REQUIRING = {PG: ("require", "verify-ca", "verify-full"), MYSQL: ("REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")}
TLS_REFUSING = {PG: ("disable",), MYSQL: ("DISABLED",)}
# Django pools PostgreSQL only. MariaDB and MySQL connections are pooled by django-db-connection-pool,
# whose backend wraps Django's mysqlclient one with SQLAlchemy's QueuePool: a request waits up to
# TIMEOUT seconds for a connection instead of opening one more (32 requests at once on a pool of 4:
# all served, at most 4 server connections, tests/test_services_db.py).
MYSQL_ENGINE = "django.db.backends.mysql"
MYSQL_POOL_ENGINE = "dj_db_conn_pool.backends.mysql"
# Django's own backends, which the platforms' postgres:// and mysql:// URLs map to.
PLAIN_ENGINES = {"django.db.backends.postgresql": PG, MYSQL_ENGINE: MYSQL}
# psycopg_pool's defaults under Django's "pool": True (4 connections, 30 s wait), for both.
POOL_SIZE = 4
POOL_TIMEOUT = 30
# django-db-connection-pool's own defaults, where POOL_OPTIONS leaves a key out.
QUEUE_POOL_DEFAULTS = {"POOL_SIZE": 10, "MAX_OVERFLOW": 10, "TIMEOUT": 30}
_FAMILY_HINTS = ((PG, ("postgres", "postgis", "cockroach", "redshift", "timescale")), (MYSQL, ("mysql",)))


def engine_family(engine: str) -> str | None:
    lowered = engine.lower()
    return next((fam for fam, hints in _FAMILY_HINTS if any(h in lowered for h in hints)), None)


def queue_pool(db: Mapping[str, Any]) -> tuple[int, float] | None:
    """(connections one process may hold, seconds a request waits for one) of a
    django-db-connection-pool entry; None for any other engine, or options its pool refuses."""
    options = db.get("POOL_OPTIONS") or {}
    if not str(db.get("ENGINE", "")).startswith("dj_db_conn_pool.") or not isinstance(options, Mapping):
        return None
    values = {**QUEUE_POOL_DEFAULTS, **options}
    try:
        size = max(0, int(values["POOL_SIZE"])) + max(0, int(values["MAX_OVERFLOW"]))
        return size, float(values["TIMEOUT"])
    except (TypeError, ValueError):
        return None


def collect(ctx: Context, report: Report) -> dict[str, tuple[dict[str, Any], Source | str]]:
    """Every database the environment and the platform's credential stores describe."""
    platform = ctx.platform
    found: dict[str, tuple[dict[str, Any], Source | str]] = {}
    if ctx.value("DATABASE_URL"):
        entry = parse_database_url(ctx.env["DATABASE_URL"], variable="DATABASE_URL")
        found["default"] = (platform.adjust_database(entry, "DATABASE_URL"), "DATABASE_URL")
    for alias, entry, source in platform.databases(ctx):
        if alias in found:
            report.note(f"{_text(source)} ignored for DATABASES[{alias!r}]: {_text(found[alias][1])} is set.")
            continue
        found[alias] = (platform.adjust_database(entry, source), source)
    return found


def _text(source: Source | str) -> str:
    return source.text if isinstance(source, Source) else source


def apply_policy(alias: str, entry: dict[str, Any], ctx: Context, report: Report, asgi: str | None = None) -> None:
    """TLS, persistent connections, pooling and cursors, in place; `asgi` says why the project
    is served over ASGI (persistent connections off there), None under WSGI."""
    env, platform = ctx.env, ctx.platform
    where = f"DATABASES.{alias}"
    family = engine_family(str(entry.get("ENGINE", "")))
    options: dict[str, Any] = dict(entry.get("OPTIONS") or {})

    # TLS: an explicit option in the URL or settings wins, then DATABASE_SSL, then the platform: not
    # choose()'s ladder, because the URL (which may come from the environment) is the more specific.
    if family is not None and family in TLS_OPTION:
        key, values = TLS_OPTION[family]
        if _tls_chosen(options, family):
            chosen = Source("default", "database URL or settings.py")
            report.record(f"{where}.OPTIONS.{key}", options.get(key, options.get("ssl")), chosen)
        else:
            forced = get_bool(env, "DATABASE_SSL")
            if forced is not None:
                options[key] = values[forced]
                report.record(f"{where}.OPTIONS.{key}", options[key], "DATABASE_SSL")
            elif family in platform.db_tls:
                options[key] = values[platform.db_tls[family]]
                report.record(f"{where}.OPTIONS.{key}", options[key], f"platform default ({platform.name})")
    elif get_bool(env, "DATABASE_SSL") is not None:
        report.note(f"DATABASE_SSL does not apply to DATABASES[{alias!r}]: its engine has no TLS option.")

    pool = get_bool(env, "DATABASE_POOL")
    max_age = get_int(env, "DATABASE_CONN_MAX_AGE")
    pooled_for_asgi = pool is None and max_age is None and _pool_under_asgi(asgi, family, entry, options)
    if pool or pooled_for_asgi:
        _check_pool_available(family, entry)
        forever = "CONN_MAX_AGE" in entry and entry["CONN_MAX_AGE"] is None  # settings.py's, replaced below
        if max_age:
            raise ImproperlyConfigured(
                "DATABASE_POOL needs CONN_MAX_AGE=0: unset DATABASE_CONN_MAX_AGE or set it to 0."
            )
        pool_size = get_int(env, "DATABASE_POOL_MAX_SIZE", minimum=1)
        entry["CONN_MAX_AGE"] = 0
        if family == PG:
            options["pool"] = {"max_size": pool_size} if pool_size else True
            pooled: list[tuple[str, Any]] = [("OPTIONS.pool", options["pool"])]
            library = "psycopg's pool"
        else:  # MariaDB, MySQL: the pooling backend in place of Django's
            entry["ENGINE"] = MYSQL_POOL_ENGINE
            entry["POOL_OPTIONS"] = {"POOL_SIZE": pool_size or POOL_SIZE, "MAX_OVERFLOW": 0, "TIMEOUT": POOL_TIMEOUT}
            pooled = [("ENGINE", MYSQL_POOL_ENGINE), ("POOL_OPTIONS", entry["POOL_OPTIONS"])]
            library = "django-db-connection-pool's pool (Django pools only PostgreSQL)"
        if pooled_for_asgi:
            # Django's docs: under ASGI, the backend's pooling instead of persistent connections.
            # benchmarks/asgi.py: twice the database view's rate, and no "too many clients" at 256
            # connections, where a connection per request ran out of them.
            why = Source("platform", f"served over ASGI ({asgi}): {library}, as Django advises")
            if forever:
                report.note(
                    f"DATABASES[{alias!r}]['CONN_MAX_AGE'] = None of settings.py (connections never closed) replaced "
                    f"by {library}: served over ASGI, where each request's thread would keep one open."
                )
            for key, value in pooled:
                report.record(f"{where}.{key}", value, why)
            report.record(f"{where}.CONN_MAX_AGE", 0, Source("platform", "the pool needs 0"))
        else:
            for key, value in pooled:
                report.record(f"{where}.{key}", value, "DATABASE_POOL")
            report.record(
                f"{where}.CONN_MAX_AGE", 0, Source("environment", "DATABASE_POOL (pooling needs 0)", ["DATABASE_POOL"])
            )
    else:
        sets, value = choose(
            f"{where}.CONN_MAX_AGE",
            entry,
            report,
            key="CONN_MAX_AGE",
            env=None if max_age is None else (max_age, "DATABASE_CONN_MAX_AGE"),
            default=None if platform.development else _max_age_default(platform.name, asgi, bool(options.get("pool"))),
        )
        if sets:
            entry["CONN_MAX_AGE"] = value

    checks = get_bool(env, "DATABASE_CONN_HEALTH_CHECKS")
    if checks is not None:
        entry["CONN_HEALTH_CHECKS"] = checks
        report.record(f"{where}.CONN_HEALTH_CHECKS", checks, "DATABASE_CONN_HEALTH_CHECKS")
    elif not entry.get("CONN_HEALTH_CHECKS") and not platform.development:
        # False is Django's default, and dj-database-url writes it into every entry it makes: not a
        # choice to keep (DATABASE_CONN_HEALTH_CHECKS=false is how to choose it).
        entry["CONN_HEALTH_CHECKS"] = True
        report.record(f"{where}.CONN_HEALTH_CHECKS", True, f"platform default ({platform.name})")

    # PgBouncer in transaction mode breaks server-side cursors.
    no_cursors = get_bool(env, "DATABASE_DISABLE_SERVER_SIDE_CURSORS")
    pooler = transaction_pooler(entry.get("HOST"), entry.get("PORT")) if family == PG else None
    if no_cursors is not None:
        entry["DISABLE_SERVER_SIDE_CURSORS"] = no_cursors
        report.record(f"{where}.DISABLE_SERVER_SIDE_CURSORS", no_cursors, "DATABASE_DISABLE_SERVER_SIDE_CURSORS")
    elif pooler and not entry.get("DISABLE_SERVER_SIDE_CURSORS"):
        # A False of settings.py's would break every .iterator() there: the variable chooses it.
        entry["DISABLE_SERVER_SIDE_CURSORS"] = True
        shared = f"{pooler}'s pooler shares connections per transaction: server-side cursors off, as Django advises"
        report.record(f"{where}.DISABLE_SERVER_SIDE_CURSORS", True, Source("default", shared))

    if options:
        entry["OPTIONS"] = options


def _check_pool_available(family: str | None, entry: Mapping[str, Any]) -> None:
    if family == PG:
        if importlib.util.find_spec("psycopg_pool") is None:
            raise ImproperlyConfigured(
                "DATABASE_POOL needs psycopg's pool: pip install 'django-platform[postgres]' (psycopg[pool])."
            )
        return
    if family != MYSQL or entry.get("ENGINE") != MYSQL_ENGINE:
        raise ImproperlyConfigured(
            "DATABASE_POOL applies to PostgreSQL, and to MariaDB and MySQL through Django's mysqlclient backend, "
            "only: unset DATABASE_POOL."
        )
    if importlib.util.find_spec("dj_db_conn_pool") is None:
        raise ImproperlyConfigured(
            "DATABASE_POOL needs django-db-connection-pool for MariaDB and MySQL: pip install 'django-platform[mysql]'."
        )


def _pool_under_asgi(
    asgi: str | None, family: str | None, entry: Mapping[str, Any], options: Mapping[str, Any]
) -> bool:
    """Served over ASGI, on PostgreSQL (psycopg 3) or MariaDB/MySQL (mysqlclient) with its pool's
    package installed, and settings.py chose neither a pool nor persistent connections: pool."""
    chose = "pool" in options or "POOL_OPTIONS" in entry or entry.get("CONN_MAX_AGE") not in (None, 0)
    if not asgi or chose:
        return False
    if family == PG:
        psycopg3 = str(entry.get("ENGINE", "")).endswith("postgresql") and importlib.util.find_spec("psycopg")
        return bool(psycopg3) and importlib.util.find_spec("psycopg_pool") is not None
    return entry.get("ENGINE") == MYSQL_ENGINE and importlib.util.find_spec("dj_db_conn_pool") is not None


def _max_age_default(platform: str, asgi: str | None, pool: bool = False) -> tuple[int, Source | str]:
    if pool:  # settings.py's own: Django refuses persistent connections beside a pool
        return 0, Source("platform", "settings.py's pool (OPTIONS: pool) needs 0")
    if asgi is None:
        return PLATFORM_CONN_MAX_AGE, f"platform default ({platform})"
    # Django's docs: "When using ASGI, persistent connections should be disabled" (each request's
    # sync work runs in a thread of its own, which keeps its connection open otherwise).
    return 0, Source("platform", f"served over ASGI ({asgi}): persistent connections off, as Django advises")


def build_databases(
    ctx: Context, existing: Mapping[str, Any] | None, report: Report, asgi: str | None = None
) -> dict[str, dict[str, Any]] | None:
    """The DATABASES setting to apply, or None to leave settings.py's DATABASES untouched."""
    found = collect(ctx, report)
    current: dict[str, dict[str, Any]] = {a: dict(e) for a, e in (existing or {}).items()}
    if not found and not current:
        return None
    result = dict(current)
    for alias, (entry, source) in found.items():
        kept = {k: current[alias][k] for k in USER_KEYS if k in current.get(alias, {})}
        own = current.get(alias, {})
        engine = _own_engine(own, entry)
        if engine:
            kept["ENGINE"] = engine
        options = _own_options(own, entry)
        for key, why in _tls_overruled(options, entry, ctx).items():
            del options[key]
            report.note(f"DATABASES[{alias!r}]['OPTIONS'][{key!r}] of settings.py not kept: {why}.")
        if options:
            kept["OPTIONS"] = {**options, **(entry.get("OPTIONS") or {})}
        result[alias] = {**entry, **kept}
        report.record(f"DATABASES.{alias}", result[alias], source)
        if engine:
            report.record(
                f"DATABASES.{alias}.ENGINE",
                engine,
                f"settings.py: a backend for the {engine_family(engine)} database {_text(source)} describes",
            )
        for key in options:
            if key in (entry.get("OPTIONS") or {}):
                report.note(f"DATABASES[{alias!r}]['OPTIONS'][{key!r}]: {_text(source)}'s replaces settings.py's.")
            else:
                report.record(f"DATABASES.{alias}.OPTIONS.{key}", options[key], "settings.py")
    for alias in current.keys() - found.keys():
        report.record(f"DATABASES.{alias}", current[alias], "settings.py")
    for alias, entry in result.items():
        apply_policy(alias, entry, ctx, report, asgi)
    # Re-record the finished entries so the report shows what Django will use.
    for alias, entry in result.items():
        source = found[alias][1] if alias in found else "settings.py"
        report.record(f"DATABASES.{alias}", entry, source)
    return result


def _own_engine(current: Mapping[str, Any], found: Mapping[str, Any]) -> str | None:
    """settings.py's ENGINE where the URL or the platform names only Django's own backend for the
    database and settings.py names another for the same kind (GeoDjango's PostGIS and MySQL ones,
    django-tenants', django-prometheus', django-db-connection-pool's): a postgres:// URL says where
    the database is, not which backend the project needs. None to take the found entry's."""
    own, plain = str(current.get("ENGINE", "")), found.get("ENGINE")
    if own == plain or plain not in PLAIN_ENGINES:
        return None
    return own if engine_family(own) == PLAIN_ENGINES[plain] else None


def _own_options(current: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    """settings.py's OPTIONS where they are for the same kind of database as the found entry (its
    pool, search_path, sslmode=verify-full): the URL's own options go over them, key by key. Nothing
    from another kind (SQLite's timeout means nothing to PostgreSQL)."""
    options = current.get("OPTIONS")
    family = engine_family(str(found.get("ENGINE", "")))
    if not isinstance(options, Mapping) or family is None:
        return {}
    return dict(options) if engine_family(str(current.get("ENGINE", ""))) == family else {}


def _tls_chosen(options: Mapping[str, Any], family: str | None) -> list[str]:
    """The keys of `options` that choose TLS for `family`. None chooses nothing: psycopg leaves a
    None option out (libpq's `prefer` applies), mysqlclient a None `ssl` (a None `ssl_mode` fails at
    connect: the platform's value replaces it)."""
    return [k for k in TLS_KEYS.get(family or "", ()) if options.get(k) is not None]


def _tls_overruled(options: Mapping[str, Any], found: Mapping[str, Any], ctx: Context) -> dict[str, str]:
    """settings.py's TLS options (among `options`) that give way, each with why: to the URL's own TLS
    option and to DATABASE_SSL, which rank above settings.py; and where one contradicts the platform's
    databases (sslmode=disable for a local server, where the platform's require TLS), to the platform."""
    family = engine_family(str(found.get("ENGINE", "")))
    keys = _tls_chosen(options, family)
    if family is None or not keys:
        return {}
    url_tls = {k: v for k, v in (found.get("OPTIONS") or {}).items() if k in TLS_KEYS[family]}
    if url_tls:
        # The URL's own key replaces settings.py's; settings.py's other key stays where it agrees
        # (a CA of settings.py's beside the URL's ssl-mode=REQUIRED), not where one refuses TLS.
        refusing = any(_refuses(family, k, v) for k, v in url_tls.items())
        keys = [k for k in keys if k in url_tls or _refuses(family, k, options[k]) != refusing]
        why = "the URL's own TLS option is used"
    elif get_bool(ctx.env, "DATABASE_SSL") is not None:
        why = "DATABASE_SSL is set"
    elif family in ctx.platform.db_tls:
        on = ctx.platform.db_tls[family]
        value = str(options.get(TLS_OPTION[family][0], ""))
        if value not in (TLS_REFUSING if on else TLS_REQUIRING)[family]:
            return {}
        said = ("require TLS", "false") if on else ("have TLS off", "true")
        why = f"{ctx.platform.label}'s databases {said[0]} (DATABASE_SSL={said[1]} says otherwise)"
    else:
        return {}
    return dict.fromkeys(keys, why)


def _refuses(family: str, key: str, value: Any) -> bool:
    """Whether an OPTIONS value switches TLS off (sslmode=disable, ssl_mode=DISABLED, ssl=False)."""
    return value is False or (key == TLS_OPTION[family][0] and str(value) in TLS_REFUSING[family])


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    databases = build_databases(ctx, ns.get("DATABASES"), report, asgi_reason(ns.as_mapping(), ctx.env))
    return Changes({} if databases is None else {"DATABASES": databases})


SETTINGS = (
    Setting(
        "DATABASES",
        ("DATABASE_URL",),
        "every dj-database-url scheme; then the platform's add-on variables and stores (its page); else "
        "`settings.py`'s. From `settings.py`'s entry of the same alias, `ATOMIC_REQUESTS`, `CONN_MAX_AGE`, "
        "`CONN_HEALTH_CHECKS`, `TIME_ZONE`, `TEST`, `DISABLE_SERVER_SIDE_CURSORS` and `POOL_OPTIONS` are kept, "
        "and, where that entry is for the same kind of database, its `OPTIONS` (the URL's own over them, key by "
        "key) and its `ENGINE` where the URL names Django's own PostgreSQL or MySQL backend and settings.py another "
        f"(GeoDjango's, django-tenants', `{MYSQL_POOL_ENGINE}`)",
    ),
    Setting(
        "OPTIONS: sslmode, OPTIONS: ssl_mode",
        ("DATABASE_SSL",),
        "`sslmode` for PostgreSQL, `ssl_mode` for MySQL and MariaDB: true = `require`/`REQUIRED`, false = "
        "`disable`/`DISABLED`; else the platform's default (its page). A TLS "
        "option written in the URL (`?sslmode=`, `?ssl-ca=`; a MySQL URL's `?ssl-mode=REQUIRED`, DigitalOcean's and "
        "Aiven's spelling, or `?sslmode=require` become `ssl_mode`) or in a `settings.py` entry no URL replaces "
        "always wins; beside a URL, `settings.py`'s ranks below the URL's same option and `DATABASE_SSL`, stays "
        "beside the URL's other one where both ask for TLS (a CA beside `ssl-mode=REQUIRED`), and gives way where "
        "it contradicts the URL or the platform's (`sslmode=disable` where its databases require TLS), with a note; "
        "a `None` value chooses nothing; nothing for SQLite",
    ),
    Setting(
        "CONN_MAX_AGE",
        ("DATABASE_CONN_MAX_AGE",),
        f"{PLATFORM_CONN_MAX_AGE} seconds on a platform, 0 there beside settings.py's `OPTIONS: pool` and when the "
        "project is served over ASGI "
        "(`DJANGO_PLATFORM_SERVER=asgi`, which the generated gunicorn config sets for an ASGI worker; "
        "`ASGI_APPLICATION`; Channels or Daphne in `INSTALLED_APPS`), as Django's docs advise; Django's 0 locally; "
        "`settings.py`'s if set",
    ),
    Setting(
        "CONN_HEALTH_CHECKS",
        ("DATABASE_CONN_HEALTH_CHECKS",),
        "on on a platform, also over `settings.py`'s `False` (Django's default, which dj-database-url writes into "
        "every entry): `DATABASE_CONN_HEALTH_CHECKS=false` turns them off",
    ),
    Setting(
        "OPTIONS: pool, POOL_OPTIONS",
        ("DATABASE_POOL", "DATABASE_POOL_MAX_SIZE"),
        "on where the project is served over ASGI and the pool's package is installed, else off; when on, "
        "`CONN_MAX_AGE` is 0 and the size 4 a process unless `DATABASE_POOL_MAX_SIZE` says: PostgreSQL through "
        "psycopg 3's pool (`OPTIONS: pool`), MariaDB and MySQL through django-db-connection-pool (`ENGINE` "
        f"`{MYSQL_POOL_ENGINE}`, `POOL_OPTIONS`, a request waiting up to {POOL_TIMEOUT} s for a connection)",
    ),
    Setting(
        "DISABLE_SERVER_SIDE_CURSORS",
        ("DATABASE_DISABLE_SERVER_SIDE_CURSORS",),
        "true for a hosted pooler in transaction mode, known by its host (Neon's `-pooler` host, Supabase's "
        "`*.pooler.supabase.com` on port 6543), where a server-side cursor would not outlive its transaction; "
        "else unset (set it for another PgBouncer in transaction mode)",
    ),
)
