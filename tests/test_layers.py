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


def test_every_function_local_import_says_why() -> None:
    """A function-local import keeps `import django_platform`, settings import or gunicorn's
    master light, or waits for an optional package or the app registry; a comment starting with
    "# Local:" above it (or above the run of imports it belongs to) says which."""
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                index = node.lineno - 2
                # Back over the run of imports (and the if/else or try around them) to its comment.
                while index >= function.lineno and (
                    not lines[index].strip()
                    or lines[index].strip().startswith(("import ", "from ", "if ", "else", "try:"))
                ):
                    index -= 1
                comment: list[str] = []
                while index >= function.lineno and lines[index].strip().startswith("#"):
                    comment.insert(0, lines[index].strip())
                    index -= 1
                if not comment or not comment[0].startswith("# Local:"):
                    unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert unexplained == []
