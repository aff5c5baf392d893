"""A project's own gunicorn config adopted (#26): settings inside if/else are commented out too, what
stays in force is said, and the configuration gunicorn really runs (--print-config) is ours."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_platform.checks import judging
from django_platform.checks.deployfiles import check_procfile
from django_platform.deploy.gunicorn_file import assigned_settings, comment_out_settings
from django_platform.platforms import BY_NAME
from tests.platform_envs import clean_environ

ROOT = Path(__file__).resolve().parent.parent
# Shaped as Heroku's getting-started gunicorn.conf.py is (python-getting-started): top-level
# settings, then reload or reuse_port chosen in an if/else. The adopted test project ships it.
HEROKU_SHAPED = (ROOT / "tests" / "projects" / "adopted" / "gunicorn.conf.py").read_text()


def run(tmp_path: Path, *args: str) -> str:
    out = StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        call_command("platform_gunicorn", *args, "--path", str(tmp_path), stdout=out, stderr=out)
    return out.getvalue()


def print_config(cwd: Path, env: dict[str, str], app: str = "tests.wsgi_app:waits", *args: str) -> dict[str, str]:
    """gunicorn's own view of the configuration it would run with in `cwd` (its gunicorn.conf.py,
    or the file `args` name), as `name = value` pairs."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--print-config", *args, app],
        cwd=cwd,
        env={**clean_environ(), "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pairs = (line.partition(" = ") for line in result.stdout.splitlines())
    return {name.strip(): value.strip() for name, sep, value in pairs if sep}


@pytest.mark.slow
def test_herokus_sample_is_adopted_and_gunicorn_runs_our_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(HEROKU_SHAPED)
    before = print_config(tmp_path, {"PORT": "5006"})
    assert before["reuse_port"] == "True" and before["threads"] == "5"
    out = run(tmp_path, "--platform", "heroku", "--force")
    assert "Commented out the old bind, worker_class, workers, threads, preload_app, timeout, graceful_timeout," in out
    assert "reuse_port: the block now decides them." in out
    assert "Kept from the old file, and applied by gunicorn beside the block: reload." in out
    text = conf.read_text()
    assert "    pass  # replaced by django-platform: reuse_port = True\n" in text
    assert "    reload = True\n" in text  # development only: kept, and said
    after = print_config(tmp_path, {"PORT": "5006", "DYNO": "web.1"})
    assert after["reuse_port"] == "False"
    assert after["max_requests"] == "10000"
    assert after["threads"] == "8"
    assert after["timeout"] != "20" and after["preload_app"] == "True"
    assert after["bind"] in ("['[::]:5006']", "['0.0.0.0:5006']", "['[::]:5006', '0.0.0.0:5006']")
    (tmp_path / "Procfile").write_text("web: gunicorn tests.wsgi_app:waits\n")
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        assert [m.id for m in check_procfile()] == []  # reload, kept, is no setting of the block's


def test_settings_in_try_with_and_loops_are_found_functions_and_classes_are_not() -> None:
    text = (
        "try:\n    import x\n    workers = 2\nexcept ImportError:\n    workers = (\n        3\n    )\nfinally:\n"
        "    threads = 1\nwith open('f') as f:\n    timeout = 5\nfor _ in ():\n    pass\nelse:\n    keepalive = 2\n"
        "def helper():\n    workers = 9\nclass Conf:\n    threads = 9\n"
    )
    out, found = comment_out_settings(text, {"workers", "threads", "timeout", "keepalive"})
    assert found == ["workers", "threads", "timeout", "keepalive"]
    assert "    pass  # replaced by django-platform: workers = (\n# replaced by django-platform:         3\n" in out
    assert "def helper():\n    workers = 9\nclass Conf:\n    threads = 9\n" in out
    compile(out, "gunicorn.conf.py", "exec")  # still Python
    assert [n for n, _ in assigned_settings(text)] == [
        "workers",
        "workers",
        "threads",
        "timeout",
        "keepalive",
        "helper",
    ]


def test_a_setting_sharing_its_line_is_refused_not_guessed(tmp_path: Path) -> None:
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("import os\nif os.environ.get('X'): reuse_port = True\n")
    with pytest.raises(CommandError, match=r"^gunicorn\.conf\.py sets a setting on a line it shares: fix it"):
        run(tmp_path, "--platform", "heroku", "--force")
    assert conf.read_text() == "import os\nif os.environ.get('X'): reuse_port = True\n"


def test_settings_below_the_block_are_flagged(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("web: gunicorn tests.wsgi_app:waits\n")
    run(tmp_path, "--platform", "heroku")
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(
        conf.read_text() + "import os\nif os.environ.get('X'):\n    max_requests = 5\nworkers = 3\nraw_env = []\n"
    )
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        messages = [m for m in check_procfile() if m.id == "django_platform.W022"]
    assert [m.msg for m in messages] == [
        "gunicorn.conf.py sets max_requests, workers below its managed block: gunicorn runs with those values, "
        "not the block's."
    ]
    conf.write_text(conf.read_text() + "def broken(:\n")
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        assert "django_platform.W022" not in [m.id for m in check_procfile()]
    conf.write_text("workers = 3\n")  # no block: nothing of ours to override
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        assert "django_platform.W022" not in [m.id for m in check_procfile()]
    assert os.path.exists(conf)


@pytest.mark.slow
def test_options_on_gunicorns_command_line_over_the_block_are_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web line and GUNICORN_CMD_ARGS: gunicorn reads both over its config file, so a worker
    count or timeout given there is what runs (shown with --print-config), and is said."""
    (tmp_path / "Procfile").write_text("web: gunicorn tests.wsgi_app:waits -w 3 --chdir . --bind 0.0.0.0:$PORT\n")
    run(tmp_path, "--platform", "heroku")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--timeout 120 --limit-request-line 8190")
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        messages = [m for m in check_procfile() if m.id == "django_platform.W060"]
    assert [m.msg for m in messages] == [
        "The Procfile's web line gives gunicorn -w 3, which it reads over gunicorn.conf.py's block: it runs with "
        "those, not the block's.",
        "GUNICORN_CMD_ARGS gives gunicorn --timeout 120, which it reads over gunicorn.conf.py's block: it runs with "
        "those, not the block's.",
    ]
    assert messages[1].hint == "Remove them; instead: --timeout 120 (set GUNICORN_TIMEOUT=120 to keep it)."
    printed = print_config(tmp_path, {"PORT": "5008", "GUNICORN_CMD_ARGS": "--timeout 120"}, "tests.wsgi_app:waits")
    assert printed["timeout"] == "120"  # gunicorn's own view: the variable won over the block
    (tmp_path / "gunicorn.conf.py").write_text("workers = 3\n")  # no block: nothing of ours to override
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        assert "django_platform.W060" not in [m.id for m in check_procfile()]
