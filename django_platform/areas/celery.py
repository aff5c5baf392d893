"""Celery's settings (the CELERY_ namespace of `app.config_from_object("django.conf:settings",
namespace="CELERY")`) from the environment and the platform's broker add-ons, when the project
uses Celery (settings.py has a CELERY_ setting): the broker, the result backend, their TLS, and
on a platform the settings that lose no task when a worker dies or is stopped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.areas.base import Setting, choose
from django_platform.areas.own import note_replaced, platforms_redis, read_variable, settings_source
from django_platform.machine import cpu_limit, memory_cap, memory_limit, task_concurrency
from django_platform.parsers.cache import VALKEY_SCHEMES, as_redis_url
from django_platform.parsers.env import get_int
from django_platform.parsers.urlparts import split_url
from django_platform.platforms import Context
from django_platform.report import Report, Source

BROKER = "CELERY_BROKER_URL"
RESULTS = "CELERY_RESULT_BACKEND"
CONCURRENCY = "CELERY_WORKER_CONCURRENCY"
SCHEMES = ("amqp", "amqps", "pyamqp", "redis", "rediss", "valkey", "valkeys", "sqs", "memory", "filesystem")
# A task is acknowledged once it has run, re-queued when its worker dies, and a worker holds one
# message at a time (what it holds unacknowledged is redelivered, but only after the others).
NO_LOSS = {
    "CELERY_TASK_ACKS_LATE": True,
    "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
    "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
    # Celery 6 stops retrying the first connection by default: a worker that starts before the
    # broker's add-on answers would exit.
    "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
}


def uses_celery(current: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    """Celery's Django pattern keeps its settings under CELERY_ in settings.py: one of them (or
    CELERY_BROKER_URL in the environment) says the project uses Celery. Celery merely installed
    (a dependency of a dependency) says nothing."""
    return any(k.startswith("CELERY_") for k in current) or bool(env.get(BROKER, "").strip())


def checked(url: str, variable: str, report: Report) -> str:
    parts = split_url(url, variable=variable)
    if parts.scheme.lower() not in SCHEMES:
        raise ImproperlyConfigured(f"{variable} must start with one of {', '.join(s + '://' for s in SCHEMES)}.")
    if parts.scheme.lower() in ("amqp", "amqps", "pyamqp", "redis", "rediss", *VALKEY_SCHEMES) and not parts.hostname:
        raise ImproperlyConfigured(f"{variable} names no host.")
    if parts.scheme.lower() in VALKEY_SCHEMES:
        report.note(f"{variable} names a Valkey server: Celery reads it through its Redis transport (redis-py).")
    return as_redis_url(url)


def _url_with_tls(
    setting: str,
    url: str,
    source: Source,
    tls_setting: str,
    ctx: Context,
    current: Mapping[str, Any],
    report: Report,
    *,
    own: bool = True,
) -> dict[str, Any]:
    """The URL, and relaxed verification for the platform's own rediss:// (a self-signed
    certificate) unless settings.py chose its own; `own` False for another provider's URL."""
    values: dict[str, Any] = {setting: url}
    report.record(setting, url, source)
    if url.lower().startswith("rediss://") and not ctx.platform.redis_tls_verify and tls_setting not in current and own:
        # Local: ssl costs settings import milliseconds, and only a rediss:// broker needs it.
        import ssl

        values[tls_setting] = {"ssl_cert_reqs": ssl.CERT_NONE}
        report.record(tls_setting, values[tls_setting], Source("platform", f"{ctx.platform.label}'s Redis certificate"))
    return values


def build_tasks(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any]:
    if not uses_celery(current, ctx.env):
        return {}
    result: dict[str, Any] = {}
    env = ctx.env
    found = None
    read = read_variable(ctx, current.get(BROKER), BROKER)
    own = True
    if ctx.value(BROKER):
        broker, source = checked(env[BROKER], BROKER, report), Source("environment", BROKER, [BROKER])
    elif read is not None:
        # settings.py read its broker from a variable of its choosing (a second Redis add-on's):
        # kept over the platform's, which may serve the cache instead. Another provider's URL
        # keeps its certificate verified.
        broker, source = str(current[BROKER]), settings_source(read)
        if broker.split("://", 1)[0].lower() in SCHEMES:  # valkey:// as Celery reads it
            broker = checked(broker, read, report)
        own = platforms_redis(ctx, read)
    else:
        found = ctx.platform.broker(ctx)
        scheme = split_url(found[0], variable=found[1].text).scheme.lower() if found else ""
        if found is not None and scheme in SCHEMES:
            url, source = found
            broker = checked(url, source.text, report)
            if current.get(BROKER) and current[BROKER] != broker:
                note_replaced(report, BROKER, [current[BROKER]], source.text, BROKER)
        elif current.get(BROKER):
            broker, source = str(current[BROKER]), Source.of("settings.py")
        else:
            broker = ""
    if broker:
        result.update(_url_with_tls(BROKER, broker, source, "CELERY_BROKER_USE_SSL", ctx, current, report, own=own))
    elif found is not None:
        # A cache's URL (unix://, say) is no broker: said, not fatal.
        report.note(f"{found[1].text} is not a broker URL Celery reads: CELERY_BROKER_URL is not set from it.")
    elif not ctx.platform.development:
        report.note("Celery settings but no broker: attach a RabbitMQ or Redis add-on, or set CELERY_BROKER_URL.")

    if ctx.value(RESULTS):
        results, text = checked(env[RESULTS], RESULTS, report), Source("environment", RESULTS, [RESULTS])
    elif current.get(RESULTS):
        results, text = str(current[RESULTS]), Source.of("settings.py")
    elif broker.lower().startswith(("redis://", "rediss://")):
        results, text = broker, Source("default", "the broker's Redis")
    else:
        results = ""
    if results:
        own = own or results != broker
        tls = "CELERY_REDIS_BACKEND_USE_SSL"
        result.update(_url_with_tls(RESULTS, results, text, tls, ctx, current, report, own=own))

    if not ctx.platform.development:
        no_loss = Source("platform", "no task lost when a worker dies or is stopped")
        for name, value in NO_LOSS.items():
            changed, chosen = choose(name, current, report, default=(value, no_loss))
            if changed:
                result[name] = chosen
        result.update(_concurrency(ctx, current, report))
    return result


def machine() -> tuple[float, int | None]:
    """CPUs and memory this process may use (two small cgroup files)."""

    return cpu_limit(), memory_limit()


def _concurrency(ctx: Context, current: Mapping[str, Any], report: Report) -> dict[str, Any]:
    """CELERY_WORKER_CONCURRENCY: the variable, settings.py, else 2 x the CPUs the container may
    use + 1, and no more children than its memory holds."""

    explicit = get_int(ctx.env, CONCURRENCY, minimum=1)

    def sized() -> tuple[int, Source]:
        cpus, memory = machine()
        value = task_concurrency(ctx.env, cpus=cpus, memory=memory, platform=ctx.platform)
        cap = memory_cap(ctx.env, memory, ctx.platform)
        return value, Source("platform", f"2 x {cpus:g} CPU(s) + 1" + (f", {cap}" if cap else ""))

    variable = (explicit, Source("environment", CONCURRENCY, [CONCURRENCY])) if explicit else None
    changed, value = choose(CONCURRENCY, current, report, env=variable, default=sized)
    return {CONCURRENCY: value} if changed else {}


SETTINGS = (
    Setting(
        BROKER,
        (BROKER,),
        "(`valkey://`, `valkeys://` become `redis://`, `rediss://`: Celery reads Valkey through its Redis "
        'transport); then `settings.py`\'s where it read it from a variable (`os.environ["UPSTASH_URL"]`); then '
        "the platform's broker add-ons (`CLOUDAMQP_URL`, `RABBITMQ_URL`, `AMQP_URL`, then Redis: "
        "`REDIS_URL`, `REDIS_TLS_URL`, and the platform's own; its page), a note naming the host of a "
        "`settings.py` value they replace; else `settings.py`'s; on a platform "
        "with none, a note says to attach one. Only when the project uses Celery: a `CELERY_` setting in "
        "`settings.py`, or this variable",
    ),
    Setting(
        RESULTS,
        (RESULTS,),
        "`settings.py`'s; else the broker's Redis when the broker is Redis; else none",
    ),
    Setting(
        "CELERY_BROKER_USE_SSL, CELERY_REDIS_BACKEND_USE_SSL",
        (),
        '`{"ssl_cert_reqs": ssl.CERT_NONE}` for Heroku\'s `rediss://` only (its self-signed certificate; '
        "`REDIS_URL`, `REDIS_TLS_URL`, `HEROKU_REDIS_<COLOR>_URL`, not another provider's variable `settings.py` "
        "reads)",
    ),
    Setting(
        ", ".join(NO_LOSS),
        (),
        "on a platform: "
        + ", ".join(f"`{v!r}`" for v in NO_LOSS.values())
        + ": a task is acknowledged once it has run and redelivered when its worker dies or is stopped mid-task "
        "(tasks must then be safe to run twice); a worker that starts before the broker answers keeps trying",
    ),
    Setting(
        CONCURRENCY,
        (CONCURRENCY,),
        "on a platform: 2 x the CPUs the container may use + 1 prefork children, at most one per 256 MB of its "
        "memory (cgroup limit, else the platform's memory variable); Celery's own default counts the host's CPUs",
    ),
)
