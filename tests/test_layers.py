"""The layers, checked on every import statement (function-local ones too): pure parsers at the
bottom, platforms above them, areas above both, then configure(), checks, deployment files and
commands. Nothing imports upward, so there is no cycle to dodge with a function-local import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "django_platform"
BOTTOM = ("django_platform.attempt", "django_platform.textfile", "django_platform.parsers")
# Per layer: the only django_platform modules it may import (prefixes).
ALLOWED = {
    "parsers": BOTTOM,
    "platforms": (*BOTTOM, "django_platform.platforms", "django_platform.report", "django_platform.sensitive"),
    "areas": (
        *BOTTOM,
        "django_platform.platforms",
        "django_platform.report",
        "django_platform.sensitive",
        "django_platform.areas",
        "django_platform.machine",
        "django_platform.health",
    ),
}


def imported(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.split(".")[0] == "django_platform"]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_module_imports_upward(layer: str) -> None:
    allowed = ALLOWED[layer]
    upward = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in sorted((PACKAGE / layer).glob("*.py"))
        for line, name in imported(path)
        if not name.startswith(allowed) or name == "django_platform"
    ]
    assert upward == []


def test_the_lower_layers_import_nothing_of_the_upper_at_module_level_either() -> None:
    """report and sensitive sit beside platforms: they must not reach areas or configure()."""
    for module in ("report.py", "sensitive.py", "machine.py", "attempt.py", "textfile.py"):
        for line, name in imported(PACKAGE / module):
            assert not name.startswith(
                (
                    "django_platform.areas",
                    "django_platform.configuration",
                    "django_platform.checks",
                    "django_platform.deploy",
                )
            ), f"{module}:{line} imports {name}"
