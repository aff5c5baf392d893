"""What the Granian launcher's close at a stop (django_platform.asgi_stop) costs each websocket
message, without a server or sockets, in one run.

    python benchmarks/websocket_stop_cost.py [--messages 100000] [--rounds 5]

An echo application (as a consumer: await the next message, send it back) is fed messages straight
through its ASGI callables on asyncio's loop, in a process pinned to CPU 0; the server's receive is
a future settled by the loop, as Granian's is (its PyFutureAwaitable). Configurations, each in a
fresh process, rounds alternating:

- the application alone: the loop's own cost per message (the anchor);
- behind `ClosingWebsockets` not hooked (uvloop, or no lifespan): the pass-through;
- behind `ClosingWebsockets` hooked, as the launcher serves it on asyncio's loop: each send and each
  wait for a message go through its wrappers.

Each cell: microseconds per message (median of the rounds, spread) and the difference from the
application alone. Results in benchmarks/results/websocket_stop_cost.md and .json. Not part of CI.
The end-to-end cost under Granian, with a network client, is benchmarks/websocket_echo.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CONFIGS = {
    "the application alone": "alone",
    "ClosingWebsockets, not hooked": "passing",
    "ClosingWebsockets, hooked (the launcher on asyncio's loop)": "hooked",
}


async def echo(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message["text"]})


async def feed(app: Any, messages: int) -> float:
    """Microseconds per message: each send is answered by the next message, which settles the
    future the application's next receive() returns (on the loop's next turn, as a server's)."""
    loop = asyncio.get_running_loop()
    answers: list[Any] = []
    count = 0

    async def send(message: Any) -> None:
        nonlocal count
        count += 1
        if count > messages:
            answers.append({"type": "websocket.disconnect", "code": 1000})
        else:
            answers.append({"type": "websocket.receive", "text": "hello"})

    def receive() -> asyncio.Future[Any]:
        waiting = loop.create_future()
        loop.call_soon(waiting.set_result, answers.pop())
        return waiting

    started = time.perf_counter()
    await app({"type": "websocket"}, receive, send)
    return (time.perf_counter() - started) / messages * 1e6


def child(kind: str, messages: int) -> float:
    # Local: the benchmark's parent never imports the package.
    from django_platform.asgi_stop import ClosingWebsockets

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app: Any = echo
    if kind != "alone":
        app = ClosingWebsockets(echo)
        if kind == "hooked":
            loop.add_signal_handler(signal.SIGTERM, lambda: None)  # the server's handler, as Granian sets it
            if not app.hook(loop):
                raise RuntimeError("the stop was not hooked")
    loop.run_until_complete(feed(app, messages // 10))  # warm up
    return loop.run_until_complete(feed(app, messages))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=sorted(set(CONFIGS.values())))
    args = parser.parse_args()
    if args.child:
        print(child(args.child, args.messages))
        return
    names = list(CONFIGS)
    found: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(args.rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            command = [sys.executable, __file__, "--child", CONFIGS[name], "--messages", str(args.messages)]
            out = subprocess.run(["taskset", "-c", "0", *command], check=True, capture_output=True, text=True)
            found[name].append(float(out.stdout))
    alone = statistics.median(found[names[0]])
    lines = [
        "# What the Granian launcher's websocket close costs a message",
        "",
        f"`python benchmarks/websocket_stop_cost.py --messages {args.messages} --rounds {args.rounds}`; in-process, "
        f"asyncio's loop, pinned to CPU 0; median of {args.rounds} alternating rounds.",
        "",
        "| configuration | µs per message | spread | µs over the application alone |",
        "|---|---|---|---|",
    ]
    for name in names:
        median = statistics.median(found[name])
        spread = (max(found[name]) - min(found[name])) / 2 / median * 100
        lines.append(f"| {name} | {median:.2f} | ±{spread:.0f}% | {median - alone:+.2f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "websocket_stop_cost.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "websocket_stop_cost.json").write_text(json.dumps(found, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
