"""Owned keys edited in TOML through tomlkit, which keeps comments, order, spacing and the user's
keys byte for byte; a value we replace keeps its line's comment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from django_platform.manifests.edits import MISSING, Conflict, Edit, Pick, Step, build


def parse(text: str) -> Any:
    """The tomlkit document; ValueError (its message: the problem and its line) otherwise."""
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def apply(text: str, edits: Sequence[Edit]) -> str:
    doc = parse(text)
    changed = False
    for edit in edits:
        changed |= _apply_one(doc, edit)
    return tomlkit.dumps(doc) if changed else text


def value_at(doc: Any, path: Sequence[Step]) -> Any:
    node = doc
    for index, step in enumerate(path):
        node = _child(node, step, path[:index])
        if node is None:
            return MISSING
    return _plain(node)


def _plain(node: Any) -> Any:
    unwrap = getattr(node, "unwrap", None)
    return unwrap() if unwrap else node


def _child(node: Any, step: Step, path: Sequence[Step]) -> Any:
    if isinstance(step, Pick):
        if not isinstance(node, list):
            raise Conflict(_where(path, "an array of tables"))
        return next((item for item in node if isinstance(item, dict) and step.matches(_plain(item))), None)
    if not isinstance(node, dict):
        raise Conflict(_where(path, "a table"))
    return node.get(step)


def _where(path: Sequence[Step], kind: str) -> str:
    return f"{'.'.join(str(s) for s in path) or 'the document'} must be {kind}"


def _apply_one(doc: Any, edit: Edit) -> bool:
    node = doc
    for index, step in enumerate(edit.path):
        child = _child(node, step, edit.path[:index])
        if child is None:
            new = build(edit.path[index:], edit.merged(MISSING))
            if isinstance(step, Pick):
                if node and not node[-1].as_string().endswith("\n\n"):
                    node[-1].add(tomlkit.nl())  # a blank line between the tables, as between the user's
                node.append(_table(new[0]))
            else:
                node[step] = _convert(new[step])
            return True
        if index < len(edit.path) - 1:
            node = child  # the leaf's table stays `node`
    if edit.mode == "item":
        return False  # the user's item stands whole
    value = edit.merged(_plain(child))
    if value is MISSING:
        return False
    if isinstance(child, dict):
        raise Conflict(_where(edit.path, "a single value"))
    node[edit.path[-1]] = value  # assigned plain, tomlkit keeps the line's comment
    return True


def _convert(value: Any) -> Any:
    """A new value as tomlkit lays it out: mappings as [tables], lists of mappings as [[arrays]]."""
    if isinstance(value, dict):
        return _table(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        array = tomlkit.aot()
        for item in value:
            array.append(_table(item))
        return array
    return tomlkit.item(value)


def _table(value: dict[str, Any]) -> Any:
    table = tomlkit.table()
    for key, inner in value.items():
        table[key] = _convert(inner)
    return table
