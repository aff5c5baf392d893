"""The README's promises: CI runs its test command word for word."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    [command] = [line for line in ci if line.startswith("python3 -m venv .venv && ") and "pytest" in line]
    assert command in (ROOT / "README.md").read_text().splitlines()
