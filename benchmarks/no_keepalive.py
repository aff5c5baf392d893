"""A router that opens a connection per request: the anchors' configurations without keep-alive.

    python benchmarks/no_keepalive.py [--seconds 3] [--rounds 3]

Heroku's sample flags, the generated config, the same counts with gunicorn's stock gthread, and the
previous default, with wrk sending `Connection: close` (as a router without keep-alive to the app
does), on the trivial view and the 50 ms view. Server pinned to CPU 0, wrk to CPU 1; alternating
rounds, medians with the spread. Results in benchmarks/results/no_keepalive.md. Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

VIEWS = {"trivial": "/ping", "I/O 50 ms": "/slow?s=0.05"}
WRK_PIN = ("taskset", "-c", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from run import database_url, in_bench_venv

    in_bench_venv()
    import anchors
    import serving

    env = {**serving.environment(database_url()), "GUNICORN_ACCESSLOG": "off"}
    every = anchors.anchors(1, ("taskset", "-c", "0"))
    wanted = ("Heroku sample flags", "generated", "generated, stock gthread")
    configs = [c for c in every if c.name in wanted or c.name.startswith("previous default")]
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {c.name: {v: [] for v in VIEWS} for c in configs}
    os.sched_setaffinity(0, {1})
    with tempfile.TemporaryDirectory() as tmp:
        project = serving.prepare_project(Path(tmp) / "project", env, sys.executable)
        for round_ in range(args.rounds):
            for config in configs if round_ % 2 == 0 else list(reversed(configs)):
                print(f"round {round_ + 1}: {config.name}", flush=True)
                server = serving.Server(project, env, config)
                try:
                    server.start()
                    for view, path in VIEWS.items():
                        result = serving.load(
                            server.port, path, args.seconds, prefix=WRK_PIN, headers={"Connection": "close"}
                        )
                        samples[config.name][view].append((result.rps, result.p99_ms))
                finally:
                    server.stop()
    lines = [
        "# Without keep-alive (a connection per request)",
        "",
        f"`python benchmarks/no_keepalive.py --seconds {args.seconds:g} --rounds {args.rounds}`; server on CPU 0, "
        f"wrk on CPU 1 with `Connection: close`, 16 connections, median of {args.rounds} alternating rounds.",
        "",
        "| configuration | " + " | ".join(f"{v} req/s | spread | p99 ms" for v in VIEWS) + " |",
        "|---|" + "---|---|---|" * len(VIEWS),
    ]
    for config in configs:
        cells = []
        for view in VIEWS:
            rates = [rps for rps, _ in samples[config.name][view]]
            middle = statistics.median(rates)
            spread = (max(rates) - min(rates)) / middle * 50 if middle else 0
            p99 = statistics.median(p for _, p in samples[config.name][view])
            cells.append(f"{middle:,.0f} | ±{spread:.0f}% | {p99:.1f}")
        lines.append(f"| {config.name} | " + " | ".join(cells) + " |")
    (HERE / "results" / "no_keepalive.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
