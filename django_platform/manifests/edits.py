"""What a manifest writer changes: the keys we own, each an Edit at a path, and how it merges with
the value already there. Pure data, shared by the JSON/YAML splicer and the TOML editor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Scalar = str | int | bool


class Pick:
    """A path step into a list: the first item that is a mapping holding every `where` pair (a
    new item starts with them)."""

    __slots__ = ("where",)

    def __init__(self, **where: Scalar) -> None:
        self.where = where

    def matches(self, item: Mapping[str, Any]) -> bool:
        return all(item.get(key) == value for key, value in self.where.items())


Step = str | Pick
MISSING: Any = object()


class Edit:
    """One key we own. `mode`: "set" (ours, replaced when it differs), "default" (written only
    where absent: the user's value stands), "at_least" (a number the user may raise: replaced only
    when lower), "item" (a path ending in a Pick, its value the new item's other fields: added where
    no item matches; an item the user has, a variable declared their own way, stands whole), "line"
    (a shell script that must contain this line: appended when missing, the user's other lines
    kept; a line of `replaces` is replaced by it), "member" (a list that must hold this item:
    appended when missing)."""

    __slots__ = ("mode", "path", "replaces", "value")

    def __init__(self, path: tuple[Step, ...], value: Any, mode: str = "set", replaces: tuple[str, ...] = ()) -> None:
        self.path, self.value, self.mode, self.replaces = path, value, mode, replaces

    def merged(self, current: Any) -> Any:
        """The value to write over `current` (MISSING where absent), MISSING when it stands."""
        if self.mode in ("default", "item"):
            return self.value if current is MISSING else MISSING
        if self.mode == "member":
            if current is MISSING:
                return [self.value]
            return MISSING if isinstance(current, list) and self.value in current else [*current, self.value]
        if self.mode == "at_least" and isinstance(current, int) and not isinstance(current, bool):
            return MISSING if current >= self.value else self.value
        if self.mode == "line" and isinstance(current, str):
            lines = current.splitlines()
            if self.value in (line.strip() for line in lines):
                return MISSING
            for index, line in enumerate(lines):
                if line.strip() in self.replaces:
                    indent = line[: len(line) - len(line.lstrip())]
                    return "\n".join([*lines[:index], indent + self.value, *lines[index + 1 :]])
            return f"{current.rstrip()}\n{self.value}" if current.strip() else self.value
        return MISSING if current == self.value else self.value


def build(path: tuple[Step, ...], leaf: Any) -> Any:
    """The new value for a path whose first step is missing: nested mappings (and list items for
    Picks) ending in `leaf`."""
    if not path:
        return leaf
    step, rest = path[0], path[1:]
    inner = build(rest, leaf)
    if isinstance(step, Pick):
        return [{**step.where, **inner}] if isinstance(inner, dict) else [dict(step.where)]
    return {step: inner}


class Conflict(Exception):
    """The file holds something else where an owned key's path goes (a string where a mapping
    must be): said with the path, and the file is left alone."""
