"""The gunicorn config file: its name per platform, the managed block's body, and reading a
project's own file (the settings it assigns, commented out when the block takes them over)."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from typing import Any

from gunicorn.config import KNOWN_SETTINGS

from django_platform.deploy.files import split_lines
from django_platform.platforms import PLATFORMS, Platform

GUNICORN_CONF = "gunicorn.conf.py"  # read by gunicorn from the working directory (17.5+)


def config_filename(platform: Platform) -> str:
    return platform.gunicorn_config


def config_filenames() -> list[str]:
    """Every name a gunicorn config of ours may have, across the registered platforms."""

    return list(dict.fromkeys([GUNICORN_CONF, *(p.gunicorn_config for p in PLATFORMS)]))


def comment_out_settings(text: str, names: Collection[str]) -> tuple[str, list[str]]:
    """A gunicorn config with its module-level assignments (and hook functions) of `names` turned
    into comments, every line of a multi-line statement, also inside `if`/`else`, `try` and `with`
    blocks (Heroku's sample sets reuse_port in an `else:`), where the first line becomes `pass` so
    the block stays valid; and the names it commented out. SyntaxError if the text is not Python;
    ValueError for a statement sharing its line with another (`if x: reuse_port = True`)."""

    lines = split_lines(text, keepends=True)  # numbered as Python's parser numbers them
    found: list[str] = []
    marked: dict[int, str] = {}  # line index -> the indentation of a nested statement's `pass`
    for node, nested in _module_statements(ast.parse(text).body, nested=False):
        hits = [t for t in _assigned(node) if t in names]
        if not hits:
            continue
        found += [t for t in hits if t not in found]
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        start = lines[first - 1]
        indent = start[: len(start) - len(start.lstrip(" \t"))]
        if len(indent) != min([node.col_offset, *(d.col_offset - 1 for d in getattr(node, "decorator_list", []))]):
            raise ValueError("a setting shares its line with another statement")
        for index in range(first - 1, node.end_lineno or node.lineno):
            marked[index] = indent if nested and index == first - 1 else ""
    out = []
    for i, line in enumerate(lines):
        if i not in marked:
            out.append(line)
        elif marked[i]:
            statement = line.lstrip(" \t")
            out.append(f"{marked[i]}pass  # replaced by django-platform: {statement}")
        else:
            out.append(f"# replaced by django-platform: {line}")
    return "".join(out), found


def assigned_settings(text: str) -> list[tuple[str, int]]:
    """(name, line number) of every module-level assignment or hook function in a gunicorn
    config, in if/else blocks too. SyntaxError if the text is not Python."""

    return [
        (name, node.lineno)
        for node, _ in _module_statements(ast.parse(text).body, nested=False)
        for name in _assigned(node)
    ]


def gunicorn_setting_names() -> frozenset[str]:
    """Every name gunicorn reads from a config file: its settings and server hooks."""

    return frozenset(setting.name for setting in KNOWN_SETTINGS)


def _assigned(node: object) -> list[str]:
    """The module-level names a statement binds (hooks are functions)."""

    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [node.name]
    return []


def _module_statements(body: list[Any], *, nested: bool) -> Iterator[tuple[Any, bool]]:
    """Every statement that runs at module level: inside if/else, try, with and loops too, not
    inside functions or classes (their own scope)."""

    for node in body:
        yield node, nested
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)):
            handlers = [h.body for h in getattr(node, "handlers", [])]
            blocks = [node.body, *handlers, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            for block in blocks:
                yield from _module_statements(block, nested=True)


def gunicorn_body(platform: Platform) -> str:
    return (
        "from django_platform.gunicorn_conf import apply as _django_platform_apply\n\n"
        f'_django_platform_apply(globals(), platform="{platform.name}")'
    )


# $VAR, ${VAR}, ${VAR:-default} (and ${VAR-default}), as the shell expands a Procfile line.
