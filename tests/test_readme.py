"""The README's promises: CI runs its test command word for word; the docs' plugin example works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    [command] = [line for line in ci if line.startswith("python3 -m venv .venv && ") and "pytest" in line]
    assert command in (ROOT / "README.md").read_text().splitlines()


def test_the_docs_platform_plugin_example_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/own-platform.md's example, as a module named in settings, configures an app."""
    import re
    import sys

    import django_platform
    from django_platform.platforms import BY_NAME, PLATFORMS

    text = (ROOT / "docs" / "own-platform.md").read_text()
    [module] = re.findall(r"```python\n# acme_paas\.py\n(.*?)```", text, re.S)
    (tmp_path / "readme_acme_paas.py").write_text(module)
    monkeypatch.syspath_prepend(str(tmp_path))
    saved, by_name = list(PLATFORMS), dict(BY_NAME)
    try:
        settings: dict[str, Any] = {"DJANGO_PLATFORM_PLUGINS": ["readme_acme_paas"], "DATABASES": {}}
        report = django_platform.configure(settings, env={"ACME_APP": "shop", "DJANGO_SECRET_KEY": "k" * 50})
    finally:
        PLATFORMS[:] = saved
        BY_NAME.clear()
        BY_NAME.update(by_name)
        sys.modules.pop("readme_acme_paas", None)
    assert report.platform == "acme"
    assert settings["ALLOWED_HOSTS"] == ["shop.apps.acme.example"]
    assert settings["DATABASES"]["default"]["HOST"] == "db.acme.internal"
