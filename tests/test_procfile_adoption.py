"""Procfiles shaped as projects write them, adopted by `platform_procfile --force`: every
wrapper, gunicorn option and release step is kept or said, nothing raises but CommandError, and
the next run finds nothing to change (the block is a fixed point, as `--check` in CI needs)."""

from __future__ import annotations

import shlex
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from django_platform.deploy.gunicorn_cli import gunicorn_options
from django_platform.deploy.procfile import process_types
from django_platform.deploy.web_options import as_configured

KEPT = ["newrelic-admin run-program", "ddtrace-run", "doppler run --", "A=1"]
WRAPPERS = ["", *KEPT, "bin/start-nginx", "cd src &&"]
PROGRAMS = ["gunicorn", "python -m gunicorn", "uvicorn", "daphne", "waitress-serve", "python manage.py runserver"]
OPTIONS = [
    "-w 3",
    "--timeout=120",
    "--chdir src",
    "--bind 0.0.0.0:$PORT",
    "-b 127.0.0.1:8000",
    "-k gthread",
    "--preload",
    "--env 'GREETING=hello world'",
    "--log-level debug",
    "--limit-request-line 8190",
    '-c "conf/my gunicorn.py"',
    "--worker-tmp-dir /dev/shm",
    "--access-logfile -",
    '--chdir "$APP_HOME/src"',
]
STEPS = [
    "python manage.py migrate",
    "python manage.py migrate --noinput",
    "./bin/release.sh",
    "python manage.py createcachetable",
    "sh -c 'python manage.py migrate && python manage.py loaddata x'",
    "doppler run -- python manage.py migrate",
    "python manage.py platform_migrate",
]
webs = st.builds(
    lambda wrapper, program, options, app: (" ".join(filter(None, [wrapper, program, app, *options])), wrapper),
    st.sampled_from(WRAPPERS),
    st.sampled_from(PROGRAMS),
    st.lists(st.sampled_from(OPTIONS), max_size=5, unique=True),
    st.sampled_from(["proj.wsgi", "proj.wsgi:application", "proj.asgi:application"]),
)
releases = st.lists(st.sampled_from(STEPS), min_size=1, max_size=3).map(" && ".join)


def run(tmp_path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with override_settings(WSGI_APPLICATION="proj.wsgi.application"):
        call_command(
            "platform_procfile", "--platform", "heroku", "--path", str(tmp_path), *args, stdout=out, stderr=err
        )
    return out.getvalue(), err.getvalue()


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shaped=webs | st.tuples(st.text(max_size=60), st.none()), release=releases | st.text(max_size=40))
@example(shaped=("ddtrace-run gunicorn proj.wsgi -w 3 --chdir src", "ddtrace-run"), release="./bin/release.sh")
@example(shaped=("gunicorn proj.wsgi --env 'A=1", ""), release="python manage.py migrate")
def test_a_projects_procfile_is_adopted_keeping_or_saying_each_part(
    shaped: tuple[str, str | None], release: str, tmp_path: Path
) -> None:
    web, wrapper = shaped
    procfile = tmp_path / "Procfile"
    original = f"web: {web}\nrelease: {release}\n"
    procfile.write_text(original, encoding="utf-8")
    try:
        _, said = run(tmp_path, "--force")
    except CommandError:
        event("refused")
        assert procfile.read_text(encoding="utf-8") == original  # refused: left as it was
        return
    event("adopted")
    text = procfile.read_text(encoding="utf-8")
    new = process_types(text.split("# END django-platform", 1)[0])
    # The old lines stay below the block, as comments where the block replaced them.
    for line in original.splitlines():
        assert line in text
    # Each gunicorn option of the old web line: on the new line, or named in what the command said.
    kept_as_gunicorn = gunicorn_options(new["web"]) is not None and gunicorn_options(web) is not None
    for option in (gunicorn_options(web) or []) if kept_as_gunicorn else []:
        on_line = all(word in shlex.split(new["web"]) for word in option.words)
        assert on_line or " ".join(option.words) in said or as_configured(option), option
    # A wrapper (not shell, not the nginx buildpack) stays in front.
    if wrapper in KEPT:
        assert new["web"].startswith(f"{wrapper} "), new["web"]
    elif wrapper is not None:
        assert new["web"].split()[0] in ("gunicorn", "daphne"), new["web"]
    # Our release runs, whatever else the old one did.
    assert "python manage.py platform_migrate" in new["release"]
    # A fixed point: the next run (and --check in CI) finds nothing to change.
    assert run(tmp_path)[0] == "Procfile is up to date; nothing to do.\n"
    assert run(tmp_path, "--check")[0] == "Procfile is up to date for heroku.\n"
