"""The connection budget, judged by `platform_check --deploy` only (it asks the database): web
processes x threads x instances, plus the background processes, against what the database
accepts. Over budget, connections fail under load ("too many clients" / "Too many connections")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Info, Warning
from django.core.exceptions import ImproperlyConfigured
from django.db import Error, connections

from django_platform import machine
from django_platform.areas.databases import queue_pool
from django_platform.deploy import gunicorn
from django_platform.deploy.files import project_dir
from django_platform.deploy.procfile import process_types
from django_platform.parsers.env import get_int
from django_platform.parsers.poolers import transaction_pooler
from django_platform.parsers.urlparts import split_url

W019 = "The {alias!r} database accepts {limit} connections ({source}); this deployment may open {demand}: {parts}."
I002 = "The {alias!r} database is reached through {pooler}: its server connections are pooled."
LIMIT_VARIABLE = "DATABASE_MAX_CONNECTIONS"
INSTANCES_VARIABLE = "DJANGO_PLATFORM_WEB_INSTANCES"
POOL_VARIABLE = "DATABASE_CONNECTION_POOL_URL"
# psycopg_pool's default size (Django's "pool": True).
DEFAULT_POOL = 4


def per_process(db: Mapping[str, Any], threads: int) -> int:
    """Connections one process may hold to `db`: one per thread, or its pool's size."""
    pool = (db.get("OPTIONS") or {}).get("pool")
    queue = queue_pool(db)
    if queue is not None:  # django-db-connection-pool's: its size and overflow
        return queue[0]
    if not pool:
        return threads
    size = (pool.get("max_size") or pool.get("min_size")) if isinstance(pool, dict) else None
    return int(size or DEFAULT_POOL)


def demand(
    env: Mapping[str, str],
    db: Mapping[str, Any],
    *,
    workers: int,
    threads: int,
    processes: Mapping[str, str],
    celery: int,
) -> tuple[int, list[str]]:
    """Connections the deployment may open, and how they add up."""
    instances = get_int(env, INSTANCES_VARIABLE, minimum=1) or 1
    web = workers * per_process(db, threads) * instances
    parts = [f"web {workers} worker(s) x {per_process(db, threads)} x {instances} instance(s) = {web}"]
    total = web
    for kind, command in processes.items():
        if kind in ("web", "release", "postdeploy"):
            continue
        if "celery" in command and " worker" in command:
            count, what = celery, f"{kind} {celery} Celery child(ren)"
        else:
            count, what = 1, f"{kind} 1"
        total += count
        parts.append(what)
    return total, parts


def server_limit(alias: str, handler: Any = None) -> int | None:
    """max_connections less the superuser reserve, asked of the database; None if it cannot say."""

    connection = (handler or connections)[alias]
    queries = {
        "postgresql": "SELECT current_setting('max_connections')::int"
        " - current_setting('superuser_reserved_connections')::int",
        "mysql": "SELECT @@max_connections",
    }
    if connection.vendor not in queries:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(queries[connection.vendor])
            row = cursor.fetchone()
    except Error:  # an unreachable database is another finding
        return None
    finally:
        connection.close()
    return int(row[0]) if row else None


def _through_pooler(env: Mapping[str, str], db: Mapping[str, Any]) -> str | None:
    """The pooler the database is reached through, said for I002; None for the server itself."""
    provider = transaction_pooler(db.get("HOST"), db.get("PORT"))
    if provider:
        return f"{provider}'s transaction-mode pooler"
    url = env.get(POOL_VARIABLE, "").strip()
    if not url:
        return None
    try:
        parts = split_url(url, variable=POOL_VARIABLE)
    except ImproperlyConfigured:  # the databases area reports a malformed variable
        return None
    same = (parts.hostname or "") == str(db.get("HOST", "")) and str(parts.port or 5432) == str(db.get("PORT") or 5432)
    return f"PgBouncer ({POOL_VARIABLE})" if same else None


def check_budget(
    env: Mapping[str, str],
    databases: Mapping[str, Mapping[str, Any]],
    *,
    workers: int,
    threads: int,
    processes: Mapping[str, str],
    celery: int,
    ask: Any = server_limit,
) -> list[CheckMessage]:
    # Both read up front, so a bad value is an error even where no limit is known.
    get_int(env, INSTANCES_VARIABLE, minimum=1)
    plan_limit = get_int(env, LIMIT_VARIABLE, minimum=1)
    messages: list[CheckMessage] = []
    for alias, db in databases.items():
        pooler = _through_pooler(env, db)
        if pooler:
            messages.append(
                Info(
                    I002.format(alias=alias, pooler=pooler),
                    hint="Transaction pooling: DISABLE_SERVER_SIDE_CURSORS must be True on this database (configure() "
                    "sets it for Neon's and Supabase's poolers).",
                    id="django_platform.I002",
                )
            )
            continue
        # The variable describes the default database's plan (Heroku Essential: 20).
        limit = plan_limit if alias == "default" else None
        source = LIMIT_VARIABLE if limit else "the server's max_connections"
        if not limit:
            limit = ask(alias)
        if not limit:
            continue
        total, parts = demand(env, db, workers=workers, threads=threads, processes=processes, celery=celery)
        if total > limit:
            messages.append(
                Warning(
                    W019.format(alias=alias, limit=limit, source=source, demand=total, parts="; ".join(parts)),
                    hint="Lower WEB_CONCURRENCY or GUNICORN_THREADS, use a pool (DATABASE_POOL) or PgBouncer "
                    f"({POOL_VARIABLE} on Heroku), or a larger database plan. During a release old and new "
                    "processes are connected at once.",
                    id="django_platform.W019",
                )
            )
    return messages


def budget_here(env: Mapping[str, str], platform: Any) -> list[CheckMessage]:
    """check_budget() for this project: gunicorn's values as they would apply here, the
    Procfile's processes, Celery's worker concurrency."""

    cpus, memory = machine.cpu_limit(), machine.memory_limit()
    try:
        values = gunicorn.settings(env, platform, cpus=cpus, memory=memory)
    except ImproperlyConfigured:
        return []  # an invalid value: platform_check names it in its gunicorn section
    procfile = project_dir() / "Procfile"
    text = procfile.read_text(encoding="utf-8-sig", errors="replace") if procfile.is_file() else ""
    celery = getattr(settings, "CELERY_WORKER_CONCURRENCY", None) or machine.task_concurrency(
        env, cpus=cpus, memory=memory, platform=platform
    )
    return check_budget(
        env,
        settings.DATABASES,
        workers=values["workers"],
        threads=values["threads"],
        processes=process_types(text),
        celery=int(celery),
    )
