"""JSON parsed with each value's span in the text, so an edit can replace one value and leave every
other byte as it was (json.loads keeps no positions; JSON is also YAML, but YAML parsers refuse
tabs that JSON allows). Pure: text in, nodes or ValueError out."""

from __future__ import annotations

import json
import re
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_MAX_DEPTH = 200  # a hostile file must not exhaust the stack


class Node:
    """A value and where it is: text[start:end]. `entries` for objects ((key node, value node),
    in order), `items` for arrays."""

    __slots__ = ("block", "end", "entries", "items", "kind", "start", "style", "value")

    def __init__(self, kind: str, start: int, end: int, value: Any = None) -> None:
        self.kind, self.start, self.end, self.value = kind, start, end, value
        self.entries: list[tuple[Node, Node]] = []
        self.items: list[Node] = []
        # YAML only: a block (indented) collection rather than a flow one; a scalar's style ("|").
        self.block = False
        self.style = ""


def parse(text: str) -> Node:
    """The document's root node; ValueError with a position for anything json.loads refuses."""
    node, end = _value(text, _skip(text, 0), 0)
    if _skip(text, end) != len(text):
        raise ValueError(f"extra data at character {end}")
    return node


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _value(text: str, pos: int, depth: int) -> tuple[Node, int]:
    if depth > _MAX_DEPTH:
        raise ValueError(f"nested deeper than {_MAX_DEPTH} levels")
    char = text[pos : pos + 1]
    if char == "{":
        return _container(text, pos, depth, "object")
    if char == "[":
        return _container(text, pos, depth, "array")
    if char == '"':
        value, end = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
        return Node("string", pos, end, value), end
    for word, literal in _LITERALS.items():
        if text.startswith(word, pos):
            return Node("literal", pos, pos + len(word), literal), pos + len(word)
    match = _NUMBER.match(text, pos)
    if match:
        return Node("number", pos, match.end(), json.loads(match.group())), match.end()
    raise ValueError(f"expected a value at character {pos}")


def _container(text: str, pos: int, depth: int, kind: str) -> tuple[Node, int]:
    node = Node(kind, pos, pos)
    closing = "}" if kind == "object" else "]"
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == closing:
        node.end = pos + 1
        return node, node.end
    while True:
        if kind == "object":
            if text[pos : pos + 1] != '"':
                raise ValueError(f"expected a key at character {pos}")
            key, pos = _value(text, pos, depth + 1)
            pos = _skip(text, pos)
            if text[pos : pos + 1] != ":":
                raise ValueError(f"expected ':' at character {pos}")
            value, pos = _value(text, _skip(text, pos + 1), depth + 1)
            node.entries.append((key, value))
        else:
            value, pos = _value(text, pos, depth + 1)
            node.items.append(value)
        pos = _skip(text, pos)
        char = text[pos : pos + 1]
        if char == closing:
            node.end = pos + 1
            return node, node.end
        if char != ",":
            raise ValueError(f"expected ',' or '{closing}' at character {pos}")
        pos = _skip(text, pos + 1)
