"""The middleware that cost a project served over ASGI thread hops it could avoid (W052).

Each hop moves a request from the event loop to a thread and back (or the reverse). Django makes one
where two neighbours in MIDDLEWARE run in different modes, and two for each `MiddlewareMixin`
middleware it runs in async mode (process_request and process_response each go to a thread);
benchmarks/asgi.py measured what they cost (docs/asgi.md). `hops()` follows
`BaseHandler.load_middleware`, Django's own rule for each middleware's mode; tests/test_hops.py
holds it to the hops a real request makes."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import partial
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from django_platform.areas.asgi import SYNC_CHAIN
from django_platform.attempt import Failed, attempt
from django_platform.inline_middleware import installed

W052 = (
    "Under ASGI, MIDDLEWARE makes each request hop between the event loop and a thread {extra} more times than it "
    "needs: {named}."
)


def _async(cls: type, below_async: bool) -> bool:
    """The mode Django runs a middleware in, given the mode of the handler below it."""
    can_sync = getattr(cls, "sync_capable", True)
    can_async = getattr(cls, "async_capable", False)
    # Async only where it can be and the handler below is async, or where it cannot be sync.
    return bool(can_async) and (below_async or not can_sync)


def _own(cls: type, method: str) -> bool:
    found = getattr(cls, method, None)
    return found is not None and not iscoroutinefunction(found)


def _mixin(cls: Any) -> bool:
    """A MiddlewareMixin class (a middleware may be a function factory, as Django allows)."""
    return isinstance(cls, type) and issubclass(cls, MiddlewareMixin)


def _hooks(cls: type) -> int:
    """The hooks a MiddlewareMixin middleware runs in a thread of their own in async mode."""
    return _own(cls, "process_request") + _own(cls, "process_response")


def hops(classes: Sequence[type], inline: AbstractSet[type] = frozenset()) -> int:
    """The hops one GET request to a view makes through these middleware under ASGI (beyond those
    of the handler itself: the signals, the view); `inline`: the classes whose hooks run on the event
    loop (django_platform.inline_middleware) when Django runs them in async mode."""
    total = 0
    below = True  # the handler at the bottom is async under ASGI
    for cls in reversed(classes):
        mode = _async(cls, below)
        total += mode != below  # the handler below is adapted: one hop per request
        if mode and _mixin(cls) and cls not in inline:
            total += _hooks(cls)
        # process_view is adapted to the server's mode whatever the chain's: a hop where it is sync.
        total += _own(cls, "process_view") and not (mode and cls in inline)
        below = mode
    return total + (not below)  # the chain's top, adapted to the async server


def _best(names: Sequence[str], classes: dict[str, type], inline: AbstractSet[type]) -> list[str]:
    """The order of these middleware that makes the fewest hops: async-only ones first, then the
    others in their order, with SyncChainMiddleware last unless every other one is async-capable."""
    rest = [name for name in names if name != SYNC_CHAIN]
    first = [name for name in rest if not getattr(classes[name], "sync_capable", True)]
    plain = [*first, *(name for name in rest if name not in first)]
    chained = [*plain, SYNC_CHAIN]
    return chained if _cost(chained, classes, inline) < _cost(plain, classes, inline) else plain


def _cost(order: Sequence[str], classes: dict[str, type], inline: AbstractSet[type]) -> int:
    return hops([classes[name] for name in order], inline)


def costs(
    names: Sequence[str], classes: dict[str, type], inline: AbstractSet[type] = frozenset()
) -> tuple[int, list[tuple[str, int, str]]]:
    """The hops per request MIDDLEWARE makes beyond the best order, and what each departure from it
    costs on its own: (what, hops, why)."""
    best = _best(names, classes, inline)
    extra = _cost(names, classes, inline) - _cost(best, classes, inline)
    if extra <= 0:
        return 0, []
    found = []
    for index, name in enumerate(names):
        if getattr(classes[name], "sync_capable", True) or all(
            not getattr(classes[n], "sync_capable", True) for n in names[:index]
        ):
            continue
        # Where it is (after the same middleware), the rest in the best order.
        after = names[index - 1]
        variant = [n for n in best if n != name]
        variant.insert(variant.index(after) + 1 if after in variant else 0, name)
        found.append(
            (
                name,
                _cost(variant, classes, inline) - _cost(best, classes, inline),
                "async-only, under sync-mode middleware",
            )
        )
    if (SYNC_CHAIN in names) != (SYNC_CHAIN in best):
        variant = [n for n in best if n != SYNC_CHAIN] if SYNC_CHAIN in best else [*best, SYNC_CHAIN]
        saved = _cost(variant, classes, inline) - _cost(best, classes, inline)
        if SYNC_CHAIN in best:
            hooked = [n for n in best if _mixin(classes[n]) and _hooks(classes[n]) and classes[n] not in inline]
            why = "MiddlewareMixin middleware then run in async mode, a hop for each hook: " + ", ".join(hooked)
            found.append(("no SyncChainMiddleware last", saved, why))
        else:
            found.append((SYNC_CHAIN, saved, "every other middleware is async-capable"))
    return extra, [item for item in found if item[1] > 0]


def check_middleware() -> list[CheckMessage]:
    """W052 for the project's MIDDLEWARE (called where the web line serves ASGI)."""
    names = list(getattr(settings, "MIDDLEWARE", None) or [])
    if not all(isinstance(name, str) for name in names):
        return []
    classes: dict[str, Any] = {SYNC_CHAIN: import_string(SYNC_CHAIN)}
    for name in names:
        # A middleware that does not import (or fails as it does) is Django's to report.
        found = attempt(partial(import_string, name), Exception)
        if isinstance(found, Failed):
            return []
        classes[name] = found
    extra, departures = costs(names, classes, installed())
    if not extra:
        return []
    named = "; ".join(f"{what}: {saved} ({why})" for what, saved, why in departures) or "the order of its middleware"
    hint = (
        "Put async-only middleware first, and SyncChainMiddleware last (configure() puts it there where the project "
        "declares ASGI, docs/asgi.md): the chain then runs in the request's one "
        "thread. What a hop costs: nine fewer took the awaiting view from 409 to 731 requests/s (docs/asgi.md)."
    )
    if departures and departures[-1][0] == SYNC_CHAIN:
        hint = "Leave SyncChainMiddleware out (configure(exclude={'asgi'})): the chain then runs on the event loop."
    return [Warning(W052.format(extra=extra, named=named), hint=hint, id="django_platform.W052")]
