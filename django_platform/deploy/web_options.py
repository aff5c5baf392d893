"""The gunicorn options of a web line the Procfile block replaces: those the generated config
decides are said, with the variable that keeps the value; the others stay on the new line
(`--chdir src`, `--limit-request-line`), where gunicorn reads them over the config."""

from __future__ import annotations

import re
import shlex
from pathlib import PurePath
from typing import NamedTuple

from django_platform.deploy.gunicorn import ASGI_WORKERS, LOG_LEVELS, MANAGED, SHM, UVICORN_WORKER, VARIABLES
from django_platform.deploy.gunicorn_cli import Option, gunicorn_options
from django_platform.deploy.gunicorn_file import GUNICORN_CONF
from django_platform.platforms.cloudcontrol import CONFIG as CLOUDCONTROL_CONFIG

# The generated config's file names (cloudControl's line names its own).
CONFIG_NAMES = (GUNICORN_CONF, CLOUDCONTROL_CONFIG)
# Values that say what the generated config does anyway: nothing to tell.
_SAME = {
    "bind": ("$PORT", "${PORT"),
    "errorlog": ("-",),
    "accesslog": ("-",),
    "workers": ("$WEB_CONCURRENCY", "${WEB_CONCURRENCY"),
    "worker_tmp_dir": (SHM,),
    "worker_class": (UVICORN_WORKER,),  # the config's own choice for ASGI (E033 judges the module)
}


_PLAIN = re.compile(r"[\w@%+=:,./${}-]+")
_SPECIAL = re.compile(r'["\\`]')


class Carried(NamedTuple):
    kept: str  # the options kept on the new line, as the shell reads them ("" for none)
    replaced: list[str]  # each replaced option, with what keeps it ("--timeout 120 (set GUNICORN_TIMEOUT=120 …)")


def carried(web: str) -> Carried:
    """What happens to the gunicorn options of `web`, the web command the block replaces."""
    kept: list[str] = []
    replaced: list[str] = []
    for option in gunicorn_options(web) or []:
        if option.setting == "config":
            # The block's line reads the generated config (gunicorn.conf.py, which platform_gunicorn
            # --force adopts); another file of the project's is no longer read.
            if PurePath(option.value or "").name not in CONFIG_NAMES:
                replaced.append(
                    f"{' '.join(option.words)} (no longer read: move what you keep below the generated config's block)"
                )
        elif option.setting not in MANAGED:
            kept.extend(option.words)
        elif not as_configured(option):
            replaced.append(f"{' '.join(option.words)} ({_keeps(option)})")
    return Carried(" ".join(map(_quoted, kept)), replaced)


def _quoted(word: str) -> str:
    """A word for the shell, its variables still expanded ($APP_DIR, ${PORT:-8000})."""
    if _PLAIN.fullmatch(word):
        return word
    if "$" not in word:
        return shlex.quote(word)
    escaped = _SPECIAL.sub(lambda match: "\\" + match.group(), word)  # in double quotes: $ expands
    return f'"{escaped}"'


def as_configured(option: Option) -> bool:
    return any(marker in (option.value or "") for marker in _SAME.get(option.setting, ()))


def _keeps(option: Option) -> str:
    variable = VARIABLES.get(option.setting)
    if option.setting == "bind":
        return "the generated config binds $PORT"
    if option.setting == "worker_class" and option.value in ASGI_WORKERS:
        return "the generated config serves ASGI with uvicorn-worker"
    if variable is None or (option.setting == "loglevel" and (option.value or "").lower() not in LOG_LEVELS):
        return "the generated config decides"
    return f"set {variable}={'true' if option.value is None else option.value} to keep it"
