from __future__ import annotations

import os
import stat
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_platform.deploy import deps, files
from django_platform.management.commands.run_gunicorn import gunicorn_argv

HEROKU_PROCFILE = (
    "# BEGIN django-platform (for heroku): written by `python manage.py platform_procfile`; edit outside this block.\n"
    "web: gunicorn proj.wsgi\n"
    "release: python manage.py platform_migrate\n"
    "# END django-platform\n"
)


def run(command: str, tmp_path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        call_command(command, *args, "--path", str(tmp_path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_then_nothing_to_do(tmp_path: Path) -> None:
    out, _ = run("platform_procfile", tmp_path, "--platform", "heroku")
    assert out == f"Wrote {tmp_path / 'Procfile'} for heroku.\n"
    assert (tmp_path / "Procfile").read_text() == HEROKU_PROCFILE
    out, _ = run("platform_procfile", tmp_path, "--platform", "heroku")
    assert out == "Procfile is up to date; nothing to do.\n"
    assert (tmp_path / "Procfile").read_text() == HEROKU_PROCFILE


def test_user_lines_outside_the_block_are_kept(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("# my notes\n" + HEROKU_PROCFILE.replace("proj.wsgi", "old.wsgi") + "clock: python clock.py\n")
    run("platform_procfile", tmp_path, "--platform", "heroku")
    assert procfile.read_text() == "# my notes\n" + HEROKU_PROCFILE + "clock: python clock.py\n"


def test_check_exit_codes(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        run("platform_procfile", tmp_path, "--platform", "heroku", "--check")
    assert info.value.returncode == 1
    assert str(info.value) == (
        "Procfile is out of date for heroku: run python manage.py platform_procfile --platform heroku."
    )
    assert not (tmp_path / "Procfile").exists()
    run("platform_procfile", tmp_path, "--platform", "heroku")
    out, _ = run("platform_procfile", tmp_path, "--platform", "heroku", "--check")
    assert out == "Procfile is up to date for heroku.\n"
    with pytest.raises(CommandError) as info:
        run("platform_procfile", tmp_path, "--platform", "render", "--check")
    assert info.value.returncode == 1


def test_check_uses_the_platform_the_file_was_written_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # CI has no platform variables and nobody repeats --platform there.
    monkeypatch.delenv("DJANGO_PLATFORM", raising=False)
    for command in ("platform_procfile", "platform_gunicorn"):
        run(command, tmp_path, "--platform", "cloudcontrol")
        out, _ = run(command, tmp_path, "--check")
        assert out.endswith("is up to date for cloudcontrol.\n")
    assert (tmp_path / "gunicorn_config.py").exists() and not (tmp_path / "gunicorn.conf.py").exists()
    # DJANGO_PLATFORM, then --platform, win over the record.
    monkeypatch.setenv("DJANGO_PLATFORM", "heroku")
    with pytest.raises(CommandError, match="out of date for heroku"):
        run("platform_procfile", tmp_path, "--check")
    with pytest.raises(CommandError, match="out of date for render"):
        run("platform_procfile", tmp_path, "--check", "--platform", "render")


def test_check_never_writes_even_with_dry_run_or_diff(tmp_path: Path) -> None:
    for extra in ("--dry-run", "--diff"):
        with pytest.raises(CommandError) as info:
            run("platform_procfile", tmp_path, "--platform", "heroku", "--check", extra)
        assert info.value.returncode == 1
        assert not (tmp_path / "Procfile").exists()


def test_dry_run_and_diff_write_nothing(tmp_path: Path) -> None:
    out, _ = run("platform_procfile", tmp_path, "--platform", "heroku", "--dry-run")
    assert out == HEROKU_PROCFILE + f"Would write {tmp_path / 'Procfile'}.\n"
    out, _ = run("platform_procfile", tmp_path, "--platform", "heroku", "--diff")
    assert "+web: gunicorn proj.wsgi" in out
    assert not (tmp_path / "Procfile").exists()
    run("platform_procfile", tmp_path, "--platform", "heroku")
    assert run("platform_procfile", tmp_path, "--platform", "heroku", "--diff")[0] == "Procfile: no changes.\n"


def test_existing_file_without_markers_needs_force_and_loses_nothing(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: python manage.py run_gunicorn\nworker: celery -A proj worker\n")
    with pytest.raises(CommandError) as info:
        run("platform_procfile", tmp_path, "--platform", "heroku")
    assert info.value.returncode == 2
    assert "exists without a django-platform block: left alone" in str(info.value)
    assert procfile.read_text() == "web: python manage.py run_gunicorn\nworker: celery -A proj worker\n"
    run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    assert procfile.read_text() == (
        HEROKU_PROCFILE + "\n# replaced by django-platform: web: python manage.py run_gunicorn\n"
        "worker: celery -A proj worker\n"
    )


def test_unmatched_marker_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("# BEGIN django-platform\nweb: x\n")
    with pytest.raises(CommandError, match="unmatched"):
        run("platform_procfile", tmp_path, "--platform", "heroku")


def test_gunicorn_config_file_names_and_user_overrides(tmp_path: Path) -> None:
    run("platform_gunicorn", tmp_path, "--platform", "cloudcontrol")
    assert 'platform="cloudcontrol"' in (tmp_path / "gunicorn_config.py").read_text()
    conf = tmp_path / "gunicorn.conf.py"
    run("platform_gunicorn", tmp_path, "--platform", "render")
    conf.write_text(conf.read_text() + "workers = 3  # mine\n")
    run("platform_gunicorn", tmp_path, "--platform", "fly")
    text = conf.read_text()
    assert 'platform="fly"' in text and text.endswith("workers = 3  # mine\n")


def test_write_keeps_permissions(tmp_path: Path) -> None:
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(files.block("x = 1", "platform_gunicorn", "render"))
    conf.chmod(0o600)
    run("platform_gunicorn", tmp_path, "--platform", "render")
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600


def test_failure_between_write_and_rename_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(HEROKU_PROCFILE)

    def crash(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(CommandError, match=r"Procfile cannot be written \(OSError\)\.$"):
        run("platform_procfile", tmp_path, "--platform", "render")
    assert procfile.read_text() == HEROKU_PROCFILE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Procfile"]  # no temporary file left


def test_concurrent_writers_leave_one_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "Procfile"
    texts = [files.block(f"web: gunicorn p{i}.wsgi\n" * 200, "x", "heroku") for i in range(8)]
    threads = [threading.Thread(target=files.atomic_write, args=(path, t)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert path.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["Procfile"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_procfile_warns_about_undeclared_dependencies(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django>=5\n")
    with override_settings(DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}):
        _, err = run("platform_procfile", tmp_path, "--platform", "heroku")
    assert "requirements.txt does not declare: gunicorn, django-platform, a postgresql driver" in err
    (tmp_path / "requirements.txt").write_text("django-platform[postgres]==0.1\n")
    assert run("platform_procfile", tmp_path, "--platform", "heroku")[1] == ""


def test_unknown_platform_option(tmp_path: Path) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=r"^--platform='mars' is not a known platform"):
        run("platform_procfile", tmp_path, "--platform", "mars")


def test_run_gunicorn_argv() -> None:
    assert gunicorn_argv(["--config", "gunicorn_config.py", "-b", "0.0.0.0:5000"], "proj.wsgi.application") == [
        "gunicorn",
        "--config",
        "gunicorn_config.py",
        "-b",
        "0.0.0.0:5000",
        "proj.wsgi",
    ]
    assert gunicorn_argv(["-w", "2", "other.wsgi:app"], "proj.wsgi.application") == [
        "gunicorn",
        "-w",
        "2",
        "other.wsgi:app",
    ]


# --- dependency files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "requirements.txt",
            "Django==5.2  # web\ngunicorn>=22\npsycopg[binary]>=3\ndjango_platform @ git+https://example.com/x\n",
        ),
        ("Pipfile.lock", '{"default": {"django": {}, "gunicorn": {}, "psycopg": {}, "django-platform": {}}}'),
        (
            "poetry.lock",
            '[[package]]\nname = "Django"\n[[package]]\nname = "gunicorn"\n[[package]]\n'
            'name = "psycopg"\n[[package]]\nname = "django-platform"\n',
        ),
        (
            "uv.lock",
            '[[package]]\nname = "psycopg"\n[[package]]\nname = "django-platform"\n[[package]]\nname = "gunicorn"\n',
        ),
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["django-platform", "gunicorn", "psycopg"]\n'),
    ],
)
def test_dependency_files(name: str, text: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(text)
    found = deps.declared(tmp_path)
    assert found is not None and found.file == name
    assert deps.missing(found, ["postgresql"]) == []
    assert deps.missing(found, ["mysql"]) == ["a mysql driver (mysqlclient)"]


def test_no_or_broken_dependency_file(tmp_path: Path) -> None:
    assert deps.declared(tmp_path) is None
    (tmp_path / "Pipfile.lock").write_text("{broken")
    found = deps.declared(tmp_path)
    assert found == deps.Declared(
        "Pipfile.lock",
        {},
        "Pipfile.lock could not be read: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    )
    assert deps.missing(found, []) == ["gunicorn", "django-platform"]


def test_gunicorn_dry_run_shows_the_values_resolved_here(tmp_path: Path) -> None:
    out = StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        call_command("platform_gunicorn", "--platform", "fly", "--path", str(tmp_path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert not (tmp_path / "gunicorn.conf.py").exists()
    assert "At server start here (Fly.io, this machine's CPUs and memory, this environment):" in text
    assert "  graceful_timeout = 4  [Fly.io sends SIGINT, then SIGKILL after 5 s]" in text


def test_the_values_resolved_here_are_for_the_web_command_the_platform_starts(tmp_path: Path) -> None:
    """Fly.io starts fly.toml's app process, not the Procfile's web line: the worker is chosen for
    the module fly.toml serves (platform_check's explanation reads the same command)."""
    (tmp_path / "Procfile").write_text("web: gunicorn proj.wsgi\n")

    def worker_class() -> str:
        out = StringIO()
        with override_settings(WSGI_APPLICATION="proj.wsgi.application", BASE_DIR=tmp_path):
            call_command("platform_gunicorn", "--platform", "fly", "--path", str(tmp_path), "--dry-run", stdout=out)
        return next(line for line in out.getvalue().splitlines() if line.startswith("  worker_class = "))

    assert "gthread" in worker_class()
    (tmp_path / "fly.toml").write_text('[processes]\napp = "gunicorn proj.asgi"\n')
    assert "gthread" not in worker_class()
    # The Granian launcher starts instead: the file is not read, and the dry run says so.
    (tmp_path / "fly.toml").write_text('[processes]\napp = "python -m django_platform.granian proj.asgi:application"\n')
    out = StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application", BASE_DIR=tmp_path):
        call_command("platform_gunicorn", "--platform", "fly", "--path", str(tmp_path), "--dry-run", stdout=out)
    assert (
        "  not read: the web command starts Granian (python -m django_platform.granian), whose flags "
        "platform_check shows" in out.getvalue()
    )
    assert "  worker_class = " not in out.getvalue()


def test_gunicorn_dry_run_names_an_invalid_value(tmp_path: Path) -> None:
    from django_platform.report import Report

    report = Report("render", "r")
    report.environment = {"GUNICORN_TIMEOUT": "planted-soon"}
    out = StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application", DJANGO_PLATFORM_REPORT=report):
        call_command("platform_gunicorn", "--platform", "render", "--path", str(tmp_path), "--dry-run", stdout=out)
    assert "  not resolvable: GUNICORN_TIMEOUT must be a whole number." in out.getvalue()
    assert "planted" not in out.getvalue()


def test_a_release_line_the_platform_never_runs_is_flagged(tmp_path: Path) -> None:
    """Scalingo runs postdeploy:, not release:; a release: line left beside the block does nothing."""
    from django_platform.checks import judging
    from django_platform.checks.deployfiles import check_procfile
    from django_platform.platforms import BY_NAME

    (tmp_path / "Procfile").write_text("release: python manage.py migrate\n")
    _, err = run("platform_procfile", tmp_path, "--platform", "scalingo", "--force")
    assert "The Procfile's release: line never runs on Scalingo, which runs postdeploy: instead." in err
    text = (tmp_path / "Procfile").read_text()
    assert "postdeploy: python manage.py platform_migrate" in text
    # --force commented the old line out (a release: line is no process type of the block's).
    (tmp_path / "Procfile").write_text(text + "release: python manage.py migrate\n")
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application"):
        with judging(BY_NAME["scalingo"]):
            found = [m for m in check_procfile() if m.id == "django_platform.W024"]
        assert [m.msg for m in found] == [
            "The Procfile's release: line never runs on Scalingo, which runs postdeploy: instead."
        ]
        assert found[0].hint == "Remove it: the managed block's postdeploy: line migrates."
        with judging(BY_NAME["heroku"]):
            assert [m for m in check_procfile() if m.id == "django_platform.W024"] == []


@pytest.mark.parametrize(
    "wrapper",
    ["newrelic-admin run-program", "ddtrace-run", "opentelemetry-instrument --service_name shop", "doppler run --"],
)
def test_a_wrapper_the_project_runs_its_processes_through_stays(wrapper: str, tmp_path: Path) -> None:
    """An APM agent or a secrets manager in front of the web and release commands: dropping it
    loses the instrumentation, or every secret the release needs. Kept in front of ours, and the
    block is up to date on the next run and for platform_check."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"web: {wrapper} gunicorn proj.wsgi --log-file -\nrelease: {wrapper} python manage.py migrate\n"
    )
    run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    text = procfile.read_text()
    assert f"\nweb: {wrapper} gunicorn proj.wsgi\nrelease: {wrapper} python manage.py platform_migrate\n" in text
    out, _ = run("platform_procfile", tmp_path, "--platform", "heroku", "--check")
    assert out == "Procfile is up to date for heroku.\n"
    from django_platform.checks import judging
    from django_platform.checks.deployfiles import check_procfile
    from django_platform.platforms import BY_NAME

    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="proj.wsgi.application"), judging(BY_NAME["heroku"]):
        assert "django_platform.W009" not in [m.id for m in check_procfile()]  # no drift


@pytest.mark.parametrize(
    ("web", "expected"),
    [
        # Shell, not a wrapper: the release line migrates; `cd` belongs to the project's layout.
        ("python manage.py migrate && gunicorn proj.wsgi", "web: gunicorn proj.wsgi"),
        ("cd src && gunicorn proj.wsgi", "web: gunicorn proj.wsgi"),
        # The nginx buildpack listens on $PORT itself: dropped, and said.
        ("bin/start-nginx gunicorn -c config/gunicorn.conf.py proj.wsgi", "web: gunicorn proj.wsgi"),
    ],
)
def test_a_shell_prefix_or_the_nginx_buildpack_is_not_kept(web: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text(f"web: {web}\n")
    _, err = run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    assert f"\n{expected}\n" in (tmp_path / "Procfile").read_text()
    assert ("bin/start-nginx (the nginx buildpack) is not kept" in err) == web.startswith("bin/start-nginx")


def test_the_projects_own_uvicorn_line_is_served_over_asgi(tmp_path: Path) -> None:
    """uvicorn (or Hypercorn) started by the project's own web line: its ASGI application, by
    gunicorn with uvicorn-worker, not the WSGI one."""
    (tmp_path / "Procfile").write_text("web: .venv/bin/uvicorn proj.asgi:application --host 0.0.0.0 --port $PORT\n")
    with override_settings(ASGI_APPLICATION="proj.asgi.application"):
        out, _ = run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    assert "\nweb: gunicorn proj.asgi\n" in (tmp_path / "Procfile").read_text()
    assert "over ASGI (the Procfile's web line serves ASGI)" in out


def test_the_replaced_web_lines_gunicorn_options_are_kept_or_said(tmp_path: Path) -> None:
    """What the generated config decides gives way, each said with the variable that keeps it
    (or that it is the config's way already); the rest stays on the line, quoted so the
    platform's shell still expands it."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        'web: gunicorn --chdir "$APP_DIR" proj.wsgi:application --bind 0.0.0.0:$PORT -w 3 --timeout=120 --preload '
        "-k uvicorn.workers.UvicornWorker --log-file - --worker-tmp-dir /dev/shm -c config/gunicorn.py "
        "--limit-request-line 8190 --env 'GREETING=hello world'\n"
    )
    out, err = run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    web = "gunicorn proj.wsgi --chdir $APP_DIR --limit-request-line 8190 --env 'GREETING=hello world'"
    assert f"\nweb: {web}\n" in procfile.read_text()
    assert err.splitlines()[0] == (
        "The web line's own gunicorn options give way to the generated config: -w 3 (set WEB_CONCURRENCY=3 to keep "
        "it), --timeout=120 (set GUNICORN_TIMEOUT=120 to keep it), --preload (set GUNICORN_PRELOAD=true to keep it), "
        "-k uvicorn.workers.UvicornWorker (the generated config serves ASGI with uvicorn-worker), "
        "-c config/gunicorn.py (no longer read: move what you keep below the generated config's block)."
    )
    out, err = run("platform_procfile", tmp_path, "--platform", "heroku")
    assert out == "Procfile is up to date; nothing to do.\n" and "give way" not in err
    from django_platform.checks import judging
    from django_platform.checks.deployfiles import check_procfile
    from django_platform.platforms import BY_NAME

    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="proj.wsgi.application"), judging(BY_NAME["heroku"]):
        assert "django_platform.W009" not in [m.id for m in check_procfile()]  # no drift


@pytest.mark.slow
def test_the_options_kept_on_the_web_line_reach_gunicorn_over_the_config(tmp_path: Path) -> None:
    """gunicorn reads the kept options over the generated config's values, as the platform's
    shell passes them ($APP_DIR expanded)."""
    import shlex
    import subprocess
    import sys

    from django_platform.deploy.web_options import carried
    from tests.platform_envs import clean_environ

    kept = carried("gunicorn --chdir $APP_DIR p.wsgi --limit-request-line 8190 --env 'GREETING=hello world'").kept
    run("platform_gunicorn", tmp_path, "--platform", "heroku")
    env = {**clean_environ(), "PORT": "5007", "APP_DIR": str(tmp_path), "PYTHONPATH": str(Path.cwd())}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    printed = subprocess.run(
        ["sh", "-c", f"{shlex.quote(str(gunicorn))} --print-config {kept} tests.wsgi_app:waits"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    pairs = (line.partition(" = ") for line in printed.splitlines())
    values = {name.strip(): value.strip() for name, sep, value in pairs if sep}
    assert values["limit_request_line"] == "8190"
    assert values["chdir"] == str(tmp_path)
    assert values["raw_env"] == "['GREETING=hello world']"
    assert values["max_requests"] == "10000"  # the generated config's, still read


@pytest.mark.parametrize(
    ("web", "kept", "replaced"),
    [
        ("gunicorn p.wsgi -b 127.0.0.1:8000", "", ["-b 127.0.0.1:8000 (the generated config binds $PORT)"]),
        ("gunicorn p.wsgi --bind=[::]:${PORT:-8000} -w ${WEB_CONCURRENCY:-2}", "", []),
        ("gunicorn p.wsgi --log-level debug", "", ["--log-level debug (the generated config decides)"]),
        ("gunicorn p.wsgi --log-level WARNING", "", ["--log-level WARNING (set GUNICORN_LOGLEVEL=WARNING to keep it)"]),
        ("gunicorn p.wsgi --reuse-port", "", ["--reuse-port (the generated config decides)"]),
        ("gunicorn p.wsgi -c gunicorn.conf.py -ksync", "", ["-ksync (set GUNICORN_WORKER_CLASS=sync to keep it)"]),
        ("gunicorn p.asgi -k uvicorn_worker.UvicornWorker", "", []),  # cookiecutter-django's: the config's own
        ("gunicorn p.wsgi --no-such-option --statsd-host=s:8125", "--no-such-option --statsd-host=s:8125", []),
        ('gunicorn p.wsgi --chdir "$HOME/my app" && echo done', '--chdir "$HOME/my app"', []),
        ("python manage.py run_gunicorn", "", []),
        ("gunicorn 'p.wsgi", "", []),  # not a command the shell can split: nothing carried
    ],
)
def test_each_option_is_carried_or_said(web: str, kept: str, replaced: list[str]) -> None:
    from django_platform.deploy.web_options import carried

    assert carried(web) == (kept, replaced)


@pytest.mark.parametrize(
    ("release", "expected", "said"),
    [
        ("python manage.py migrate --noinput", "python manage.py platform_migrate", False),
        (
            "python manage.py migrate && python manage.py createcachetable",
            "python manage.py platform_migrate && python manage.py createcachetable",
            False,
        ),
        ("./bin/release.sh", "python manage.py platform_migrate && ./bin/release.sh", True),
        (
            "sh -c 'python manage.py migrate && python manage.py loaddata site'",
            "python manage.py platform_migrate && sh -c 'python manage.py migrate && python manage.py loaddata site'",
            True,
        ),
        ("doppler run -- python manage.py migrate", "doppler run -- python manage.py platform_migrate", False),
        ("python -m django migrate && django-admin compilemessages", None, False),
        (
            "python manage.py migrate && python manage.py migrate --database=archive",
            "python manage.py platform_migrate && python manage.py migrate --database=archive",
            False,
        ),
    ],
)
def test_the_release_lines_own_steps_stay_beside_the_safe_release(
    release: str, expected: str | None, said: bool, tmp_path: Path
) -> None:
    """Its migrate becomes platform_migrate; its other steps stay, in order; a command with no
    migrate step of its own (a script) runs after ours, and the command says so. Stable after."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"web: gunicorn proj.wsgi\nrelease: {release}\n")
    _, err = run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    expected = expected or "python manage.py platform_migrate && django-admin compilemessages"
    assert f"\nrelease: {expected}\n" in procfile.read_text()
    assert ("The release phase runs platform_migrate first" in err) is said
    out, err = run("platform_procfile", tmp_path, "--platform", "heroku")
    assert out == "Procfile is up to date; nothing to do.\n" and "release phase" not in err


def test_a_step_that_cannot_be_split_is_no_migrate() -> None:
    from django_platform.deploy.release_line import merged_release, migrates

    assert not migrates("python manage.py 'migrate") and not migrates("manage.py")
    assert merged_release("ours", "") == ("ours", False)


def test_the_web_lines_steps_before_its_server_are_said_with_where_they_belong(tmp_path: Path) -> None:
    """collectstatic and migrate chained before the server (a common Railway or Render start
    command): not kept on the web line, each said with where it runs on the platform instead."""
    (tmp_path / "Procfile").write_text(
        "web: python manage.py collectstatic --noinput && python manage.py migrate && ./warm.sh && gunicorn proj.wsgi\n"
    )
    _, err = run("platform_procfile", tmp_path, "--platform", "railway", "--force")
    assert "\nweb: gunicorn proj.wsgi\n" in (tmp_path / "Procfile").read_text()
    assert err.splitlines()[0] == (
        "The web line's steps before its server are not kept: python manage.py collectstatic --noinput (at build: set "
        "the service's build command to `python manage.py collectstatic --noinput`), python manage.py migrate (set the "
        "service's Pre-Deploy Command to `python manage.py platform_migrate`), ./warm.sh."
    )
    (tmp_path / "Procfile").write_text("web: python manage.py migrate && gunicorn proj.wsgi\n")
    _, err = run("platform_procfile", tmp_path, "--platform", "heroku", "--force")
    assert "python manage.py migrate (the release phase runs platform_migrate)." in err
    _, err = run("platform_procfile", tmp_path, "--platform", "heroku")
    assert "not kept" not in err  # the block's own line: nothing left out
    # Where the platform says nothing of either (locally): only that they are not kept.
    chained = "web: python manage.py migrate && python manage.py collectstatic && gunicorn p.wsgi\n"
    (tmp_path / "Procfile").write_text(chained)
    _, err = run("platform_procfile", tmp_path, "--platform", "local", "--force")
    assert "not kept: python manage.py migrate, python manage.py collectstatic (at build)." in err
