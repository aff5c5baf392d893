"""Time of the platform checks against the number of models with file fields.

    python benchmarks/checks.py [--sizes 100,500,1000,2000,5000]

Each size runs in a fresh process with a generated app of N models, each with a FileField on the
local disk (so E001 has every field to inspect). Prints the median of 5 runs per size, the time per
model, and the growth between sizes; target: under 200 ms at 2,000 models, linear growth.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_platform", "benchapp"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField", BASE_DIR=sys.argv[1], SECRET_KEY="x" * 50,
)
django.setup()
from django.core import checks
from django_platform.checks import TAG, judging
from django_platform.platforms import BY_NAME
times = []
with judging(BY_NAME["qoddi"]):
    for _ in range(5):
        start = time.perf_counter()
        found = checks.run_checks(tags=[TAG], include_deployment_checks=True)
        times.append(time.perf_counter() - start)
print(json.dumps({"seconds": statistics.median(times), "ids": sorted({m.id for m in found})}))
"""


def make_app(root: Path, models: int) -> None:
    app = root / "benchapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    lines = ["from django.db import models", ""]
    for i in range(models):
        lines += [f"class Model{i}(models.Model):", "    file = models.FileField()", ""]
    (app / "models.py").write_text("\n".join(lines))


def measure(models: int) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        make_app(Path(tmp), models)
        out = subprocess.run(
            [sys.executable, "-c", PROBE, tmp], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
    result = json.loads(out.splitlines()[-1])
    return result["seconds"], result["ids"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,500,1000,2000,5000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {n: measure(n) for n in sizes}
    print("platform checks (median of 5), judged against Qoddi")
    previous = None
    for n, (seconds, ids) in results.items():
        growth = f"  x{seconds / previous[1]:.2f} time for x{n / previous[0]:.1f} models" if previous else ""
        print(f"  {n:5d} models  {seconds * 1000:8.2f} ms  {seconds / n * 1e6:6.1f} us/model{growth}  {ids}")
        previous = (n, seconds)
    if 2000 in results:
        verdict = "meets" if results[2000][0] < 0.2 else "MISSES"
        print(f"2,000 models: {results[2000][0] * 1000:.1f} ms ({verdict} the 200 ms target)")


if __name__ == "__main__":
    main()
