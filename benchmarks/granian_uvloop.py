"""The Granian launcher with uvloop in place of asyncio's loop (as it ran before it closed websockets
at a stop, which needs asyncio's loop): benchmarks/asgi.py measures what the loop costs.

    python -m granian_uvloop example.asgi:application
"""

from __future__ import annotations

import sys
from typing import Any

import django_platform.granian as launcher

_arguments = launcher.arguments


def arguments(*args: Any, **kwargs: Any) -> list[str]:
    found = _arguments(*args, **kwargs)
    found[found.index("--loop") + 1] = "uvloop"
    return found


launcher.arguments = arguments

if __name__ == "__main__":
    sys.exit(launcher.main(sys.argv[1:]))
