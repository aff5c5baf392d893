"""Channel layers that do not reach every process: Channels' in-memory layer, or none, on a
platform that runs several processes and nodes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from django_platform.areas.channels import IN_MEMORY, INSTALL, uses_channels
from django_platform.checks import environment, target_platform

E032 = (
    "The channel layer is Channels' in-memory one: a message sent in one process never reaches the consumers "
    "of another, and {platform} runs several."
)
W033 = "Channels has no channel layer: group_send and channel_layer.send fail in every consumer that uses them."
HINT = f"Attach a Redis add-on (REDIS_URL) and install channels-redis ({INSTALL}): configure() sets CHANNEL_LAYERS."


def check_channel_layer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
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
    return []


CHECKS = (check_channel_layer,)
