"""The Granian launcher on asyncio's loop without its close at a stop: `--interface asginl` (no
lifespan, so django_platform.asgi_stop never puts its handler in front of Granian's and passes
websockets through). Beside the launcher and benchmarks/granian_uvloop.py it splits what the close
costs a websocket message from what asyncio's loop costs.

    python -m granian_open chat.asgi:application
"""

from __future__ import annotations

import sys
from typing import Any

import django_platform.granian as launcher

_arguments = launcher.arguments


def arguments(*args: Any, **kwargs: Any) -> list[str]:
    found = _arguments(*args, **kwargs)
    found[found.index("--interface") + 1] = "asginl"
    found[found.index("--loop") + 1] = "asyncio"
    return found


launcher.arguments = arguments

if __name__ == "__main__":
    sys.exit(launcher.main(sys.argv[1:]))
