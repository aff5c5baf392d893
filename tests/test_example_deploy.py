"""The example project, under each platform's simulated environment, passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.platform_envs import PLATFORM_ENVS, SECRET

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE",)
        and not k.startswith(
            ("DYNO", "RENDER", "FLY_", "RAILWAY_", "PLATFORM_", "DJANGO_", "DATABASE_", "PAAS_", "DEP_", "CRED_FILE")
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("platform", sorted(PLATFORM_ENVS))
def test_check_deploy_has_zero_issues(platform: str) -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "DEBUG", env={**PLATFORM_ENVS[platform], "DJANGO_SECRET_KEY": SECRET}
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_example_project_refuses_to_start_without_a_key_on_a_platform() -> None:
    result = manage("check", env=PLATFORM_ENVS["render"])
    assert result.returncode == 1
    assert "No secret key on Render: set DJANGO_SECRET_KEY" in result.stderr
