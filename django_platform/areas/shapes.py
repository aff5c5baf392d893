"""The shapes configure() reads settings.py's values in. A value of another shape is settings.py's to
mend, and is named as such, in the words Django uses for its own ("The ALLOWED_HOSTS setting must be
a list or a tuple."), not reported as a bug of django-platform's."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Settings read as dicts, with the paths inside them read as dicts too ("*": every entry): an alias's,
# a storage's, a layer's dict and its options; LOGGING's sections, into which the console handler goes.
DICTS: dict[str, tuple[str, ...]] = {
    "DATABASES": ("*", "*.OPTIONS"),
    "CACHES": ("*", "*.OPTIONS"),
    "STORAGES": ("*", "*.OPTIONS"),
    "CHANNEL_LAYERS": ("*", "*.CONFIG"),
    "LOGGING": ("formatters", "handlers", "filters", "loggers", "root"),
}
# Collections of dotted paths, host names and origins: lists or tuples where Django's settings insist
# (its tuple_settings), any of the four where it only iterates them.
STRING_LISTS: dict[str, tuple[type[Collection[Any]], ...]] = {
    "INSTALLED_APPS": (list, tuple),
    "ALLOWED_HOSTS": (list, tuple),
    "MIDDLEWARE": (list, tuple, set, frozenset),
    "CSRF_TRUSTED_ORIGINS": (list, tuple, set, frozenset),
}
PATHS = ("BASE_DIR",)


def _kind(value: Any) -> str:
    return type(value).__name__


def _not_dict(value: Any, path: list[str], where: str) -> str | None:
    """Where under `value` (`where` so far) a dict the path names is something else."""
    if not path:
        return None
    head, rest = path[0], path[1:]
    keys = list(value) if head == "*" else [head] if head in value else []
    for key in keys:
        inner, at = value[key], f"{where}[{key!r:.60}]"
        if not isinstance(inner, Mapping):
            return f"{at} must be a dict, not {_kind(inner)}."
        found = _not_dict(inner, rest, at)
        if found:
            return found
    return None


def shape_error(name: str, value: Any) -> str | None:
    """What is wrong with settings.py's `name` set to `value`, None where configure() can read it
    (None at the top is read as unset; inside, Django would fail on it too)."""
    if value is None:
        return None
    if name in DICTS:
        if not isinstance(value, Mapping):
            return f"The {name} setting must be a dict, not {_kind(value)}."
        for path in DICTS[name]:
            found = _not_dict(value, path.split("."), name)
            if found:
                return found
    elif name in STRING_LISTS:
        if not isinstance(value, STRING_LISTS[name]):
            kinds = "a list or a tuple" if len(STRING_LISTS[name]) == 2 else "a list, a tuple or a set"
            return f"The {name} setting must be {kinds}, not {_kind(value)}."
        wrong = [item for item in value if not isinstance(item, str)]
        if wrong:
            return f"The {name} setting must hold strings only, not {_kind(wrong[0])}."
    elif name in PATHS and not isinstance(value, (str, os.PathLike)):
        return f"The {name} setting must be a path (str or pathlib.Path), not {_kind(value)}."
    return None


def check_shapes(get: Callable[[str], Any]) -> None:
    """ImproperlyConfigured for the first settings.py value configure() cannot read (`get` reads one)."""
    for name in (*DICTS, *STRING_LISTS, *PATHS):
        error = shape_error(name, get(name))
        if error:
            raise ImproperlyConfigured(f"{error} configure() reads it from settings.py.")
