"""Every benchmark, side by side, in one run: writes benchmarks/results/results.md and PNG plots.

    python benchmarks/run.py [--seconds 5] [--quick]

Serving (the seed default, the generated config, a sweep of 14 worker configurations and a bare WSGI
ceiling, on three views), memory per worker, startup, settings import and check scaling. Runs on
loopback only against the PostgreSQL at 127.0.0.1:5432 (database djp_bench, created if missing),
in its own virtualenv (benchmarks/.venv). Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))


def in_bench_venv() -> None:
    """Re-run this script with benchmarks/.venv's Python (created on first use)."""
    from startup import VENV, ensure_venv

    if Path(sys.prefix).resolve() != VENV.resolve():
        python = ensure_venv()
        script = str(Path(sys.argv[0]).resolve())  # the script that asked: run.py, anchors.py
        os.execv(str(python), [str(python), script, *sys.argv[1:]])  # noqa: S606 - our own venv's Python


def database_url() -> str:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'djp_bench'").fetchone():
            conn.execute("CREATE DATABASE djp_bench")
    return "postgres://postgres@127.0.0.1:5432/djp_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per view and configuration")
    parser.add_argument("--quick", action="store_true", help="fewer configurations, sizes and runs")
    args = parser.parse_args()
    in_bench_venv()

    import checks
    import django
    import gunicorn
    import serving
    import startup

    RESULTS.mkdir(exist_ok=True)
    env = serving.environment(database_url())
    with tempfile.TemporaryDirectory() as tmp:
        project = serving.prepare_project(Path(tmp) / "project", env, sys.executable)
        configs = [serving.SEED, serving.GENERATED, *serving.sweep()[: 4 if args.quick else None], serving.CEILING]
        served = []
        for config in configs:
            print(f"serving: {config.name}", flush=True)
            served.append(serving.run_config(project, env, config, args.seconds))
        finals = {}
        sweep_results = [r for r in served if r["config"] not in (serving.SEED, serving.GENERATED, serving.CEILING)]
        for view in ("trivial", "database", "static"):
            best = max(sweep_results, key=lambda r: r["results"][view].rps)["config"]
            print(f"head to head ({view}): generated config vs {best.name}", flush=True)
            finals[view] = (
                best.name,
                serving.head_to_head(
                    project, env, [serving.GENERATED, best], view, args.seconds, rounds=2 if args.quick else 4
                ),
            )
        memory = serving.memory(project, env)

    print("settings import", flush=True)
    imports = {
        name: startup.measure(Path(sys.executable), source, 10 if args.quick else 30)[0]
        for name, source in startup.VARIANTS.items()
    }
    print("checks", flush=True)
    sizes = [100, 500, 1000] if args.quick else [100, 500, 1000, 2000, 5000]
    scaling = {n: checks.measure(n)[0] for n in sizes}

    machine = {
        "CPUs": os.cpu_count(),
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "load generator": "wrk" if serving.shutil.which("wrk") else "Python",
    }
    report = write_markdown(served, finals, memory, imports, scaling, machine, args.seconds)
    plot(served, scaling)
    print(report)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def write_markdown(
    served: list[dict], finals: dict, memory: dict, imports: dict, scaling: dict, machine: dict, seconds: float
) -> str:
    import serving

    by_name = {r["config"].name: r for r in served}
    seed, generated, ceiling = (by_name[c.name] for c in (serving.SEED, serving.GENERATED, serving.CEILING))
    sweep = [r for r in served if r["config"] not in (serving.SEED, serving.GENERATED, serving.CEILING)]
    lines = [
        "# Benchmark results",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()) + f"; {seconds:g} s of load per view,"
        " 16 connections, loopback.",
        "",
        "## Serving (requests per second; p50 / p99 latency in ms)",
        "",
        "| configuration | workers | trivial view | database view | admin CSS (WhiteNoise) |",
        "|---|---|---|---|---|",
    ]
    for r in served:
        cells = []
        for view in ("trivial", "database", "static"):
            load = r["results"].get(view)
            cells.append(
                f"{load.rps:,.0f} ({load.p50_ms:.1f} / {load.p99_ms:.1f})"
                + (f", {load.errors} errors" if load.errors else "")
                if load
                else ""
            )
        lines.append(f"| {r['config'].name} | {r['workers']} | " + " | ".join(cells) + " |")
    lines += ["", "Ratios from this run:", ""]
    for view in ("trivial", "database", "static"):
        best = max(sweep, key=lambda r: r["results"][view].rps)
        g = generated["results"][view].rps
        lines.append(
            f"- {view}: generated / seed default {ratio(g, seed['results'][view].rps)}; generated / best "
            f"of the sweep ({best['config'].name}) {ratio(g, best['results'][view].rps)}; generated / "
            f"ceiling {ratio(g, ceiling['results']['trivial'].rps)}; seed default / ceiling "
            f"{ratio(seed['results'][view].rps, ceiling['results']['trivial'].rps)}"
        )
    lines += [
        "",
        "Head to head: the generated config against each view's best sweep configuration, alternating, "
        "median requests/s (the best of one noisy sweep is flattered by its luck):",
        "",
    ]
    for view, (best_name, medians) in finals.items():
        g, b = medians["generated config"], medians[best_name]
        lines.append(f"- {view}: generated {g:,.0f} vs {best_name} {b:,.0f}: {ratio(g, b)}")
    lines += [
        "",
        "## Memory (proportional set size per worker, generated config)",
        "",
        f"- with preload: {memory['with preload'] / 1024:.1f} MiB x {memory['with preload workers']} workers",
        f"- without preload: {memory['without preload'] / 1024:.1f} MiB x {memory['without preload workers']} workers",
        "",
        "## Startup",
        "",
        f"- process start to first 200, generated config: {generated['first_200']:.2f} s "
        f"(seed default {seed['first_200']:.2f} s)",
    ]
    base = imports["hand-written dj-database-url"]
    for name, seconds_ in imports.items():
        lines.append(f"- settings import, {name}: {seconds_ * 1000:.2f} ms ({ratio(seconds_, base)} hand-written)")
    lines += ["", "## Checks", "", "| models | platform checks |", "|---|---|"]
    lines += [f"| {n:,} | {s * 1000:.1f} ms |" for n, s in scaling.items()]
    lines += ["", "![serving](serving.png)", "", "![checks](checks.png)", ""]
    text = "\n".join(lines)
    (RESULTS / "results.md").write_text(text)
    return text


def plot(served: list[dict], scaling: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    views = ("trivial", "database", "static")
    names = [r["config"].name for r in served]
    fig, axes = plt.subplots(1, 3, figsize=(18, 7), sharey=True)
    for axis, view in zip(axes, views, strict=True):
        values = [r["results"][view].rps if view in r["results"] else 0 for r in served]
        colours = [
            "tab:red"
            if "seed" in n
            else "tab:green"
            if n == "generated config"
            else "tab:gray"
            if "hello" in n
            else "tab:blue"
            for n in names
        ]
        axis.barh(names, values, color=colours)
        axis.set_title(f"{view} view: requests/s")
        axis.invert_yaxis()
    fig.tight_layout()
    fig.savefig(RESULTS / "serving.png", dpi=90)
    plt.close(fig)

    xs = np.array(list(scaling), dtype=float)
    ys = np.array(list(scaling.values())) * 1000
    slope, intercept = np.polyfit(xs, ys, 1)
    fig, axis = plt.subplots(figsize=(7, 4.5))
    axis.plot(xs, ys, "o", label="measured")
    axis.plot(xs, slope * xs + intercept, "-", label=f"linear fit: {slope * 1000:.2f} ms per 1,000 models")
    axis.axhline(200, color="tab:red", linestyle=":", label="target at 2,000 models: 200 ms")
    axis.set_xlabel("models with file fields")
    axis.set_ylabel("platform checks (ms)")
    axis.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "checks.png", dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main()
