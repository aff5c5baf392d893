"""WhiteNoise's middleware, async-capable: what configure() lists in its place under ASGI where the
middleware's hooks run on the event loop (django_platform/inline_middleware.py).

WhiteNoiseMiddleware is sync-only, so under ASGI Django runs it, and every middleware above it, in a
thread, and calls the rest of the chain back on the event loop. Here a request that is not for a
static file costs a dict lookup on the event loop (as WhiteNoise's own, without autorefresh); a
static file is answered from the request's thread, where WhiteNoise opens it and the first 64 KiB
are read in the same trip; the rest is read in blocks from a thread as the event loop sends them
(WhiteNoise's response is a sync iterator, which Django's ASGI handler reads whole into memory first,
with a warning). Everything else is WhiteNoise's: settings, headers, compression, the storage. Under
WSGI it is WhiteNoise unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware

# Bytes read per trip to a thread: most stylesheets and scripts in one, one block in memory per response.
BLOCK = 64 * 1024


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, **kwargs: Any) -> None:
        super().__init__(get_response, **kwargs)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: Any) -> Any:
        if self.autorefresh:  # WhiteNoise looks on disk (DEBUG, or WHITENOISE_AUTOREFRESH)
            static_file = await sync_to_async(self.find_file, thread_sensitive=True)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        response, first, left = await sync_to_async(self._serve, thread_sensitive=True)(static_file, request)
        response.streaming_content = _body(response.file_to_stream, first, left)
        return response

    def _serve(self, static_file: Any, request: Any) -> tuple[Any, bytes, int | None]:
        """WhiteNoise's response with its body's first block, read in the same trip to the thread
        (a stylesheet or a script whole), and the bytes left (None: to the end of the file)."""
        response = self.serve(static_file, request)
        # A file, or a slice of one for a range; none for HEAD or a 304.
        file = response.file_to_stream
        if file is None:
            return response, b"", 0
        length = int(response["Content-Length"]) if response.has_header("Content-Length") else None
        first = file.read(BLOCK if length is None else min(BLOCK, length))
        return response, first, None if length is None else length - len(first)


async def _body(file: Any, first: bytes, left: int | None) -> AsyncIterator[bytes]:
    """The body: the first block, then the rest a block at a time, each read in a thread (a plain
    read: any thread will do), until `left` bytes (None: the end of the file) or the file ends. The
    response closes the file, as it does for WhiteNoise."""
    if first:
        yield first
    read = None if file is None else sync_to_async(file.read, thread_sensitive=False)
    while read is not None and left != 0:
        block = await read(BLOCK if left is None else min(BLOCK, left))
        if not block:
            return
        yield block
        left = None if left is None else left - len(block)
