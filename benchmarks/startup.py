"""Settings-import cost: django_platform.configure() vs a hand-written dj-database-url settings
file vs django-on-heroku, measured side by side in one run, in fresh processes.

    python benchmarks/startup.py [--runs 40] [--against REV]

--against REV also times configure() from another revision of this repository (a git worktree,
put first on PYTHONPATH), alternating with this one, pinned to one CPU where taskset exists: a
change's own cost, side by side in one run.

django-on-heroku is installed into the benchmark's own virtualenv (benchmarks/.venv), never into
the project's. Prints medians and ratios; not part of CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"

COMMON = """
BASE_DIR = "/tmp"
SECRET_KEY = "bench"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
"""

VARIANTS = {
    "bare settings (no database from env)": COMMON,
    # What a careful user writes by hand for the same result on Heroku.
    "hand-written dj-database-url": COMMON
    + """
import os
import dj_database_url
DATABASES = {"default": dj_database_url.config(conn_max_age=600, conn_health_checks=True, ssl_require=True)}
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DJANGO_DEBUG", "false").lower() in ("1", "true", "yes", "on")
ALLOWED_HOSTS = [os.environ["HEROKU_APP_DEFAULT_DOMAIN_NAME"]]
CSRF_TRUSTED_ORIGINS = ["https://" + h for h in ALLOWED_HOSTS]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 3600
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STATIC_ROOT = BASE_DIR + "/staticfiles"
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": os.environ["REDIS_URL"], "OPTIONS": {"ssl_cert_reqs": "none"}}}
""",
    "django_platform.configure()": COMMON
    + """
import django_platform
django_platform.configure(globals())
""",
    "django-on-heroku": COMMON
    + """
import django_on_heroku
django_on_heroku.settings(locals(), staticfiles=False, logging=False)
""",
}

# Time only the settings import, inside a fresh interpreter each run. django.conf is imported
# first because that is where a real process imports settings from (django.conf.Settings).
PROBE = """
import sys, time, types
import django.conf
source = sys.stdin.read()
start = time.perf_counter()
module = types.ModuleType("bench_settings")
exec(compile(source, "bench_settings.py", "exec"), module.__dict__)
print(time.perf_counter() - start)
heavy = [m for m in ("django.test", "gunicorn", "whitenoise.middleware") if m in sys.modules]
print(",".join(heavy))
"""


# A Heroku dyno with a database, a host name, a key and a Redis add-on.
ENVIRONMENT = {
    "DYNO": "web.1",
    "DATABASE_URL": "postgres://u:p@db.example.com:5432/app",
    "HEROKU_APP_DEFAULT_DOMAIN_NAME": "app-1a2b.herokuapp.com",
    "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
    "REDIS_URL": "redis://:p@redis.example.com:6379",
}


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.create(VENV, with_pip=True)
    # redis: the Redis cache backend's client library, which configure() requires when REDIS_URL is set.
    # uvicorn-worker (the asgi extra), Granian and ServeStatic: benchmarks/asgi.py's servers; Channels,
    # Daphne and the websockets client: benchmarks/websocket_echo.py; django-cors-headers and
    # django-allauth: cookiecutter-django's middleware in benchmarks/asgi_handler.py; mysqlclient and
    # django-db-connection-pool (the mysql extra): benchmarks/mysql_pool.py.
    probe = (
        "import redis, django_on_heroku, matplotlib, uvicorn_worker, granian, servestatic, channels, daphne,"
        " websockets, corsheaders, allauth, MySQLdb, dj_db_conn_pool"
    )
    if subprocess.run([python, "-c", probe], capture_output=True).returncode:
        packages = [
            "-e",
            f"{ROOT}[postgres,mysql,brotli,redis,asgi,channels]",
            "django-on-heroku",
            "matplotlib",
            "granian",
            "servestatic",
            "daphne",
            "websockets",
            "django-cors-headers",
            "django-allauth",
        ]
        subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True)
    return python


def measure(python: Path, source: str, runs: int) -> tuple[float, str]:
    # Deployed code runs from bytecode (pip and buildpacks compile it); so does every variant here.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(ENVIRONMENT)
    times, heavy = [], ""
    for _ in range(runs):
        out = subprocess.run(
            [python, "-c", PROBE], input=source, capture_output=True, text=True, env=env, check=True
        ).stdout.splitlines()
        times.append(float(out[0]))
        heavy = out[1] if len(out) > 1 else ""
    return statistics.median(times), heavy


def against(python: Path, rev: str, runs: int) -> None:
    """configure() from `rev` and from this tree, alternating, in fresh processes."""
    import shutil
    import tempfile

    worktree = Path(tempfile.mkdtemp(prefix="startup-")) / "rev"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-f", "-q", str(worktree), rev], check=True)
    try:
        trees = {rev: worktree, "this tree": ROOT}
        for tree in trees.values():
            subprocess.run([python, "-m", "compileall", "-q", str(tree / "django_platform")], check=True)
        pin = ["taskset", "-c", "1"] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []
        source = VARIANTS["django_platform.configure()"]
        times: dict[str, list[float]] = {name: [] for name in trees}
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for _ in range(runs):
            for name, tree in trees.items():
                env = {**base, **ENVIRONMENT, "PYTHONPATH": str(tree)}
                out = subprocess.run(
                    [*pin, python, "-c", PROBE], input=source, capture_output=True, text=True, env=env, check=True
                )
                times[name].append(float(out.stdout.splitlines()[0]))
        print(f"configure(), {runs} alternating fresh processes{' pinned to CPU 1' if pin else ''}:")
        for name, values in times.items():
            print(f"  {name:12s} median {statistics.median(values) * 1000:6.2f} ms  min {min(values) * 1000:6.2f} ms")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--against", metavar="REV", help="also time configure() from this git revision")
    args = parser.parse_args()
    python = ensure_venv()
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "django_platform")], check=True)
    results = {}
    for name, source in VARIANTS.items():
        results[name] = measure(python, source, args.runs)
    base = results["hand-written dj-database-url"][0]
    print(f"settings import, median of {args.runs} fresh processes ({sys.platform}, {os.cpu_count()} CPUs)")
    for name, (seconds, heavy) in results.items():
        extra = f"  imports {heavy}" if heavy else ""
        print(f"  {name:40s} {seconds * 1000:7.2f} ms  x{seconds / base:5.2f} vs hand-written{extra}")
    added = (results["django_platform.configure()"][0] - base) * 1000
    print(f"django_platform adds {added:+.2f} ms over hand-written (target: under 10 ms)")
    if args.against:
        against(python, args.against, args.runs)


if __name__ == "__main__":
    main()
