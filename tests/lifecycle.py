"""A platform's lifecycle, phase by phase, with only the variables each phase really has.

This model is the tests' own, written from ../shared/reference/platforms*.md and kept apart from
django_platform's platform table on purpose: tests that share the code's model cannot catch its
mistakes. Default variables only: no opt-in features (no Heroku dyno metadata).

- build: collectstatic (and migrate where the builder runs it), with the builder's variables; the
  user's config vars only where that builder passes them (buildpacks do, Docker builds do not);
- release: the platform's release / pre-deploy / post-deploy / deploy-hook command, or a one-off
  console command where it has none;
- run: the Procfile's `web` process under honcho, with the run-time variables.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.services import free_port, port_open, unavailable, wait_for

BIN = Path(sys.executable).parent
SHA = "3f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
ENTROPY = "Kq3vX9rT2mZp7LwB4nYc8HsD1fGj6QaE5uRt0VbNxMkWoPiUyAzSl2"  # Upsun: 56 random characters


@dataclass(frozen=True)
class Lifecycle:
    # The platform's own variables in each phase (the user's config vars come on top, see below).
    build: dict[str, str]
    run: dict[str, str]
    # The host name the router sends for the app's default domain.
    public_host: str
    # Whether the user's config vars (and add-on variables) reach the build.
    config_at_build: bool = True
    # The release phase's own variables, when the platform has one; else a one-off console command
    # with the run-time variables applies the migrations.
    release: dict[str, str] | None = None
    # How the release runs the migrations: "procfile" (the Procfile's release: line) or "command"
    # (a command configured on the platform: pre-deploy, release_command, deploy hook).
    release_from: str = "command"
    # Host header of the platform's health checks, None where it has none (or none over HTTP).
    health_host: str | None = None
    # Variables the user must set besides the database and add-ons (the README's recipe).
    user: dict[str, str] = field(default_factory=dict)


LIFECYCLES: dict[str, Lifecycle] = {
    # Buildpack build: config vars, STACK and SOURCE_VERSION, no DYNO. Release dyno: DYNO=release.N.
    "heroku": Lifecycle(
        build={"STACK": "heroku-24", "SOURCE_VERSION": SHA},
        release={"DYNO": "release.4217"},
        release_from="procfile",
        run={"DYNO": "web.1"},
        public_host="example-app-1a2b3c4d5e6f.herokuapp.com",
    ),
    # herokuish build with the app's config; GIT_REV and DOKKU_* are set on the app's containers.
    "dokku": Lifecycle(
        build={},
        release={"DYNO": "release.1", "GIT_REV": SHA},
        release_from="procfile",
        run={"DYNO": "web.1", "GIT_REV": SHA, "DOKKU_APP_TYPE": "herokuish"},
        public_host="app.dokku.example.com",
        user={"DJANGO_ALLOWED_HOSTS": "app.dokku.example.com"},
    ),
    # The buildpack's environment is not documented: assume nothing reaches it. Migrations through
    # `cctrlapp APP/DEP run "python manage.py migrate"`.
    "cloudcontrol": Lifecycle(
        build={},
        config_at_build=False,
        run={
            "PAAS_VENDOR": "cloudControl",
            "DEP_NAME": "app/default",
            "DEP_ID": "dep1",
            "DOMAIN": "cloudcontrolled.com",
        },
        public_host="app.cloudcontrolled.com",
    ),
    # "Environment variables set in your app settings are injected during the build process."
    # No marker; HOST is set (and proves nothing). Migrations from the console.
    "qoddi": Lifecycle(
        build={},
        run={"HOST": "0.0.0.0"},  # noqa: S104 - what Qoddi sets, not a bind
        public_host="app.qoddiapp.com",
        user={"DJANGO_PLATFORM": "qoddi", "DJANGO_ALLOWED_HOSTS": "app.qoddiapp.com"},
    ),
    # Native build: RENDER=true and the service's variables at build and run; preDeployCommand.
    "render": Lifecycle(
        build={"RENDER": "true", "IS_PULL_REQUEST": "false", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"},
        release={"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"},
        run={"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com", "IS_PULL_REQUEST": "false"},
        public_host="app.onrender.com",
        health_host="app.onrender.com",
    ),
    # Docker build (flyctl's Django Dockerfile runs collectstatic): nothing at all. release_command
    # in a temporary Machine with the runtime variables and secrets.
    "fly": Lifecycle(
        build={},
        config_at_build=False,
        release={"FLY_APP_NAME": "app", "FLY_REGION": "ams", "FLY_MACHINE_ID": "e784079b449483"},
        run={
            "FLY_APP_NAME": "app",
            "FLY_REGION": "ams",
            "PRIMARY_REGION": "ams",
            "FLY_MACHINE_ID": "e784079b449483",
            "FLY_PRIVATE_IP": "fdaa:0:18:a7b:7d:3f06:2fc:2",
        },
        public_host="app.fly.dev",
        health_host="[fdaa:0:18:a7b:7d:3f06:2fc:2]",  # unverified: checks come over the private network
    ),
    # Railpack build with every service and Railway variable; pre-deploy command; health checks
    # with the Host healthcheck.railway.app. The build command is the user's (Railpack runs no
    # collectstatic): the README's recipe sets it.
    "railway": Lifecycle(
        build={
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PROJECT_ID": "p-1",
            "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app",
        },
        release={
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PROJECT_ID": "p-1",
            "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app",
        },
        run={
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PROJECT_ID": "p-1",
            "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app",
            "RAILWAY_PRIVATE_DOMAIN": "web.railway.internal",
            "RAILWAY_SERVICE_NAME": "web",
        },
        public_host="app.up.railway.app",
        health_host="healthcheck.railway.app",
    ),
    # Build: no PLATFORM_ENVIRONMENT, PLATFORM_RELATIONSHIPS or PLATFORM_ROUTES; hooks.deploy runs
    # with the run-time variables. The secret key is the project's entropy.
    "platformsh": Lifecycle(
        build={"PLATFORM_APPLICATION_NAME": "app", "PLATFORM_PROJECT": "abc123", "PLATFORM_PROJECT_ENTROPY": ENTROPY},
        config_at_build=False,
        release={},  # filled in with the run-time variables by phase_env()
        run={
            "PLATFORM_APPLICATION_NAME": "app",
            "PLATFORM_PROJECT": "abc123",
            "PLATFORM_PROJECT_ENTROPY": ENTROPY,
            "PLATFORM_ENVIRONMENT": "main-bvxea6i",
            "PLATFORM_BRANCH": "main",
        },
        public_host="app.example.com",
    ),
}


def phase_env(lifecycle: Lifecycle, phase: str, config: dict[str, str], run_only: dict[str, str]) -> dict[str, str]:
    """The variables a phase has. `config`: the user's config vars and add-on variables;
    `run_only`: what exists only in the running containers (Upsun's relationships and routes)."""
    user = {**lifecycle.user, **config}
    if phase == "build":
        return {**lifecycle.build, **(user if lifecycle.config_at_build else {})}
    if phase == "release":
        own = lifecycle.run if lifecycle.release in (None, {}) else lifecycle.release
        return {**own, **user, **run_only}
    return {**lifecycle.run, **user, **run_only}


def children(pid: int) -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(root: int) -> list[int]:
    tree, found, stack = children(root), [], [root]
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


@contextlib.contextmanager
def honcho(project: Path, env: dict[str, str], process: str = "web") -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`honcho start -p PORT <process>` in the project, as a Procfile platform starts it."""
    if not (BIN / "honcho").exists():
        unavailable("honcho is not installed (pip install honcho)")
    port = free_port()
    full = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(project), **env}
    proc = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-p", str(port), process],
        cwd=project,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        started = wait_for(lambda: port_open("127.0.0.1", port) or proc.poll() is not None, timeout=30)
        if not started or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"the Procfile did not start: {proc.communicate()[0][-3000:]}")
        yield proc, port
    finally:
        if proc.poll() is None:
            # honcho starts each process in its own group: kill the whole tree, not just honcho.
            for pid in [*descendants(proc.pid), proc.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
