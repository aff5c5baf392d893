"""Open websockets closed as a restart (1012) when the platform stops a Granian worker, before
Granian's own stop runs.

Granian 2.8 ends a worker's open websockets without a close frame at the stop signal (its issue
#796; 10 of 10 at Heroku's SIGTERM in tests/test_asgi_nodes.py), and once its stop has begun its
transport carries no more sends: a close sent from `lifespan.shutdown` never reached the clients
(measured). So the launcher's application puts a handler of its own in front of Granian's for
SIGTERM and SIGINT, at lifespan startup (Granian has set its handlers on the event loop by then).
On the signal it sends `websocket.close` 1012 to every accepted websocket, hands each application
`websocket.disconnect` (Channels' consumers end on it), waits for their handlers to return (at most
STOP_WAIT seconds), then runs Granian's handler, which drains the requests in flight as before.

asyncio's loop only (the launcher passes `--loop asyncio`): Granian's handlers are read from the
loop's `_signal_handlers` table, private to asyncio, which uvloop does not show; where it is missing
the stop is Granian's own, websockets pass through untouched, and a warning says so at startup.
Django's handler serves no lifespan (it raises, and Granian carries on without), so the lifespan
events are answered here."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from django_platform.asgi_threads import ASGIApp

RESTART = 1012  # "service restart": clients reconnect, as they do after uvicorn-worker's stop
STOP_WAIT = 1.0  # seconds for the websockets' handlers to return before Granian's stop begins
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)  # Granian's own (Fly.io stops with SIGINT)
DISCONNECT = {"type": "websocket.disconnect", "code": RESTART}

logger = logging.getLogger("django_platform.asgi_stop")


def _cancelled_from_outside() -> bool:
    """Whether the running task itself is being cancelled (3.11+ tells; 3.10 does not, and the stop's
    cancel of the wait is taken for what it is)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False


class _Websocket:
    """One websocket's sends, as the application makes them, and its stop."""

    __slots__ = ("closed", "pending", "send", "stop", "told")

    def __init__(self, send: Any) -> None:
        self.send = send
        self.closed = False
        self.stop: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending: Any = None  # the application's wait for its next message (Granian's future-like)
        self.told = False  # handed websocket.disconnect (the stop's, or the server's)

    async def restart(self) -> None:
        """Close it as a restart (once) and end the application's wait for the next message."""
        if not self.closed:
            self.closed = True
            try:
                await self.send({"type": "websocket.close", "code": RESTART})
            except Exception:
                logger.debug("a websocket was gone before its close", exc_info=True)
        if not self.stop.done():
            self.stop.set_result(None)
        if self.pending is not None:
            self.pending.cancel()  # the wait ends with CancelledError, answered below with DISCONNECT


class ClosingWebsockets:
    """`app` with its accepted websockets closed as a restart at the worker's stop signal."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open: set[_Websocket] = set()
        self.stopping: asyncio.Task[None] | None = None
        self.emptied: asyncio.Event | None = None
        self.hooked = False  # no stop of ours to run (no lifespan yet, or uvloop): websockets pass through

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and self.hooked:
            await self.websocket(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        else:
            await self.app(scope, receive, send)

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.hook(asyncio.get_running_loop())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    def hook(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Put the stop in front of the server's handlers of the stop signals; False where the loop
        does not show them (the server's stop alone, then)."""
        table = getattr(loop, "_signal_handlers", None)
        theirs = {s: table.get(s) for s in STOP_SIGNALS} if isinstance(table, dict) else {}
        found = {s: handle for s, handle in theirs.items() if isinstance(handle, asyncio.Handle)}
        if not found:
            logger.warning(
                "Open websockets will end without a close frame at a stop: the event loop (%s) does not show the "
                "server's signal handlers (python -m django_platform.granian runs Granian with --loop asyncio).",
                type(loop).__name__,
            )
            return False
        for signum, handle in found.items():
            loop.add_signal_handler(signum, self.signalled, loop, handle)
        self.hooked = True
        return True

    def signalled(self, loop: asyncio.AbstractEventLoop, theirs: asyncio.Handle) -> None:
        if self.stopping is None:
            self.stopping = loop.create_task(self.stop(theirs))
        elif self.stopping.done():  # closed already: a later signal is the server's
            theirs._run()

    async def stop(self, theirs: asyncio.Handle) -> None:
        """Close every open websocket as a restart, wait (at most STOP_WAIT) for their handlers,
        then run the server's own stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_WAIT
        try:
            self.emptied = asyncio.Event()
            if self.open:
                await asyncio.wait_for(asyncio.gather(*(ws.restart() for ws in list(self.open))), STOP_WAIT)
                if self.open:
                    await asyncio.wait_for(self.emptied.wait(), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            told = sum(ws.told for ws in self.open)
            # Their clients have the close frame; what runs on is the application's own ending.
            logger.warning(
                "%d websocket handler(s) still running %s s after the stop closed their websockets (1012): %d "
                "handed websocket.disconnect and still ending, %d not asking for their next message. Granian's "
                "stop goes on; they end with the worker at the latest.",
                len(self.open),
                STOP_WAIT,
                told,
                len(self.open) - told,
            )
        finally:
            theirs._run()

    async def websocket(self, scope: Any, receive: Any, send: Any) -> None:
        ws = _Websocket(send)

        async def sending(message: Any) -> None:
            kind = message["type"]
            if ws.closed and kind in ("websocket.send", "websocket.close"):
                return  # closed as a restart: the application's late words go nowhere
            if kind == "websocket.accept":
                self.open.add(ws)
                if self.stopping is not None:  # accepted during the stop: closed at once
                    await send(message)
                    await ws.restart()
                    return
            elif kind == "websocket.close":
                ws.closed = True
            await send(message)

        async def receiving() -> Any:
            if ws.stop.done():
                ws.told = True
                return DISCONNECT
            pending = receive()
            if not hasattr(pending, "cancel"):
                message = await pending  # a message there already (Granian's PyDoneAwaitable)
            else:
                # Granian's PyFutureAwaitable, awaited as it is: the stop cancels it. A future of our
                # own per wait, its outcome relayed, cost 6.9 µs a message (benchmarks/websocket_stop_cost.py).
                ws.pending = pending
                try:
                    message = await pending
                except asyncio.CancelledError:
                    if ws.stop.done() and not _cancelled_from_outside():
                        ws.told = True
                        return DISCONNECT
                    raise
                finally:
                    ws.pending = None
            if message["type"] == "websocket.disconnect":  # the client's answer to the close, often
                ws.told = True
            return message

        try:
            await self.app(scope, receiving, sending)
        finally:
            self.open.discard(ws)
            if not self.open and self.emptied is not None:
                self.emptied.set()
