"""A `.env` file for local development (opt-in). The real environment always wins.

Grammar, one assignment per line:
    KEY=value              unquoted: surrounding spaces trimmed; ` #` starts a comment
    export KEY=value       `export ` is ignored
    KEY='value'            single quotes: taken literally, `#` included
    KEY="a\\nb"            double quotes: \\n, \\t, \\", \\\\ escapes; `#` included
    # comment / blank      ignored
No `$NAME` expansion anywhere: a `$` is a character like any other.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from django_platform.textfile import Unreadable, read_text

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _double_quoted(body: str, where: str) -> tuple[str, str]:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
        elif ch == '"':
            return "".join(out), body[i + 1 :]
        else:
            out.append(ch)
            i += 1
    raise ImproperlyConfigured(f"{where}: unterminated double quote.")


def parse_dotenv(text: str, *, source: str = ".env") -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source} line {number}"
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, rest = line.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise ImproperlyConfigured(f"{where}: expected KEY=value.")
        rest = rest.strip()
        if rest.startswith("'"):
            end = rest.find("'", 1)
            if end < 0:
                raise ImproperlyConfigured(f"{where}: unterminated single quote.")
            value, tail = rest[1:end], rest[end + 1 :]
        elif rest.startswith('"'):
            value, tail = _double_quoted(rest[1:], where)
        else:
            value, _, _comment = rest.partition(" #")
            value, tail = value.strip(), ""
        tail = tail.strip()
        if tail and not tail.startswith("#"):
            raise ImproperlyConfigured(f"{where}: unexpected text after the closing quote.")
        values[key] = value
    return values


def read_dotenv(path: Path) -> dict[str, str]:
    """The file's values; {} when it does not exist (a deploy normally has none)."""
    text = read_text(path)
    if isinstance(text, Unreadable):
        if text.missing:
            return {}
        raise ImproperlyConfigured(f"{path} {text.problem}.")
    return parse_dotenv(text, source=str(path))
