"""The Granian launcher's stop (django_platform.asgi_stop): on the worker's stop signal, open
websockets get a close frame as a restart (1012) and their applications `websocket.disconnect`,
then the server's own handler runs. Here on a real event loop with real signals, the server's
handler registered as Granian registers it; tests/test_asgi_nodes.py holds Granian itself to it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from django_platform import asgi_stop
from django_platform.asgi_stop import RESTART, ClosingWebsockets


class Server:
    """What the tests see of the server: its stop handler's runs, and each websocket's sends."""

    def __init__(self) -> None:
        self.stops: list[int] = []
        self.sent: dict[int, list[Any]] = {}
        self.events: list[str] = []

    def stop(self, signum: int) -> None:  # as Granian's set_loop_signals() handler: it sets an event
        self.stops.append(signum)
        self.events.append("server stop")

    def sender(self, number: int) -> Any:
        self.sent[number] = []

        async def send(message: Any) -> None:
            self.sent[number].append(message)
            self.events.append(f"{number}: {message['type']} {message.get('code', '')}".strip())

        return send


def never() -> asyncio.Future[Any]:
    """Granian's receive when the client says nothing: a future-like awaitable (its PyFutureAwaitable)."""
    return asyncio.get_running_loop().create_future()


class Client:
    """Granian's receive: a ready awaitable where a message is there already (its PyDoneAwaitable),
    else a future the next message settles (its PyFutureAwaitable)."""

    def __init__(self) -> None:
        self.queued: list[Any] = []
        self.waiting: asyncio.Future[Any] | None = None

    def say(self, message: Any) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(message)
        else:
            self.queued.append(message)

    def receive(self) -> Any:
        if self.queued:
            message = self.queued.pop(0)

            async def ready() -> Any:
                return message

            return ready()
        self.waiting = asyncio.get_running_loop().create_future()
        return self.waiting


async def consumer(scope: Any, receive: Any, send: Any) -> None:
    """As Channels' consumers: accept, then answer until websocket.disconnect."""
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            scope["disconnected"] = message["code"]
            await send({"type": "websocket.close", "code": 1000})  # a late close: dropped
            return
        await send({"type": "websocket.send", "text": message["text"]})


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    for signum in asgi_stop.STOP_SIGNALS:
        loop.remove_signal_handler(signum)
    loop.close()


def serve(loop: asyncio.AbstractEventLoop, app: Any, server: Server) -> ClosingWebsockets:
    for signum in asgi_stop.STOP_SIGNALS:
        loop.add_signal_handler(signum, server.stop, signum)
    closing = ClosingWebsockets(app)
    assert closing.hook(loop)
    return closing


def test_a_stop_closes_open_websockets_as_a_restart_before_the_servers_stop(loop: asyncio.AbstractEventLoop) -> None:
    server = Server()
    closing = serve(loop, consumer, server)
    scopes: list[dict[str, Any]] = [{"type": "websocket"} for _ in range(3)]

    async def rehearse() -> None:
        sockets = [asyncio.ensure_future(closing(scope, never, server.sender(n))) for n, scope in enumerate(scopes)]
        await asyncio.sleep(0.05)
        assert len(closing.open) == 3
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(asyncio.gather(*sockets), 2)
        while not server.stops:
            await asyncio.sleep(0.01)

    loop.run_until_complete(rehearse())
    assert server.stops == [signal.SIGTERM]
    for number, scope in enumerate(scopes):
        assert server.sent[number] == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": RESTART}]
        assert scope["disconnected"] == RESTART
    # Every close went out before the server's stop began, and its handlers returned.
    assert server.events[-1] == "server stop" and closing.open == set()


def test_a_second_signal_waits_for_the_close_and_a_later_one_is_the_servers(loop: asyncio.AbstractEventLoop) -> None:
    """Heroku signals every process of the dyno, and Granian's main process signals its workers
    too: the second signal does not cut the close short; once closed, a signal is the server's."""
    server = Server()
    closing = serve(loop, consumer, server)

    async def rehearse() -> None:
        socket = asyncio.ensure_future(closing({"type": "websocket"}, never, server.sender(0)))
        await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)  # Fly.io's stop signal
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(socket, 2)
        while not server.stops:
            await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        while len(server.stops) < 2:
            await asyncio.sleep(0.01)

    loop.run_until_complete(rehearse())
    assert server.stops == [signal.SIGINT, signal.SIGTERM]
    assert server.sent[0] == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": RESTART}]


def test_a_handler_that_does_not_return_delays_the_servers_stop_by_stop_wait_only(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(asgi_stop, "STOP_WAIT", 0.2)
    server = Server()

    async def stubborn(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        if scope.get("deaf"):  # never asks for a message
            await never()
        await send({"type": "websocket.close", "code": 1000})  # closed, and not done
        await receive()  # websocket.disconnect, then it goes on working
        await never()

    closing = serve(loop, stubborn, server)

    async def rehearse() -> float:
        sockets = [
            asyncio.ensure_future(closing({"type": "websocket", "deaf": n == 1}, never, server.sender(n)))
            for n in range(2)
        ]
        await asyncio.sleep(0.05)
        begun = loop.time()
        os.kill(os.getpid(), signal.SIGTERM)
        while not server.stops:
            await asyncio.sleep(0.01)
        for socket in sockets:
            socket.cancel()
        return loop.time() - begun

    with caplog.at_level(logging.WARNING, "django_platform.asgi_stop"):
        waited = loop.run_until_complete(rehearse())
    assert 0.15 < waited < 1, waited
    assert (
        "2 websocket handler(s) still running 0.2 s after the stop closed their websockets (1012): 1 handed "
        "websocket.disconnect and still ending, 1 not asking for their next message. Granian's stop goes on; "
        "they end with the worker at the latest." in caplog.text
    )
    assert server.sent[0] == [
        {"type": "websocket.accept"},
        {"type": "websocket.close", "code": 1000},
    ]  # no second close
    assert server.sent[1] == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": RESTART}]


def test_a_websocket_restarts_once(loop: asyncio.AbstractEventLoop) -> None:
    server = Server()

    async def twice() -> None:
        ws = asgi_stop._Websocket(server.sender(0))
        await ws.restart()
        await ws.restart()
        assert ws.stop.done()

    loop.run_until_complete(twice())
    assert server.sent[0] == [{"type": "websocket.close", "code": RESTART}]


def test_messages_keep_flowing_until_the_stop(loop: asyncio.AbstractEventLoop) -> None:
    """Before a stop the wrapper passes each message both ways; a websocket that closes itself is
    not closed again; one accepted during the stop is closed at once; HTTP passes through."""
    server = Server()
    closing = serve(loop, consumer, server)
    client = Client()

    async def rehearse() -> None:
        client.say({"type": "websocket.receive", "text": "hello"})  # there before the wait
        talking = asyncio.ensure_future(closing({"type": "websocket"}, client.receive, server.sender(0)))
        await asyncio.sleep(0.05)
        assert server.sent[0][-1] == {"type": "websocket.send", "text": "hello"}
        client.say({"type": "websocket.receive", "text": "again"})  # settles the wait
        await asyncio.sleep(0.05)
        assert server.sent[0][-1] == {"type": "websocket.send", "text": "again"}
        client.say({"type": "websocket.disconnect", "code": 1001})  # the client leaves
        await asyncio.wait_for(talking, 1)
        assert closing.open == set()
        os.kill(os.getpid(), signal.SIGTERM)
        while not server.stops:
            await asyncio.sleep(0.01)
        await closing({"type": "websocket"}, never, server.sender(1))  # accepted during the stop
        answered: list[Any] = []

        async def http(scope: Any, receive: Any, send: Any) -> None:
            answered.append(scope["type"])

        closing.app = http
        await closing({"type": "http"}, never, server.sender(2))
        assert answered == ["http"]

    loop.run_until_complete(rehearse())
    # The first closed itself (1000 after the client's 1001): no restart close on top.
    assert server.sent[0][-1] == {"type": "websocket.close", "code": 1000}
    assert server.sent[1] == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": RESTART}]


def test_the_wait_for_a_message_ends_as_the_servers_does(loop: asyncio.AbstractEventLoop) -> None:
    """An error or a cancel of Granian's wait reaches the application as it would without us; a
    message that comes after the stop settled the wait goes nowhere."""
    server = Server()
    outcomes: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        try:
            outcomes.append(await receive())
        except BaseException as exc:
            outcomes.append(type(exc))

    closing = serve(loop, app, server)

    async def rehearse() -> None:
        for end in ("fail", "drop"):
            client = Client()
            handler = asyncio.ensure_future(closing({"type": "websocket"}, client.receive, server.sender(0)))
            await asyncio.sleep(0.01)
            assert client.waiting is not None
            if end == "fail":
                client.waiting.set_exception(OSError("the connection broke"))
            else:
                client.waiting.cancel()
            await asyncio.wait_for(handler, 1)
        client = Client()
        handler = asyncio.ensure_future(closing({"type": "websocket"}, client.receive, server.sender(1)))
        await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(handler, 1)
        client.say({"type": "websocket.receive", "text": "too late"})
        await asyncio.sleep(0.01)

    loop.run_until_complete(rehearse())
    assert outcomes == [OSError, asyncio.CancelledError, {"type": "websocket.disconnect", "code": RESTART}]


def test_a_handler_cancelled_as_the_stop_comes_stays_cancelled(loop: asyncio.AbstractEventLoop) -> None:
    """The stop ends the wait by cancelling Granian's awaitable and answers that with
    websocket.disconnect; a cancel of the handler's own task at the same moment is not swallowed
    (Python 3.11+ tells the two apart; on 3.10 the handler gets websocket.disconnect and ends)."""
    server = Server()
    outcomes: list[Any] = []
    handlers: list[asyncio.Future[None]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        try:
            outcomes.append(await receive())
        except asyncio.CancelledError:
            outcomes.append(asyncio.CancelledError)
            raise

    closing = serve(loop, app, server)
    sender = server.sender(0)

    async def send(message: Any) -> None:
        if message["type"] == "websocket.close":  # the stop's close: the handler is cancelled too
            handlers[0].cancel()
        await sender(message)

    async def rehearse() -> None:
        handlers.append(asyncio.ensure_future(closing({"type": "websocket"}, Client().receive, send)))
        await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait([handlers[0]], timeout=1)
        while not server.stops:
            await asyncio.sleep(0.01)

    loop.run_until_complete(rehearse())
    if sys.version_info >= (3, 11):
        assert outcomes == [asyncio.CancelledError] and handlers[0].cancelled()
    else:  # pragma: no cover - Python 3.10 (tox)
        assert outcomes == [{"type": "websocket.disconnect", "code": RESTART}]
    assert server.stops == [signal.SIGTERM] and closing.open == set()


def test_a_gone_client_and_a_cancelled_handler(loop: asyncio.AbstractEventLoop) -> None:
    server = Server()
    closing = serve(loop, consumer, server)

    async def gone(message: Any) -> None:
        if message["type"] == "websocket.close":
            raise OSError("the client is gone")

    async def rehearse() -> None:
        socket = asyncio.ensure_future(closing({"type": "websocket"}, never, gone))
        cancelled = asyncio.ensure_future(closing({"type": "websocket"}, never, server.sender(1)))
        await asyncio.sleep(0.05)
        cancelled.cancel()  # its server dropped it: the wait for its next message ends too
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(socket, 1)
        while not server.stops:
            await asyncio.sleep(0.01)

    loop.run_until_complete(rehearse())
    assert server.stops == [signal.SIGTERM] and closing.open == set()


def test_without_the_servers_handlers_in_sight_the_stop_is_the_servers(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    """No handler on the loop (or uvloop's, which Python cannot read): a warning, and nothing else
    changes; the lifespan events are answered all the same."""
    closing = ClosingWebsockets(consumer)
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.later"}, {"type": "lifespan.shutdown"}])
    answers: list[Any] = []

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        answers.append(message["type"])

    with caplog.at_level(logging.WARNING, "django_platform.asgi_stop"):
        loop.run_until_complete(closing({"type": "lifespan"}, receive, send))
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert "Open websockets will end without a close frame at a stop" in caplog.text
    assert "(_UnixSelectorEventLoop)" in caplog.text
    # Its websockets pass through untouched: the application's own receive and send.
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.extend([receive, send])

    closing.app = app
    loop.run_until_complete(closing({"type": "websocket"}, receive, send))
    assert seen == [receive, send]
    uvloop = pytest.importorskip("uvloop")
    other = uvloop.new_event_loop()
    try:
        other.add_signal_handler(signal.SIGTERM, lambda: None)
        assert not ClosingWebsockets(consumer).hook(other)
        other.remove_signal_handler(signal.SIGTERM)
    finally:
        other.close()
