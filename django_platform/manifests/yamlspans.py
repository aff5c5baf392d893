"""YAML parsed into the same positioned nodes as JSON (parsers/jsonspans.py), through ruamel.yaml's
composer, whose nodes carry their marks. Edits are then spliced into the text: ruamel's own
round-trip dump re-indents and re-quotes what it did not need to touch."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from django_platform.parsers.jsonspans import Node

_TAGS = {
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "literal",
    "tag:yaml.org,2002:null": "literal",
}


def parse(text: str) -> Node:
    """The document's root node (an empty document is an empty mapping); ValueError otherwise."""
    try:
        root = YAML().compose(text)
    except YAMLError as exc:  # the problem and its line, never the document
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{getattr(exc, 'problem', None) or type(exc).__name__}{where}") from None
    if root is None:
        return Node("object", len(text), len(text))
    return _convert(root, 0)


def _convert(node: Any, depth: int) -> Node:
    if depth > 200:
        raise ValueError("nested deeper than 200 levels")
    kind = type(node).__name__
    out = Node(
        {"MappingNode": "object", "SequenceNode": "array"}.get(kind, "string"),
        node.start_mark.index,
        node.end_mark.index,
    )
    if kind == "MappingNode":
        out.block = not node.flow_style
        out.entries = [(_convert(k, depth + 1), _convert(v, depth + 1)) for k, v in node.value]
    elif kind == "SequenceNode":
        out.block = not node.flow_style
        out.items = [_convert(v, depth + 1) for v in node.value]
    else:
        out.kind = _TAGS.get(node.tag, "string")
        out.style = node.style or ""
        out.value = _scalar(out.kind, node.value)
    return out


def _scalar(kind: str, text: str) -> Any:
    if kind == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text
    if kind == "literal":
        lowered = text.lower()
        return True if lowered == "true" else False if lowered == "false" else None
    return text
