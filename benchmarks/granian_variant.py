"""The Granian launcher with one of its flags changed, to split what each choice costs:

    python -m granian_variant uvloop example.asgi:application  # uvloop, as before the websocket close
    python -m granian_variant open chat.asgi:application       # asyncio's loop without the close

`open` serves `--interface asginl` (no lifespan, so django_platform.asgi_stop never puts its handler in
front of Granian's and passes websockets through); beside the launcher and `uvloop` it splits what the
close costs a websocket message from what asyncio's loop costs.
"""

from __future__ import annotations

import sys
from typing import Any

import django_platform.granian as launcher

VARIANTS = {
    "uvloop": {"--loop": "uvloop"},
    "open": {"--interface": "asginl", "--loop": "asyncio"},
}


def patched(changes: dict[str, str]) -> Any:
    original = launcher.arguments

    def arguments(*args: Any, **kwargs: Any) -> list[str]:
        found = original(*args, **kwargs)
        for flag, value in changes.items():
            found[found.index(flag) + 1] = value
        return found

    return arguments


if __name__ == "__main__":
    variant, *rest = sys.argv[1:]
    launcher.arguments = patched(VARIANTS[variant])
    sys.exit(launcher.main(rest))
