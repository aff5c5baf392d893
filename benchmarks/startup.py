"""Settings-import cost: django_platform.configure() vs a hand-written dj-database-url settings
file vs django-on-heroku, measured side by side in one run, in fresh processes.

    python benchmarks/startup.py [--runs 40]

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
    "hand-written dj-database-url": COMMON
    + """
import dj_database_url
DATABASES = {"default": dj_database_url.config(conn_max_age=600, conn_health_checks=True, ssl_require=True)}
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


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.create(VENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "-e", str(ROOT), "django-on-heroku"], check=True)
    return python


def measure(python: Path, source: str, runs: int) -> tuple[float, str]:
    env = {**os.environ, "DYNO": "web.1", "DATABASE_URL": "postgres://u:p@db.example.com:5432/app"}
    times, heavy = [], ""
    for _ in range(runs):
        out = subprocess.run(
            [python, "-c", PROBE], input=source, capture_output=True, text=True, env=env, check=True
        ).stdout.splitlines()
        times.append(float(out[0]))
        heavy = out[1] if len(out) > 1 else ""
    return statistics.median(times), heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    python = ensure_venv()
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


if __name__ == "__main__":
    main()
