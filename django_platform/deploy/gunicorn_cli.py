"""A Procfile's gunicorn command read as the platform's shell runs it: variables expanded
($VAR, ${VAR}, ${VAR:-default}), then gunicorn's own options found without its parser."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import PurePath
from typing import NamedTuple

from gunicorn.config import KNOWN_SETTINGS

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
    worker_class: str | None = None  # the -k/--worker-class argument, if any


def _options_with_values() -> frozenset[str]:
    """gunicorn's command-line options that take a value (the rest are flags)."""

    flag_actions = ("store_true", "store_false", "store_const")
    return frozenset(
        option
        for setting in KNOWN_SETTINGS
        if setting.action not in flag_actions and setting.nargs != "?"  # --proxy-protocol's value is optional
        for option in setting.cli or ()
    )


class Option(NamedTuple):
    setting: str  # gunicorn's name for it ("timeout"), "" for an option gunicorn does not know
    words: tuple[str, ...]  # as the command wrote it ("--timeout", "120"), unexpanded
    value: str | None  # None for a flag


def _settings_by_option() -> dict[str, str]:
    return {option: setting.name for setting in KNOWN_SETTINGS for option in setting.cli or ()}


def gunicorn_options(command: str) -> list[Option] | None:
    """The options a Procfile command gives gunicorn, as written ($PORT unexpanded); None when it
    does not run gunicorn itself (or cannot be split as a shell would)."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        return None
    start = next((i + 1 for i, word in enumerate(tokens) if PurePath(word).name == "gunicorn"), None)
    if start is None:
        return None
    takes, names = _options_with_values(), _settings_by_option()
    found: list[Option] = []
    rest = iter(tokens[start:])
    for token in rest:
        if token in ("&&", "||", ";", "|"):
            break
        if not token.startswith("-"):
            continue  # the application
        option, sep, inline = token.partition("=")
        if not token.startswith("--") and len(token) > 2 and token[:2] in takes:
            option, sep, inline = token[:2], "attached", token[2:]
        if option in takes:
            value = inline if sep else next(rest, "")
            found.append(Option(names[option], (token,) if sep else (token, value), value))
        else:
            found.append(Option(names.get(option, ""), (token,), None))
    return found


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
    app, config, worker = None, None, None
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
            elif option in ("-k", "--worker-class"):
                worker = argument
        elif not token.startswith("-") and app is None:
            app = token
    module = (app or default_app or "").split(":")[0] or None
    return GunicornCall(module, config, worker)
