"""The platform registry: one module per platform (found by listing this package), detection
in an order derived from their markers, and register() for platforms of your own (an in-house PaaS).

Nothing outside this package names a platform or one of its variables: areas ask the platform.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured

from django_platform.platforms.base import MYSQL, PG, Context, Found, Marker, Platform, Store, template_hosts

__all__ = [
    "BY_NAME",
    "LOCAL",
    "MYSQL",
    "PG",
    "PLATFORMS",
    "Context",
    "Detection",
    "Found",
    "Marker",
    "Platform",
    "Store",
    "detect",
    "detection_order",
    "get_platform",
    "load_plugins",
    "register",
    "template_hosts",
]

PLATFORMS: list[Platform] = []
BY_NAME: dict[str, Platform] = {}
_NAME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,23}$")
PLUGINS_VARIABLE = "DJANGO_PLATFORM_PLUGINS"


def register(platform: Platform, *, before: str | None = None, replace: bool = False) -> Platform:
    """Add `platform` to detection, ahead of the built-in platforms (its markers are likely more
    specific), or just before the platform named `before`. A name already taken is an error
    unless `replace` is true. Returns the platform, so a module can write
    ``PLATFORM = register(Platform(...))``."""
    if not isinstance(platform, Platform):
        raise ImproperlyConfigured(f"register() takes a django_platform.platforms.Platform, not {type(platform)!r}.")
    names = (platform.name, *platform.aliases)
    taken = [n for n in names if n in BY_NAME and BY_NAME[n].name != platform.name]
    if taken or (platform.name in BY_NAME and not replace):
        raise ImproperlyConfigured(
            f"register(): the platform name {', '.join(taken or [platform.name])!r} is taken; "
            "pass replace=True to replace a platform."
        )
    old = BY_NAME.get(platform.name)
    index = PLATFORMS.index(old) if old is not None else 0
    if old is not None:
        PLATFORMS.remove(old)
        for name in (old.name, *old.aliases):
            BY_NAME.pop(name, None)
    if before is not None:
        target = get_platform(before, variable="register(before=...)")
        index = PLATFORMS.index(target)
    PLATFORMS.insert(index, platform)
    for name in names:
        BY_NAME[name] = platform
    return platform


def _implies(a: Marker, b: Marker) -> bool:
    """Every environment `a` matches, `b` matches too (`b` is the more generic marker)."""

    def covered(spec: str, specs: tuple[str, ...]) -> bool:
        return any(s == spec or ("=" not in spec and s.partition("=")[0] == spec) for s in specs)

    if not all(covered(spec, a.all_of) for spec in b.all_of):
        return False
    if not b.any_of:
        return True
    return any(covered(spec, a.all_of) for spec in b.any_of) or (
        bool(a.any_of) and all(covered(spec, b.any_of) for spec in a.any_of)
    )


def _above(platform: Platform, others: Iterable[Platform]) -> list[Platform]:
    """The platforms whose markers are more specific than one of `platform`'s (Heroku CI's DYNO
    and CI over Heroku's DYNO): they must be tried first."""
    return [
        other
        for other in others
        if other is not platform
        and any(_implies(a, b) and not _implies(b, a) for a in other.markers for b in platform.markers)
    ]


def detection_order(platforms: list[Platform]) -> list[Platform]:
    """Platforms with markers first, each after every platform with a more specific marker (a
    generic marker last: Heroku's DYNO after Dokku's and Heroku CI's), then those without a
    marker, the development profile last; otherwise in the order given."""
    marked = [p for p in platforms if p.markers]

    def depth(platform: Platform) -> int:
        return 1 + max((depth(p) for p in _above(platform, marked)), default=-1)

    ordered = sorted(marked, key=depth)  # stable: the order given among equals
    return [
        *ordered,
        *(p for p in platforms if not p.markers and not p.development),
        *(p for p in platforms if p.development),
    ]


def _load_builtin() -> None:
    # Every module of this package but base declares PLATFORMS: adding a platform is adding its
    # module. A directory listing, not pkgutil (3.5 ms of settings import).
    folder = os.path.dirname(__file__)
    names = sorted(n[:-3] for n in os.listdir(folder) if n.endswith(".py") and not n.startswith(("_", "base.")))
    found = [p for n in names for p in importlib.import_module(f"django_platform.platforms.{n}").PLATFORMS]
    for platform in detection_order(found):
        PLATFORMS.append(platform)
        for name in (platform.name, *platform.aliases):
            BY_NAME[name] = platform


_load_builtin()
LOCAL = BY_NAME["local"]


def load_plugins(modules: Iterable[str] | str, *, source: str = PLUGINS_VARIABLE) -> None:
    """Import modules that register platforms (DJANGO_PLATFORM_PLUGINS, as a setting or a
    comma-separated variable); each import happens once."""
    if isinstance(modules, str):
        modules = modules.split(",")
    if not isinstance(modules, (list, tuple)) or not all(isinstance(n, str) for n in modules):
        raise ImproperlyConfigured(f"{source} must be a list of dotted module paths (or one comma-separated string).")
    names = [n.strip() for n in modules]
    names = [n for n in names if n]
    for position, name in enumerate(names, 1):
        # Named by position: the value is not ours to print.
        where = f"{source}: module {position} of {len(names)}"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", name):
            raise ImproperlyConfigured(f"{where} is not a dotted module path (list them comma-separated).")
        try:
            importlib.import_module(name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a plugin's bug, sys.exit(), a toolkit's error
            kind, missing = type(exc).__name__, _not_found(exc, name)
        else:
            continue
        # Raised outside `except`: the original (its message may quote a secret) is not attached.
        # A module that exists is named; a name that was not found may be a value pasted there.
        shown = "" if missing else f" ({name})"
        problem = "was not found" if missing else f"failed while being imported ({kind})"
        raise ImproperlyConfigured(f"{where}{shown} {problem}.")


def _not_found(exc: BaseException, name: str) -> bool:
    """Whether `exc` says the module `name` itself (or a package above it) does not exist."""
    missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    return bool(missing) and (name == missing or name.startswith(f"{missing}."))


class Detection:
    """The platform chosen, and why (said in the report)."""

    __slots__ = ("platform", "reason")

    def __init__(self, platform: Platform, reason: str) -> None:
        self.platform, self.reason = platform, reason


def get_platform(name: str, *, variable: str = "DJANGO_PLATFORM") -> Platform:
    platform = BY_NAME.get(name.strip().lower())
    if platform is None:
        valid = ", ".join(sorted(BY_NAME))
        close = _close_name(name.strip())
        # An environment variable's value is echoed only when it is a near miss of a platform's
        # name: a name-like value may still be a secret pasted into the wrong variable. An
        # argument (--platform, configure(platform=...)) was typed where it is shown.
        typed = not re.fullmatch(r"[A-Z][A-Z0-9_]*", variable) and bool(_NAME_LIKE.match(name.strip()))
        shown = f"={name.strip()!r}" if close or typed else ""
        hint = f" (did you mean {close!r}?)" if close else ""
        raise ImproperlyConfigured(f"{variable}{shown} is not a known platform{hint}; valid values: {valid}.")
    return platform


def _close_name(name: str) -> str | None:
    """The platform name `name` is a typo of, if any."""

    if not _NAME_LIKE.match(name):
        return None
    found = difflib.get_close_matches(name.lower(), BY_NAME, n=1, cutoff=0.75)
    return found[0] if found else None


def detect(env: Mapping[str, str]) -> Detection:
    """Pick the platform: DJANGO_PLATFORM if set, else the first platform whose markers match."""
    explicit = env.get("DJANGO_PLATFORM", "").strip()
    if explicit:
        return Detection(get_platform(explicit), f"DJANGO_PLATFORM={explicit.lower()}")
    for platform in PLATFORMS:
        for marker in platform.markers:
            matched = marker.match(env)
            if matched is not None:
                return Detection(platform, _reason(matched, marker))
    reason = "no platform marker in the environment"
    for platform in PLATFORMS:
        for marker in platform.build_markers:
            matched = marker.match(env)
            if matched is not None:
                # Builds lack the run-time markers; the local profile serves them (static files
                # are collected the same way in every profile).
                return Detection(LOCAL, f"{reason}; a build phase? {_reason(matched, marker)} ({platform.label})")
    return Detection(LOCAL, reason)


def _reason(matched: list[str], marker: Marker) -> str:
    return "environment has " + ", ".join(matched) + (f" ({marker.note})" if marker.note else "")


def unclaimed_notes(ctx: Context) -> list[str]:
    """Variables another platform reads, set here where nothing reads them."""
    notes = []
    for platform in PLATFORMS:
        if platform is ctx.platform:
            continue
        for name in platform.claims:
            if ctx.value(name):
                notes.append(f"{name} is set but unused: {platform.label} reads it (DJANGO_PLATFORM={platform.name}).")
    return notes
