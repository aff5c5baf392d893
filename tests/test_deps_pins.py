"""Version pins real projects have (#26): gunicorn 23 or 26, an older Django. What django-platform
accepts is checked against them before the platform's pip install fails on them (E020)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from django_platform.checks import judging
from django_platform.checks.deployfiles import check_dependencies
from django_platform.deploy import deps
from django_platform.platforms import BY_NAME

ROOT = Path(__file__).resolve().parent.parent
OURS = "django-platform[postgres] @ git+https://github.com/YOU/django-platform.git\n"


def test_runtime_floors_are_pyprojects() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = {deps.normalise(deps.requirement(line)[0]): deps.specifier(line) for line in declared}  # type: ignore[index]
    for name, ours in deps.RUNTIME.items():
        assert floors[name] == ours, name


def test_the_lowest_tox_environment_installs_the_declared_floors() -> None:
    import configparser

    from packaging.version import Version

    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    lines = [line for line in tox["testenv:py310-lowest"]["deps"].splitlines() if line.strip()]
    pins = {deps.normalise(deps.requirement(line)[0]): deps.specifier(line) for line in lines}  # type: ignore[index]
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for line in declared:
        name, floor = deps.normalise(deps.requirement(line)[0]), deps.specifier(line)  # type: ignore[index]
        assert floor.startswith(">="), line
        assert Version(pins[name].removeprefix("==")) == Version(floor[2:]), line


@pytest.mark.parametrize(
    ("line", "spec"),
    [
        ("gunicorn==23.0.0", "==23.0.0"),
        ("gunicorn>=26,<27  # as Heroku's sample", ">=26,<27"),
        ("gunicorn (>=20)", ">=20"),
        ('gunicorn[gevent] ~= 22.0 ; python_version > "3"', "~=22.0"),
        ("whitenoise==6.*", "==6.*"),
        ("gunicorn", ""),
        ("-e .", ""),
        ("gunicorn @ https://example.com/gunicorn-23.0.0-py3-none-any.whl", ""),
        ("./vendor/gunicorn", ""),
        ("# gunicorn==1", ""),
    ],
)
def test_specifier(line: str, spec: str) -> None:
    assert deps.specifier(line) == spec


@pytest.mark.parametrize(
    ("pins", "excluded"),
    [
        ({"gunicorn": ">=26,<27"}, []),
        ({"gunicorn": "==23.0.0"}, []),
        ({"gunicorn": "==27.0.1", "django": "~=5.2.0"}, []),
        ({"whitenoise": "==6.*", "dj-database-url": ">=2,<3.1"}, []),
        ({"django": ">=6.0.dev0"}, []),
        ({"gunicorn": "==20.1.0"}, [("gunicorn", "==20.1.0", ">=23")]),
        ({"gunicorn": "~=22.0"}, [("gunicorn", "~=22.0", ">=23")]),
        ({"django": ">=4.2,<5.0"}, [("django", ">=4.2,<5.0", ">=5.2")]),
        ({"django": "<5.2"}, [("django", "<5.2", ">=5.2")]),
        ({"whitenoise": "==5.*"}, [("whitenoise", "==5.*", ">=6.6")]),
        ({"dj-database-url": "~=2.1"}, [("dj-database-url", "~=2.1", ">=3.0")]),
        ({"gunicorn": "not a specifier"}, []),  # left to pip, which names it
        ({"gunicorn": ">=23garbage"}, []),
        ({"gunicorn": "===23.0.0-custom"}, []),
    ],
)
def test_excluded(pins: dict[str, str], excluded: list[tuple[str, str, str]]) -> None:
    assert deps.excluded(deps.Declared("requirements.txt", {}, pins=pins)) == excluded


def _check(root: Path) -> list[str]:
    with override_settings(BASE_DIR=root), judging(BY_NAME["heroku"]):
        return [f"{m.id}: {m.msg}" for m in check_dependencies()]


def test_a_pin_through_includes_and_constraints_is_found(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements.txt").write_text("-r requirements/production.txt\n")
    (tmp_path / "requirements" / "production.txt").write_text(
        f"-r base.txt\n-c constraints.txt\n{OURS}psycopg[binary]\n"
    )
    (tmp_path / "requirements" / "base.txt").write_text("# the framework\nDjango>=5.2\ngunicorn\n")
    (tmp_path / "requirements" / "constraints.txt").write_text("gunicorn==20.1.0\n")
    assert _check(tmp_path) == [
        "django_platform.E020: requirements.txt pins gunicorn==20.1.0, which leaves no version django-platform can "
        "use (gunicorn>=23): the platform's pip install stops with ResolutionImpossible."
    ]
    (tmp_path / "requirements" / "constraints.txt").write_text("gunicorn>=26,<27\n")
    assert _check(tmp_path) == []


def test_lock_files_and_pyproject_pin_too(tmp_path: Path) -> None:
    lock = {"default": {"django": {"version": "==4.2.20"}, "gunicorn": {"version": "==23.0.0"}, "odd": "x"}}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock))
    assert [m.split(":")[0] for m in _check(tmp_path)] == ["django_platform.E020", "django_platform.W010"]
    (tmp_path / "Pipfile.lock").unlink()
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "gunicorn"\nversion = "22.0.0"\n\n[[package]]\nname = "django-platform"\n'
        '[[package]]\nname = "psycopg"\nversion = "3.2"\n'
    )
    assert _check(tmp_path) == [
        "django_platform.E020: uv.lock pins gunicorn==22.0.0, which leaves no version django-platform can use "
        "(gunicorn>=23): the platform's pip install stops with ResolutionImpossible."
    ]
    (tmp_path / "uv.lock").unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "site"\ndependencies = ["django-platform[postgres]", "Django>=4.2,<5"]\n'
    )
    assert [m.split(":")[0] for m in _check(tmp_path)] == ["django_platform.E020"]
