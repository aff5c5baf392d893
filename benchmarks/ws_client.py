"""Websocket echo load: N connections, each sending a message and awaiting its echo in a loop for
S seconds; prints {"messages", "p50_ms", "p99_ms", "errors"} as JSON. Run by benchmarks/websocket_echo.py
on its own CPU."""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from websockets.asyncio.client import connect


async def client(url: str, origin: str, deadline: float, rtts: list[float], errors: list[str]) -> None:
    try:
        async with connect(url, origin=origin, open_timeout=30, ping_interval=None) as ws:  # type: ignore[arg-type]
            n = 0
            while time.monotonic() < deadline:
                sent = time.perf_counter()
                await ws.send(f"m{n}")
                await ws.recv()
                rtts.append(time.perf_counter() - sent)
                n += 1
    except Exception as exc:
        errors.append(type(exc).__name__)


async def main(port: int, path: str, connections: int, seconds: float) -> dict[str, float | int]:
    url, origin = f"ws://127.0.0.1:{port}{path}", "http://127.0.0.1"
    rtts: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(url, origin, deadline, rtts, errors) for _ in range(connections)))
    rtts.sort()

    def pick(q: float) -> float:
        return rtts[min(len(rtts) - 1, int(q * len(rtts)))] * 1000 if rtts else 0.0

    return {
        "messages": len(rtts),
        "per_s": len(rtts) / seconds,
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "errors": len(errors),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/ws/echo/")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.port, args.path, args.connections, args.seconds))))
