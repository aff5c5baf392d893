"""Owned keys spliced into JSON and YAML text: each edit replaces one value's span, or inserts one
entry after the last of its mapping (or one item after the last of its list), and every other byte
stays as it was: comments, order, quoting, indentation, the user's own keys.

Works on text whose line breaks are LF (manifests/files.py turns a CRLF file into LF and back)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from ruamel.yaml import YAML

from django_platform.manifests.edits import MISSING, Conflict, Edit, Pick, Step, build
from django_platform.parsers.jsonspans import Node

Parse = Callable[[str], Node]
# Plain in YAML 1.2, booleans to the YAML 1.1 parsers some platforms use: quoted.
_YAML11_BOOLEANS = {"y", "n", "yes", "no", "on", "off"}
_PLAIN = re.compile(r"[A-Za-z0-9_/.$][A-Za-z0-9_ ./:$=@,+-]*")


class Layout:
    """How a file indents: a nested mapping's keys past its parent's (`step`; a JSON file's too),
    and a YAML list's dashes past the key that holds it (`dash`: 0 where they line up with it)."""

    __slots__ = ("dash", "step")

    def __init__(self, step: int = 2, dash: int = 2) -> None:
        self.step, self.dash = step, dash


def layout(text: str, root: Node) -> Layout:
    """The file's own indentation, found at its first nested mapping and first nested list."""
    found = Layout()
    step = dash = None
    stack = [root]
    while stack and (step is None or dash is None):
        node = stack.pop(0)
        for key, value in node.entries:
            if value.block and value.kind == "object" and value.entries and step is None:
                step = _column(text, value.entries[0][0].start) - _column(text, key.start)
            if value.block and value.kind == "array" and value.items and dash is None:
                line = _line_start(text, value.items[0].start)
                dash = text.rfind("-", line, value.items[0].start) - line - _column(text, key.start)
            stack.append(value)
        stack.extend(node.items)
    found.step = step if step and step > 0 else 2
    found.dash = dash if dash is not None and dash >= 0 else 2
    return found


def apply(text: str, edits: Sequence[Edit], parse: Parse, *, yaml: bool) -> str:
    """`text` with every edit made (parsed again after each, since spans move)."""
    shape = layout(text, parse(text)) if yaml else Layout(step=_json_step(text))
    for edit in edits:
        text = _apply_one(text, parse(text), edit, yaml, shape)
    return text


def _json_step(text: str) -> int:
    """A JSON file's indentation step: its least indented line's spaces (2 where none is)."""
    indents = [len(line) - len(line.lstrip(" ")) for line in text.splitlines() if line.startswith(" ")]
    return min(indents) if indents else 2


def value_at(root: Node, path: Sequence[Step]) -> Any:
    """The plain value at `path` (MISSING where absent): what the checks and the edits compare."""
    node: Node | None = root
    for index, step in enumerate(path):
        node = _child(node, step, path[:index]) if node is not None else None
    return MISSING if node is None else plain(node)


def plain(node: Node) -> Any:
    if node.kind == "object":
        return {str(plain(k)): plain(v) for k, v in node.entries}
    if node.kind == "array":
        return [plain(item) for item in node.items]
    return node.value


def _child(node: Node, step: Step, path: Sequence[Step]) -> Node | None:
    if isinstance(step, Pick):
        if node.kind != "array":
            raise Conflict(_where(path, "a list"))
        return next((item for item in node.items if item.kind == "object" and step.matches(plain(item))), None)
    if node.kind != "object":
        raise Conflict(_where(path, "a mapping"))
    return next((value for key, value in node.entries if plain(key) == step), None)


def _where(path: Sequence[Step], kind: str) -> str:
    label = ".".join(str(step) for step in path) or "the document"
    return f"{label} must be {kind}"


def _apply_one(text: str, root: Node, edit: Edit, yaml: bool, shape: Layout) -> str:
    node = root
    for index, step in enumerate(edit.path):
        child = _child(node, step, edit.path[:index])
        if child is None:
            leaf = edit.merged(MISSING)
            new = build(edit.path[index:], leaf)
            if isinstance(step, Pick):
                return _append(text, node, new[0], yaml, shape)
            return _insert(text, node, step, new[step], yaml, shape)
        node = child
    if edit.mode == "item":
        return text  # the user's item stands whole
    if node.kind in ("object",):
        raise Conflict(_where(edit.path, "a single value"))
    value = edit.merged(plain(node))
    if value is MISSING:
        return text
    if edit.mode == "member" and node.kind == "array" and node.items:
        return _append(text, node, edit.value, yaml, shape)
    if yaml and edit.mode == "line" and node.style == "|":
        return _edit_block_literal(text, node, str(node.value), value)
    rendered = _yaml_scalar(value) if yaml else json.dumps(value)
    return text[: node.start] + rendered + text[node.end :]


# Where new text goes.


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _column(text: str, pos: int) -> int:
    return pos - _line_start(text, pos)


def _indent_of_line(text: str, pos: int) -> str:
    start = _line_start(text, pos)
    line = text[start:pos]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _last_leaf_end(node: Node) -> int:
    """The end of the last scalar inside `node` (a block collection's own end runs on over the
    comments and blank lines after it, which belong to what follows)."""
    while node.entries or node.items:
        node = node.entries[-1][1] if node.entries else node.items[-1]
    return node.end


def _after_line(text: str, pos: int) -> tuple[str, int]:
    """Where a new line goes after the line holding `pos`, and the break it needs first."""
    if pos > 0 and text[pos - 1] == "\n":  # a block scalar ends past its own line break
        return "", pos
    newline = text.find("\n", pos)
    return ("\n", len(text)) if newline < 0 else ("", newline + 1)


def _insert(text: str, node: Node, key: str, value: Any, yaml: bool, shape: Layout) -> str:
    if yaml and node.block:
        first_key = node.entries[0][0]
        column = _column(text, first_key.start)
        lead, at = _after_line(text, _last_leaf_end(node))
        return text[:at] + lead + _yaml_entry(key, value, column, shape) + text[at:]
    if yaml and not node.entries and node.start == node.end:  # an empty document
        lead = "\n" if text and not text.endswith("\n") else ""
        return text + lead + _yaml_entry(key, value, 0, shape)
    return _insert_flow(text, node, json.dumps(key) + ": ", value, yaml, shape.step)


def _append(text: str, node: Node, item: Any, yaml: bool, shape: Layout) -> str:
    if yaml and node.block:
        first = node.items[0]
        line = _line_start(text, first.start)
        dash = text.rfind("-", line, first.start)
        lead, at = _after_line(text, _last_leaf_end(node))
        return text[:at] + lead + _yaml_item(item, dash - line, shape) + text[at:]
    return _insert_flow(text, node, "", item, yaml, shape.step)


def _insert_flow(text: str, node: Node, key: str, value: Any, yaml: bool, step: int) -> str:
    """An entry into a JSON object or array, or a YAML flow collection, laid out as its
    neighbours are (one per line, indented alike, or all on one line)."""
    members = [v for _, v in node.entries] if node.kind == "object" else node.items
    firsts = [k for k, _ in node.entries] if node.kind == "object" else node.items
    if not members:
        indent = _indent_of_line(text, node.start)
        if "\n" not in text[node.start : node.end] and yaml:
            body = key + json.dumps(value)
            return text[: node.start + 1] + body + text[node.end - 1 :]
        inner = indent + " " * step
        body = "\n" + inner + key + _json(value, inner, step) + "\n" + indent
        return text[: node.start + 1] + body + text[node.end - 1 :]
    first = firsts[0]
    on_own_line = text[_line_start(text, first.start) : first.start].strip() == ""
    last_end = members[-1].end
    if on_own_line:
        inner = _indent_of_line(text, first.start)
        addition = ",\n" + inner + key + _json(value, inner, step)
    else:
        addition = ", " + key + json.dumps(value)
    return text[:last_end] + addition + text[last_end:]


def _json(value: Any, indent: str, step: int) -> str:
    return json.dumps(value, indent=step).replace("\n", "\n" + indent)


def _edit_block_literal(text: str, node: Node, old: str, new: str) -> str:
    """A `|` script with our line appended, or put in place of the line it replaces, as lines of
    the block (the rest of it untouched)."""
    content = text[node.start : node.end].split("\n")
    body = next((part for part in content[1:] if part.strip()), "  ")
    indent = body[: len(body) - len(body.lstrip(" "))]
    old_lines, new_lines = old.rstrip("\n").split("\n"), new.split("\n")
    if len(old_lines) == len(new_lines):  # one line replaced: find it in the block's text
        index = next(i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b)
        start = node.start
        for _ in range(index + 1):
            start = text.index("\n", start) + 1
        end = text.find("\n", start)
        end = node.end if end < 0 else end
        return text[:start] + indent + new_lines[index].lstrip() + text[end:]
    line = new_lines[-1]
    if node.end > 0 and text[node.end - 1] == "\n":
        # Before the blank lines that close a keeping block, after its last content line.
        at = node.end
        while at > node.start and text[at - 2 : at] == "\n\n":
            at -= 1
        return text[:at] + indent + line + "\n" + text[at:]
    return text[: node.end] + "\n" + indent + line + text[node.end :]


# YAML rendering of what we add.


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and _reads_back(text):
        return text
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def _reads_back(text: str) -> bool:
    """Whether YAML reads the plain scalar back as this string ("true", "1.0", "a #b" do not)."""
    if text != text.strip() or " #" in text or ": " in text or text.lower() in _YAML11_BOOLEANS:
        return False
    return bool(YAML(typ="safe", pure=True).load(f"k: {text}\n") == {"k": text})


def _yaml_entry(key: str, value: Any, column: int, shape: Layout) -> str:
    pad = " " * column
    name = _yaml_scalar(key)
    if isinstance(value, dict):
        return f"{pad}{name}:\n" + "".join(_yaml_entry(k, v, column + shape.step, shape) for k, v in value.items())
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return f"{pad}{name}:\n" + "".join(_yaml_item(item, column + shape.dash, shape) for item in value)
    if isinstance(value, str) and "\n" in value:
        inner = " " * (column + shape.step)
        lines = "".join(f"{inner}{line}\n" if line else "\n" for line in value.split("\n"))
        return f"{pad}{name}: |\n{lines}"
    return f"{pad}{name}: {_yaml_scalar(value)}\n"


def _yaml_item(item: Any, column: int, shape: Layout) -> str:
    pad = " " * column
    if isinstance(item, dict) and item:
        body = "".join(_yaml_entry(k, v, column + 2, shape) for k, v in item.items())
        return pad + "- " + body[column + 2 :]
    return f"{pad}- {_yaml_scalar(item)}\n"
