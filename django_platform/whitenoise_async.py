"""WhiteNoise's middleware, async-capable: what configure() lists in its place under ASGI where the
middleware's hooks run on the event loop (django_platform/inline_middleware.py).

WhiteNoiseMiddleware is sync-only, so under ASGI Django runs it, and every middleware above it, in a
thread, and calls the rest of the chain back on the event loop. Here a request that is not for a
static file costs a dict lookup on the event loop (as WhiteNoise's own, without autorefresh); a
static file is answered from the request's thread, where WhiteNoise opens it, and its body is read in
blocks from a thread as the event loop sends them (WhiteNoise's response is a sync iterator, which
Django's ASGI handler reads whole into memory first, with a warning). Everything else is WhiteNoise's:
settings, headers, compression, the storage. Under WSGI it is WhiteNoise unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


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
        if static_file is not None:
            response = await sync_to_async(self.serve, thread_sensitive=True)(static_file, request)
            # WhiteNoiseFileResponse: a file (or a slice of one, for a range), or nothing for HEAD.
            response.streaming_content = _blocks(response.file_to_stream, response.block_size)
            return response
        return await self.get_response(request)


async def _blocks(file: Any, size: int) -> AsyncIterator[bytes]:
    """The file's bytes, a block at a time, each read in a thread (a plain read: any thread will do).
    The response closes the file, as it does for WhiteNoise."""
    if file is None:
        return
    read = sync_to_async(file.read, thread_sensitive=False)
    while block := await read(size):
        yield block
