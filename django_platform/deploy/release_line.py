"""The release command the Procfile block writes, with the steps of the project's own release line
kept: its `manage.py migrate` becomes the safe release (platform_migrate), its other steps
(`createcachetable`, a release script) run as before, after it."""

from __future__ import annotations

import re
import shlex
from pathlib import PurePath

MIGRATE = ("migrate", "platform_migrate")
# Quoted text, or a top-level `&&` between steps.
_SPLIT = re.compile(r"""'[^']*'|"(?:[^"\\]|\\.)*"|\\.|(\s*&&\s*)""")


def merged_release(ours: str, theirs: str) -> tuple[str, bool]:
    """(`ours`, python manage.py platform_migrate, in place of the project's migrate step, its other
    steps kept in order; whether `theirs` has no migrate step of its own (a script), and runs
    after ours)."""
    theirs = theirs.strip()
    if not theirs:
        return ours, False
    steps = steps_of(theirs)
    merged: list[str] = []
    for step in steps:
        # The first migrate step becomes ours; a later one (another --database) stays.
        merged.append(ours if migrates(step) and ours not in merged else step)
    after = ours not in merged
    if after:
        merged.insert(0, ours)
    return " && ".join(merged), after


def steps_of(command: str) -> list[str]:
    """The command's steps joined by `&&` outside quotes (`sh -c '… && …'` is one step)."""
    steps, start = [], 0
    for match in _SPLIT.finditer(command):
        if match.group(1):
            steps.append(command[start : match.start()])
            start = match.end()
    return [*steps, command[start:]]


def migrates(step: str) -> bool:
    """Whether a step runs Django's migrate (or platform_migrate): manage.py, django-admin or
    `python -m django`, through a wrapper or not."""
    try:
        words = shlex.split(step)
    except ValueError:
        return False
    for index, word in enumerate(words[:-1]):
        module = word == "django" and index > 0 and words[index - 1] == "-m"
        if (module or PurePath(word).name in ("manage.py", "django-admin")) and words[index + 1] in MIGRATE:
            return True
    return False
