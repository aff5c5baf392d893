"""`python -m django_platform.granian proj.asgi:application`: Granian tuned for the platform (the
web line `platform_procfile --server granian` writes); see django_platform/deploy/granian.py."""

from __future__ import annotations

import os
import shutil
import sys

from django.core.exceptions import ImproperlyConfigured

from django_platform.deploy.granian import (
    TARGET_VARIABLE,
    TRUSTED_VARIABLE,
    command_line,
    explain_here,
    trusted_proxies,
)
from django_platform.parsers.env import TextEnvironment
from django_platform.parsers.serving import SERVER_VARIABLE, reuse_threads
from django_platform.platforms import PLUGINS_VARIABLE, detect, load_plugins


def main(argv: list[str]) -> int:
    if len(argv) != 1 or (":" not in argv[0] and "." not in argv[0]):
        print("usage: python -m django_platform.granian proj.asgi:application", file=sys.stderr)
        return 2
    program = shutil.which("granian")
    if program is None:
        print("granian is not installed: pip install granian", file=sys.stderr)
        return 2
    env = TextEnvironment(os.environ)
    try:
        if env.get(PLUGINS_VARIABLE, "").strip():
            load_plugins(env[PLUGINS_VARIABLE])
        platform = detect(env).platform
        flags = explain_here(env, platform)
        if isinstance(flags, str):
            raise ImproperlyConfigured(flags)
        trusted = trusted_proxies(env, platform)
        reuse_threads(env)  # checked here, before the workers read it
    except ImproperlyConfigured as exc:  # our message: it names the variable, never its value
        print(f"django_platform.granian: {exc}", file=sys.stderr)
        return 2
    os.environ[TARGET_VARIABLE] = argv[0]
    os.environ[TRUSTED_VARIABLE] = trusted
    os.environ.setdefault(SERVER_VARIABLE, "asgi")  # configure(): settings under ASGI
    os.execv(program, [program, *command_line(flags)])  # noqa: S606 - the granian found on PATH, as the Procfile would run it
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":  # pragma: no cover - run as `python -m`, in subprocesses (tests/test_asgi_nodes.py)
    sys.exit(main(sys.argv[1:]))
