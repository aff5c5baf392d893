"""What the web command's server runs with here, each value with why: gunicorn's settings (the
generated config's, as they resolve on this machine) or the Granian launcher's flags. One answer
for platform_check and platform_gunicorn --dry-run, so neither command cases the servers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_platform.deploy import granian, gunicorn
from django_platform.deploy.procfile import granian_launcher, web_call
from django_platform.platforms import Platform

Explained = list[tuple[str, Any, str]]


@dataclass(frozen=True)
class Served:
    """`values`: (name, value, why) rows, or our message for an invalid value (it names the
    variable, never the value). `flags`: command-line flags (None for a switch), not settings."""

    server: str
    values: Explained | str
    flags: bool = False

    def lines(self) -> list[str]:
        """The rows as the commands print them, indented."""
        if isinstance(self.values, str):
            return [f"  not resolvable: {self.values}"]
        if self.flags:
            return [f"  {name}{'' if value is None else f' {value}'}  [{why}]" for name, value, why in self.values]
        return [f"  {name} = {value!r}  [{why}]" for name, value, why in self.values]


def served_here(web: str, env: Mapping[str, str], platform: Platform, wsgi_application: str | None) -> Served:
    """The server the web command `web` starts, with what it runs with on this machine."""
    if granian_launcher(web):  # gunicorn does not start, nor read its config: the launcher's flags
        return Served("Granian (python -m django_platform.granian)", granian.explain_here(env, platform), flags=True)
    return Served("gunicorn", gunicorn.explain_here(env, platform, web_call(web, env, wsgi_application)))
