"""The example project's committed Procfile and gunicorn config are what the commands generate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.platform_envs import clean_environ

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["platform_procfile", "platform_gunicorn"])
def test_committed_files_are_up_to_date(command: str) -> None:
    # As in CI: no platform variables and no --platform; the files say which platform they are for.
    env = clean_environ()
    result = subprocess.run(
        [sys.executable, "manage.py", command, "--check"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("is up to date for heroku.")
