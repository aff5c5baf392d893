"""The Procfile and gunicorn config file contents for a platform (pure rendering)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

from django_platform.deploy.files import outside_block, split_lines
from django_platform.platforms import Platform

GUNICORN_CONF = "gunicorn.conf.py"  # read by gunicorn from the working directory (17.5+)
_PROCESS_LINE = re.compile(r"^(?P<type>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")


def config_filename(platform: Platform) -> str:
    return platform.gunicorn_config


def config_filenames() -> list[str]:
    """Every name a gunicorn config of ours may have, across the registered platforms."""
    from django_platform.platforms import PLATFORMS

    return list(dict.fromkeys([GUNICORN_CONF, *(p.gunicorn_config for p in PLATFORMS)]))


def wsgi_target(wsgi_application: str | None) -> str:
    """WSGI_APPLICATION ("proj.wsgi.application") as gunicorn's APP_MODULE ("proj.wsgi")."""
    module, _, attr = (wsgi_application or "").rpartition(".")
    if not module:
        raise ImproperlyConfigured("WSGI_APPLICATION must be a dotted path like 'project.wsgi.application'.")
    return module if attr == "application" else f"{module}:{attr}"


def procfile_body(
    platform: Platform,
    wsgi_application: str | None,
    workers: Sequence[str] = (),
    background: Sequence[tuple[str, str]] = (),
) -> str:
    """The platform's lines, the `background` processes the settings call for, then the --worker
    commands as worker, worker2, ... (numbered past a name already taken)."""
    lines = platform.procfile_lines(wsgi_target(wsgi_application))
    lines += [f"{kind}: {command}" for kind, command in background]
    taken = set(process_types("\n".join(lines)))
    number = 1
    for command in workers:
        if not command.strip() or "\n" in command:
            raise ImproperlyConfigured("--worker takes a one-line command.")
        while (name := f"worker{number if number > 1 else ''}") in taken:
            number += 1
        taken.add(name)
        lines.append(f"{name}: {command.strip()}")
    return "\n".join(lines)


def process_types(text: str) -> dict[str, str]:
    """Process type -> command, as Procfile runners read it (other lines are ignored)."""
    found = {}
    for line in split_lines(text):
        match = _PROCESS_LINE.match(line.strip())
        if match:
            found[match.group("type")] = match.group("command").strip()
    return found


def idle_release(text: str, platform: Platform) -> bool:
    """Whether the Procfile has a release: line of its own (outside the block) that the platform
    never runs, since it runs another process type for the release phase (Scalingo's postdeploy:)."""
    release = platform.release_process
    return bool(release) and release != "release" and "release" in process_types(outside_block(text))


def comment_out_types(text: str, types: Sequence[str]) -> str:
    """Keep a replaced Procfile line as a comment rather than lose it."""
    out = []
    for line in split_lines(text, keepends=True):
        match = _PROCESS_LINE.match(line.strip())
        out.append(f"# replaced by django-platform: {line}" if match and match.group("type") in types else line)
    return "".join(out)


def comment_out_settings(text: str, names: Collection[str]) -> tuple[str, list[str]]:
    """A gunicorn config with its module-level assignments (and hook functions) of `names` turned
    into comments, every line of a multi-line statement, also inside `if`/`else`, `try` and `with`
    blocks (Heroku's sample sets reuse_port in an `else:`), where the first line becomes `pass` so
    the block stays valid; and the names it commented out. SyntaxError if the text is not Python;
    ValueError for a statement sharing its line with another (`if x: reuse_port = True`)."""
    import ast

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
    import ast

    return [
        (name, node.lineno)
        for node, _ in _module_statements(ast.parse(text).body, nested=False)
        for name in _assigned(node)
    ]


def gunicorn_setting_names() -> frozenset[str]:
    """Every name gunicorn reads from a config file: its settings and server hooks."""
    from gunicorn.config import KNOWN_SETTINGS

    return frozenset(setting.name for setting in KNOWN_SETTINGS)


def _assigned(node: object) -> list[str]:
    """The module-level names a statement binds (hooks are functions)."""
    import ast

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
    import ast

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
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def expand(command: str, env: Mapping[str, str]) -> str:
    """The command with variables expanded from `env`; an unset one stays a placeholder (<NAME>)."""

    def value(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        found = env.get(name, "")
        if found:
            return found
        default = match.group("default")
        return default if default is not None else f"<{name}>"

    return _VARIABLE.sub(value, command)


class GunicornCall(NamedTuple):
    app_module: str | None  # "proj.wsgi" (without ":attr"), None when the line names none
    config: str | None  # the --config/-c argument, if any


def _options_with_values() -> frozenset[str]:
    """gunicorn's command-line options that take a value (the rest are flags)."""
    from gunicorn.config import KNOWN_SETTINGS

    flag_actions = ("store_true", "store_false", "store_const")
    return frozenset(
        option
        for setting in KNOWN_SETTINGS
        if setting.action not in flag_actions and setting.nargs != "?"  # --proxy-protocol's value is optional
        for option in setting.cli or ()
    )


def gunicorn_call(command: str, env: Mapping[str, str], *, default_app: str | None = None) -> GunicornCall | None:
    """What a Procfile command starts gunicorn with (gunicorn, python -m gunicorn, manage.py
    run_gunicorn), read as a shell would: variables expanded, never given to gunicorn's own parser
    (which exits on a `$WEB_CONCURRENCY` it cannot convert). None when it does not run gunicorn."""
    try:
        tokens = shlex.split(expand(command, env))
    except ValueError:
        return None
    start = None
    for index, word in enumerate(tokens):
        if PurePath(word).name == "gunicorn":
            start, default_app = index + 1, None
            break
        if word == "run_gunicorn":
            start = index + 1
            break
    if start is None:
        return None
    takes = _options_with_values()
    app, config = None, None
    rest = iter(tokens[start:])
    for token in rest:
        if token in ("&&", "||", ";", "|"):
            break
        option, sep, inline = token.partition("=")
        if not token.startswith("--") and len(token) > 2 and token[:2] in takes:
            option, sep, inline = token[:2], "attached", token[2:]  # -w4, -cfile.py
        if token.startswith("-") and option in takes:
            argument = inline if sep else next(rest, "")
            if option in ("-c", "--config"):
                config = argument
        elif not token.startswith("-") and app is None:
            app = token
    module = (app or default_app or "").split(":")[0] or None
    return GunicornCall(module, config)
