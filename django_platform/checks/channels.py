"""Channel layers that do not reach every process: Channels' in-memory layer, or none, on a
platform that runs several processes and nodes; channels-redis's layer on a Python that loses the
cancellation of its receive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from django_platform.areas.channels import CORE, IN_MEMORY, INSTALL, uses_channels
from django_platform.checks import environment, target_platform
from django_platform.checks.python import PlatformPython, ask_in, platform_pythons

E032 = (
    "The channel layer is Channels' in-memory one: a message sent in one process never reaches the consumers "
    "of another, and {platform} runs several."
)
W033 = "Channels has no channel layer: group_send and channel_layer.send fail in every consumer that uses them."
# Python 3.10 and 3.11's asyncio.wait_for returns the inner result where a cancellation comes as it
# completes (3.12 rebuilt it on asyncio.timeout). redis-py's sends go through it, so the consumer
# that takes channels-redis's receive lock as another's receive is cancelled, and is cancelled while
# reconnecting, waits out the 5 s blocking pop (ten consumers ending together: 6 of 6 runs on 3.10.13,
# 4 of 6 on 3.11.7, redis-py 8.2; none on 3.12; tests/test_asgi.py holds the libraries to it).
W056 = (
    "The channel layer is channels-redis's on Python {version} ({source}), where asyncio.wait_for can lose a "
    "cancellation (fixed in 3.12) in redis-py's sends: of consumers ending together, as at every stop, one can wait "
    "out channels-redis's 5 s blocking pop and end with redis's TimeoutError (an exception in the ASGI application)."
)
HINT_W056 = "Run Python 3.12 or newer ({file}): the stop then ends them at once."
HINT = f"Attach a Redis add-on (REDIS_URL) and install channels-redis ({INSTALL}): configure() sets CHANNEL_LAYERS."


def check_channel_layer(
    app_configs: Any = None, *, pythons: tuple[PlatformPython, ...] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """`pythons`: those judged (platform_pythons()'s by default)."""
    platform = target_platform()
    current = {
        name: getattr(settings, name) for name in ("INSTALLED_APPS", "CHANNEL_LAYERS") if hasattr(settings, name)
    }
    if platform.development or not uses_channels(current, environment()):
        return []
    layers = current.get("CHANNEL_LAYERS") or {}
    default = layers.get("default") if isinstance(layers, dict) else None
    if not isinstance(default, dict):
        return [Warning(W033, hint=HINT, id="django_platform.W033")]
    if default.get("BACKEND") == IN_MEMORY:
        return [Error(E032.format(platform=platform.label), hint=HINT, id="django_platform.E032")]
    if default.get("BACKEND") != CORE:
        return []
    return [
        Warning(
            W056.format(version=".".join(map(str, python.version)), source=python.source),
            hint=HINT_W056.format(file=ask_in(python.file)),
            id="django_platform.W056",
        )
        for python in (pythons if pythons is not None else platform_pythons(platform))
        if python.version < (3, 12)
    ]


CHECKS = (check_channel_layer,)
