"""The area contract: every module in areas/ exports `apply(ns, ctx, report) -> Changes`.

An area reads the settings as they stand (`Namespace`, read only), the context (the environment,
the platform and its stores) and records what it decides in the report; it returns its changes,
which configure() applies in order, so a later area sees an earlier one's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from types import ModuleType
from typing import Any

from django_platform.report import Report, Source

REPORT_SETTING = "DJANGO_PLATFORM_REPORT"


class Namespace:
    """settings.py's globals() or a settings module, behind one small interface."""

    def __init__(self, target: MutableMapping[str, Any] | ModuleType) -> None:
        self._dict: MutableMapping[str, Any] = vars(target) if isinstance(target, ModuleType) else target
        # Names configure() set; a later call must not take them for settings.py's own.
        self.applied: set[str] = set(getattr(self._dict.get(REPORT_SETTING), "applied", ()))

    def get(self, name: str, default: Any = None) -> Any:
        return self._dict.get(name, default)

    def set(self, name: str, value: Any) -> None:
        self._dict[name] = value
        self.applied.add(name)

    def delete(self, name: str) -> None:
        self._dict.pop(name, None)

    def as_mapping(self) -> Mapping[str, Any]:
        return self._dict

    def written_by_user(self) -> Mapping[str, Any]:
        """The names settings.py wrote: without what configure() (this or an earlier call) set."""
        return {k: v for k, v in self._dict.items() if k not in self.applied}


class Changes:
    """What an area changes: values to set and names to remove. Areas never write the namespace."""

    __slots__ = ("remove", "values")

    def __init__(self, values: Mapping[str, Any] | None = None, remove: Iterable[str] = ()) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.remove: tuple[str, ...] = tuple(remove)


# A value found at one rung of the ladder, and its source as the report records it.
Rung = tuple[Any, "Source | str"]


def choose(
    setting: str,
    current: Mapping[str, Any],
    report: Report,
    *,
    env: Rung | None = None,
    store: Rung | None = None,
    default: Rung | Callable[[], Rung | None] | None = None,
    key: str | None = None,
) -> tuple[bool, Any]:
    """The precedence every area follows, highest first: an environment variable, the platform's
    stores, what settings.py wrote (`current` holds settings.py's own names), the platform's
    default (a callable is only called when it is needed). The winner is recorded in the report
    under `setting`; `key` is its name in `current` when that differs (one DATABASES entry's).
    Returns (True, value) when configure() sets it, (False, value) when settings.py's stands,
    (False, None) when nothing applies."""
    for found in (env, store):
        if found is not None:
            report.record(setting, found[0], found[1])
            return True, found[0]
    name = setting if key is None else key
    if name in current:
        report.record(setting, current[name], "settings.py")
        return False, current[name]
    found = default() if callable(default) else default
    if found is None:
        return False, None
    report.record(setting, found[0], found[1])
    return True, found[0]


class Setting:
    """One row of the settings reference, generated into the docs from each area's `SETTINGS`:
    the setting, the environment variables read for it (highest first; a platform's own are on its
    page), and what applies without them. A test checks that the code reads every variable named."""

    __slots__ = ("name", "otherwise", "variables")

    def __init__(self, name: str, variables: tuple[str, ...] = (), otherwise: str = "") -> None:
        self.name, self.variables, self.otherwise = name, variables, otherwise
