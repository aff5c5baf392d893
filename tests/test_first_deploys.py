"""What broke real first deploys, each as a user met it: build and run disagreeing on static files,
hosts on a default Heroku app, settings.py losing to platform defaults, the email check, dependency
files with includes, writers that did not take effect, Procfile lines with variables."""

from __future__ import annotations

import logging
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

import django_platform
from django_platform import storage
from django_platform.areas.static import PLATFORM_STORAGE, SECURITY, WHITENOISE
from django_platform.checks import deployfiles, judging, web
from django_platform.configuration import AREAS
from django_platform.deploy import deps
from django_platform.platforms import BY_NAME, detect
from django_platform.report import Report

KEY = {"DJANGO_SECRET_KEY": "k" * 50}
HEROKU_BUILD = {"STACK": "heroku-24", "SOURCE_VERSION": "3f1c2d9e", **KEY}  # no DYNO at build
HEROKU_RUN = {"DYNO": "web.1", **KEY}  # no dyno metadata: that is opt-in


def configure(env: dict[str, str], **settings: Any) -> tuple[dict[str, Any], Report]:
    ns: dict[str, Any] = {"SECRET_KEY": "django-insecure-x", "DEBUG": True, "BASE_DIR": Path("/app"), **settings}
    report = django_platform.configure(ns, env=env, exclude={"databases", "logging"})
    return ns, report


def ids(check: Any, platform: str) -> list[str]:
    with judging(BY_NAME[platform]):
        return [m.id or "" for m in check()]


# --- build and run agree on static files --------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "run"),
    [
        (HEROKU_BUILD, HEROKU_RUN),  # buildpack: config vars, no DYNO
        ({}, {"FLY_APP_NAME": "app", **KEY}),  # Docker build: nothing
        ({"INSTANCE_TYPE": "build", **KEY}, {"RENDER": "true", **KEY}),  # Clever Cloud-style build marker
        ({"APP": "app", "SOURCE_VERSION": "abc", "STACK": "scalingo-22", **KEY}, {"DYNO": "web.1", **KEY}),
    ],
)
def test_the_build_collects_with_the_storage_the_run_reads(build: dict[str, str], run: dict[str, str]) -> None:
    at_build, _ = configure(build)
    at_run, _ = configure(run)
    assert at_build["STORAGES"]["staticfiles"] == at_run["STORAGES"]["staticfiles"] == {"BACKEND": PLATFORM_STORAGE}


def test_a_heroku_build_is_named_in_the_detection_reason() -> None:
    detection = detect(HEROKU_BUILD)
    assert detection.platform.name == "local"
    assert "a build phase? environment has STACK, SOURCE_VERSION (Heroku-lineage buildpack)" in detection.reason


def test_settings_py_manifest_storage_gains_compression_and_custom_storages_are_kept() -> None:
    manifest = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    ns, report = configure(HEROKU_RUN, STORAGES=manifest)
    assert ns["STORAGES"]["staticfiles"] == {"BACKEND": PLATFORM_STORAGE}
    assert report.source("STORAGES.staticfiles") == "settings.py's ManifestStaticFilesStorage, with compression added"
    plain = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ns, report = configure(HEROKU_BUILD, STORAGES=plain)
    assert ns["STORAGES"]["staticfiles"] == {"BACKEND": PLATFORM_STORAGE}
    assert report.source("STORAGES.staticfiles") == "replaces settings.py's StaticFilesStorage: hashed and compressed"
    custom = {"staticfiles": {"BACKEND": "proj.storage.CDNStorage", "OPTIONS": {"location": "x"}}}
    ns, report = configure(HEROKU_BUILD, STORAGES=custom)
    assert ns["STORAGES"]["staticfiles"] == custom["staticfiles"]
    assert report.source("STORAGES.staticfiles") == "settings.py"


def render_static(name: str) -> str:
    """What {% static name %} renders: the staticfiles storage's URL."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    return str(staticfiles_storage.url(name))


@pytest.mark.parametrize(("platform", "level"), [("heroku", logging.ERROR), ("local", logging.INFO)])
def test_a_missing_manifest_serves_plain_names_and_says_so_once(
    platform: str, level: int, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.PlatformStaticStorage, "_reported", False)
    caplog.set_level(logging.INFO, logger="django_platform.areas.static")
    stores = {"staticfiles": {"BACKEND": PLATFORM_STORAGE}}
    report = Report(platform, "")
    with override_settings(STORAGES=stores, STATIC_ROOT=tmp_path, STATIC_URL="/static/", DJANGO_PLATFORM_REPORT=report):
        assert render_static("admin/css/base.css") == "/static/admin/css/base.css"  # not a 500
        assert render_static("app.js") == "/static/app.js"
    records = [r for r in caplog.records if r.name == "django_platform.areas.static"]
    assert [r.levelno for r in records] == [level]
    assert "python manage.py collectstatic --noinput" in records[0].getMessage()


def test_collected_files_are_served_under_hashed_names(tmp_path: Path, example_static: Path) -> None:
    shutil.copytree(example_static, tmp_path / "static")
    stores = {"staticfiles": {"BACKEND": PLATFORM_STORAGE}}
    with override_settings(STORAGES=stores, STATIC_ROOT=tmp_path / "static", STATIC_URL="/static/"):
        url = render_static("admin/css/base.css")
    assert url.startswith("/static/admin/css/base.") and url != "/static/admin/css/base.css"


def test_e017_static_files_not_collected_where_the_app_runs(tmp_path: Path, example_static: Path) -> None:
    stores = {"staticfiles": {"BACKEND": PLATFORM_STORAGE}}
    common: dict[str, Any] = {
        "STORAGES": stores,
        "STATIC_ROOT": tmp_path / "static",
        "STATIC_URL": "/static/",
        "MIDDLEWARE": [SECURITY, WHITENOISE],
    }
    with override_settings(**common, DJANGO_PLATFORM_REPORT=Report("fly", "")):
        with judging(BY_NAME["fly"]):
            found = web.check_static()
        assert [m.id for m in found] == ["django_platform.E017"]
        assert "add `RUN python manage.py collectstatic --noinput` to the Dockerfile" in (found[0].hint or "")
        # From a laptop judging for Fly.io: the files are collected at build, not here.
        assert ids(web.check_static, "heroku") == []
    with override_settings(**common, DJANGO_PLATFORM_REPORT=Report("heroku", "")), judging(BY_NAME["heroku"]):
        hint = web.check_static()[0].hint or ""
        assert "Heroku's Python buildpack runs it at build unless DISABLE_COLLECTSTATIC" in hint
    # Collected by another storage (a split project's `base` settings): files, no manifest.
    shutil.copytree(example_static, tmp_path / "static", ignore=shutil.ignore_patterns("staticfiles.json"))
    with override_settings(**common, DJANGO_PLATFORM_REPORT=Report("fly", "")), judging(BY_NAME["fly"]):
        found = web.check_static()
    assert [m.id for m in found] == ["django_platform.E017"]
    assert found[0].msg.startswith("Static files were collected without their manifest")
    assert "DJANGO_SETTINGS_MODULE=tests.settings" in (found[0].hint or "")
    shutil.rmtree(tmp_path / "static")
    shutil.copytree(example_static, tmp_path / "static")
    with override_settings(**common, DJANGO_PLATFORM_REPORT=Report("fly", "")):
        assert ids(web.check_static, "fly") == []


# --- hosts on a default app ----------------------------------------------------------------------


def test_default_heroku_app_admits_its_hosts_with_a_reason() -> None:
    ns, report = configure(HEROKU_RUN)
    assert ns["ALLOWED_HOSTS"] == ["*"]
    assert "Heroku's router admits only the app's domains" in report.source("ALLOWED_HOSTS")
    assert ns["CSRF_TRUSTED_ORIGINS"] == []
    with override_settings(ALLOWED_HOSTS=["*"], CSRF_TRUSTED_ORIGINS=[]):
        assert ids(web.check_hosts, "heroku") == []


def test_settings_py_star_kept_where_the_router_checks_host_and_dropped_elsewhere() -> None:
    ns, report = configure({**HEROKU_RUN, "HEROKU_APP_DEFAULT_DOMAIN_NAME": "a-1.herokuapp.com"}, ALLOWED_HOSTS=["*"])
    assert ns["ALLOWED_HOSTS"] == ["a-1.herokuapp.com", "*"]
    assert report.notes == []
    ns, report = configure({"RENDER": "true", **KEY}, ALLOWED_HOSTS=["*"])
    assert ns["ALLOWED_HOSTS"] == []
    assert "dropped" in report.notes[0]


def test_railway_health_checks_get_through() -> None:
    ns, _ = configure({"RAILWAY_PROJECT_ID": "p", "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app", **KEY})
    assert ns["ALLOWED_HOSTS"] == ["app.up.railway.app", "healthcheck.railway.app"]
    assert ns["CSRF_TRUSTED_ORIGINS"] == ["https://app.up.railway.app"]


def test_e015_no_host_on_a_platform() -> None:
    with override_settings(ALLOWED_HOSTS=[]):
        assert ids(web.check_hosts, "qoddi") == ["django_platform.E015"]
        with judging(BY_NAME["qoddi"]):
            assert "DJANGO_ALLOWED_HOSTS" in (web.check_hosts()[0].hint or "")
    with override_settings(ALLOWED_HOSTS=["healthcheck.railway.app"]):  # only the probe's name
        assert ids(web.check_hosts, "railway") == ["django_platform.E015"]
    with override_settings(ALLOWED_HOSTS=["app.example.com"]):
        assert ids(web.check_hosts, "qoddi") == []
    with override_settings(ALLOWED_HOSTS=[]):
        assert ids(web.check_hosts, "local") == []


# --- settings.py wins over platform defaults -----------------------------------------------------


def test_settings_py_security_values_beat_platform_defaults() -> None:
    mine = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_HSTS_SECONDS": 2592000, "SESSION_COOKIE_SECURE": False}
    ns, report = configure(HEROKU_RUN, **mine)
    for name, value in mine.items():
        assert ns[name] == value
        assert report.source(name) == "settings.py"
    assert ns["SECURE_SSL_REDIRECT"] is True
    assert report.source("SECURE_SSL_REDIRECT") == "platform default (heroku)"
    assert ns["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]  # HSTS from settings.py, preload still off
    ns, report = configure({**HEROKU_RUN, "DJANGO_SECURE_HSTS_SECONDS": "60"}, **mine)
    assert (ns["SECURE_HSTS_SECONDS"], report.source("SECURE_HSTS_SECONDS")) == (60, "DJANGO_SECURE_HSTS_SECONDS")


def test_a_second_configure_does_not_take_its_own_values_for_settings_py() -> None:
    ns: dict[str, Any] = {"SECRET_KEY": "x", "SECURE_HSTS_SECONDS": 2592000}
    first = django_platform.configure(ns, env=HEROKU_RUN, exclude=set(AREAS) - {"security"})
    second = django_platform.configure(ns, env=HEROKU_RUN, exclude=set(AREAS) - {"security"})
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE"):
        assert first.source(name) == second.source(name)
    assert second.source("SECURE_SSL_REDIRECT") == "platform default (heroku)"
    assert second.source("SECURE_HSTS_SECONDS") == "settings.py"


# --- dependency files as pip reads them ----------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_requirements_follow_includes_relative_to_the_including_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "-r requirements/production.txt\n",
            "requirements/production.txt": (
                "-r base.txt\n--requirement=extra.txt\ngunicorn==23 \\\n  --hash=sha256:ab\n"
            ),
            "requirements/base.txt": "-c constraints.txt\n-r production.txt\nDjango>=4.2  # a cycle above\n",
            "requirements/extra.txt": "psycopg[binary]>=3 ; python_version >= '3.10'\n",
            "requirements/constraints.txt": "redis<6\n",
        },
    )
    found = deps.declared(tmp_path)
    assert found is not None and found.problem == ""
    assert found.packages == {"gunicorn": set(), "django": set(), "psycopg": {"binary"}, "redis": set()}
    assert deps.missing(found, ["postgresql"]) == ["django-platform"]


@pytest.mark.parametrize(
    "line",
    [
        "django-platform @ git+https://github.com/you/django-platform.git@main",
        "django-platform[postgres] @ https://example.com/django_platform-0.1.0.tar.gz",
        "git+https://github.com/you/django-platform.git#egg=django-platform",
        "-e git+ssh://git@github.com/you/django-platform.git#egg=django-platform",
        "https://github.com/you/django-platform/archive/main.zip",
        "./vendor/django_platform-0.1.0-py3-none-any.whl",
        "-e ./vendor/checkout",
        "--editable=vendor/checkout",
    ],
)
def test_django_platform_installed_from_a_checkout_or_a_url_is_recognised(line: str, tmp_path: Path) -> None:
    checkout = {"vendor/checkout/pyproject.toml": '[project]\nname = "django-platform"\n'}
    write(tmp_path, {"requirements.txt": line + "\n", **checkout})
    found = deps.declared(tmp_path)
    assert found is not None and "django-platform" in found.packages


def test_pyproject_groups_and_poetry_tables(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["Django"]\n'
            '[project.optional-dependencies]\nprod = ["gunicorn", "django-platform[postgres]"]\n'
            '[dependency-groups]\ndeploy = ["psycopg", {include-group = "other"}]\n'
            '[tool.poetry.dependencies]\npython = "^3.12"\nmysqlclient = {version = "*", extras = ["x"]}\n'
        },
    )
    found = deps.declared(tmp_path)
    assert found is not None
    assert set(found.packages) == {"django", "gunicorn", "django-platform", "psycopg", "mysqlclient"}
    assert deps.missing(found, ["postgresql", "mysql"]) == []


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("requirements.txt", "-r missing.txt\n"),
        ("pyproject.toml", "[project]\ndependencies = [1]\n"),
        ("pyproject.toml", "[project\n"),
        ("Pipfile.lock", "[]"),
        ("poetry.lock", "package = 3\n"),
        ("requirements.txt", b"gunicorn\n\xff\xfe\n"),
    ],
)
def test_a_malformed_dependency_file_is_a_finding_never_a_crash(name: str, text: str | bytes, tmp_path: Path) -> None:
    if isinstance(text, bytes):
        (tmp_path / name).write_bytes(text)
    else:
        write(tmp_path, {name: text})
    found = deps.declared(tmp_path)
    assert found is not None and found.problem.startswith(f"{name} could not be read")
    procfile = "web: gunicorn tests.wsgi_app\n"
    write(tmp_path, {"Procfile": procfile})
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application"):
        assert ids(deployfiles.check_dependencies, "heroku") == ["django_platform.W012"]
        err = StringIO()
        call_command("platform_procfile", "--platform", "heroku", "--force", stdout=StringIO(), stderr=err)
    assert f"{name} could not be read" in err.getvalue()


def test_an_include_loop_of_many_files_stops(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "-r r0.txt\n"})
    write(tmp_path, {f"r{i}.txt": f"-r r{i + 1}.txt\npkg{i}\n" for i in range(150)})
    found = deps.declared(tmp_path)
    assert found is not None and found.problem == "requirements.txt could not be read: more than 100 included files"


# --- Procfiles read as a shell would -------------------------------------------------------------


def checked(tmp_path: Path, procfile: str, **settings: Any) -> list[str]:
    write(tmp_path, {"Procfile": procfile, "requirements.txt": "django-platform[postgres]\n"})
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application", **settings):
        return ids(deployfiles.check_procfile, "heroku")


@pytest.mark.parametrize(
    "line",
    [
        "web: gunicorn tests.wsgi_app --workers $WEB_CONCURRENCY",
        "web: gunicorn tests.wsgi_app -w ${WEB_CONCURRENCY:-3} --timeout=$TIMEOUT",
        "web: python -m gunicorn --bind [::]:${PORT} tests.wsgi_app:application",
        "web: newrelic-admin run-program gunicorn -w$WEB_CONCURRENCY tests.wsgi_app",
    ],
)
def test_procfile_variables_never_reach_gunicorns_parser(line: str, tmp_path: Path) -> None:
    assert checked(tmp_path, line + "\n") == []
    assert checked(tmp_path, line.replace("tests.wsgi_app", "nosuch.wsgi") + "\n") == ["django_platform.E013"]


def test_platform_check_survives_a_procfile_with_web_concurrency(tmp_path: Path) -> None:
    write(tmp_path, {"Procfile": "web: gunicorn tests.wsgi_app --workers $WEB_CONCURRENCY\n"})
    out = StringIO()
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application"):
        call_command("platform_check", "--platform", "heroku", "--fail-level", "CRITICAL", stdout=out)
    assert "Platform: Heroku" in out.getvalue()


def test_e016_a_config_file_that_does_not_exist(tmp_path: Path) -> None:
    seed = "web: python manage.py run_gunicorn --config gunicorn_config.py -b 0.0.0.0:$PORT\n"
    assert checked(tmp_path, seed) == ["django_platform.E016"]
    (tmp_path / "gunicorn_config.py").write_text("workers = 2\n")
    assert checked(tmp_path, seed) == []
    assert checked(tmp_path, "web: gunicorn -c python:proj.conf tests.wsgi_app\n") == []
    assert checked(tmp_path, "web: gunicorn -c $CONFIG tests.wsgi_app\n") == []  # unknown until run time
    assert checked(tmp_path, "web: gunicorn -cother.py tests.wsgi_app\n") == ["django_platform.E016"]


# --- writers that take effect ----------------------------------------------------------------------


def command(name: str, tmp_path: Path, *args: str) -> str:
    out = StringIO()
    with override_settings(WSGI_APPLICATION="tests.wsgi_app.application"):
        call_command(name, *args, "--path", str(tmp_path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_force_comments_out_the_old_gunicorn_settings(tmp_path: Path) -> None:
    old = (
        "import multiprocessing\n\n"
        "workers = 1\nthreads = 5\ntimeout = 20  # mine\n"
        "bind = [\n    '0.0.0.0:8000',\n]\n"
        "def post_fork(server, worker):\n    pass\n"
        "raw_env = ['A=1']\n"
    )
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(old)
    out = command("platform_gunicorn", tmp_path, "--platform", "heroku", "--force")
    assert "Commented out the old workers, threads, timeout, bind, post_fork: the block now decides them." in out
    text = conf.read_text()
    assert text.endswith(
        "import multiprocessing\n\n"
        "# replaced by django-platform: workers = 1\n"
        "# replaced by django-platform: threads = 5\n"
        "# replaced by django-platform: timeout = 20  # mine\n"
        "# replaced by django-platform: bind = [\n"
        "# replaced by django-platform:     '0.0.0.0:8000',\n"
        "# replaced by django-platform: ]\n"
        "# replaced by django-platform: def post_fork(server, worker):\n"
        "# replaced by django-platform:     pass\n"
        "raw_env = ['A=1']\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(text, str(conf), "exec"), namespace)  # noqa: S102 - gunicorn runs this file the same way
    assert namespace["workers"] != 1 and namespace["threads"] == 8
    # A user's override after an existing block is theirs: a normal run leaves it in force.
    conf.write_text(text + "workers = 7\n")
    command("platform_gunicorn", tmp_path, "--platform", "heroku")
    assert conf.read_text().endswith("workers = 7\n")


def test_force_refuses_a_gunicorn_config_that_is_not_python(tmp_path: Path) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("workers = = 1\n")
    with pytest.raises(CommandError, match="is not valid Python") as info:
        command("platform_gunicorn", tmp_path, "--platform", "heroku", "--force")
    assert info.value.returncode == 2
    assert (tmp_path / "gunicorn.conf.py").read_text() == "workers = = 1\n"


def test_w009_quiet_when_django_platform_decides_gunicorns_platform_at_run_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command("platform_procfile", tmp_path, "--platform", "heroku")
    command("platform_gunicorn", tmp_path, "--platform", "heroku")
    write(tmp_path, {"requirements.txt": "django-platform\n"})
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application"):
        monkeypatch.delenv("DJANGO_PLATFORM", raising=False)
        with judging(BY_NAME["render"]):
            assert [m.msg for m in deployfiles.check_procfile()] == [
                "Procfile is out of date for Render.",
                "gunicorn.conf.py is out of date for Render.",
            ]
        # gunicorn_conf.apply() takes DJANGO_PLATFORM over the file's platform: only the Procfile is off.
        monkeypatch.setenv("DJANGO_PLATFORM", "render")
        with judging(BY_NAME["render"]):
            assert [m.msg for m in deployfiles.check_procfile()] == ["Procfile is out of date for Render."]
        conf = tmp_path / "gunicorn.conf.py"
        conf.write_text(conf.read_text().replace("apply", "old_apply"))  # a block from another version
        assert ids(deployfiles.check_procfile, "render") == ["django_platform.W009", "django_platform.W009"]


# --- edges of the readers above --------------------------------------------------------------------


def test_shell_reading_edges() -> None:
    from django_platform.deploy.gunicorn_cli import expand, gunicorn_call

    env = {"PORT": "5000"}
    assert expand("-b :$PORT -w ${WEB_CONCURRENCY:-3} $UNSET ${X-y}", env) == "-b :5000 -w 3 <UNSET> y"
    # Only gunicorn's own arguments count: not what follows `&&`, nor a second positional.
    assert gunicorn_call("gunicorn a.wsgi b.wsgi && gunicorn c.wsgi", env) == ("a.wsgi", None, None)
    assert gunicorn_call("gunicorn --config=conf.py --reload app.wsgi:application", env) == (
        "app.wsgi",
        "conf.py",
        None,
    )


def test_comment_out_settings_edges() -> None:
    from django_platform.deploy.gunicorn_file import comment_out_settings

    text = (
        "workers: int = 2\n"
        "threads += 1\n"
        "x, timeout = 1, 2\n"  # not a plain name: left alone
        "@staticmethod\n"
        "async def on_starting(server):\n"
        "    pass\n"
        "print('kept')\n"
    )
    adopted, names = comment_out_settings(text, {"workers", "threads", "timeout", "on_starting"})
    assert names == ["workers", "threads", "on_starting"]
    assert adopted.splitlines()[2:] == [
        "x, timeout = 1, 2",
        "# replaced by django-platform: @staticmethod",
        "# replaced by django-platform: async def on_starting(server):",
        "# replaced by django-platform:     pass",
        "print('kept')",
    ]


def test_recorded_platform_and_fallbacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.deploy.files import recorded_platform
    from django_platform.management.base import chosen_platform

    assert recorded_platform("web: x\n") is None
    old_header = "# BEGIN django-platform: written by `python manage.py platform_procfile`; edit outside this block.\n"
    assert recorded_platform(old_header + "web: x\n# END django-platform\n") is None
    monkeypatch.delenv("DJANGO_PLATFORM", raising=False)
    monkeypatch.setenv("FLY_APP_NAME", "app")
    (tmp_path / "old").write_text(old_header)
    (tmp_path / "dir").mkdir()  # unreadable as a file
    (tmp_path / "new").write_text("# BEGIN django-platform (for qoddi): …\n")
    assert chosen_platform(None, [tmp_path / "missing", tmp_path / "dir", tmp_path / "old"]).name == "fly"
    assert chosen_platform(None, [tmp_path / "old", tmp_path / "new"]).name == "qoddi"


def test_gunicorn_config_without_a_block_is_the_users(tmp_path: Path) -> None:
    write(tmp_path, {"Procfile": "web: gunicorn tests.wsgi_app\n", "gunicorn.conf.py": "workers = 2\n"})
    with override_settings(BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application"):
        assert ids(deployfiles.check_procfile, "heroku") == []


def test_a_local_path_with_a_broken_pyproject_is_named_after_its_directory(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "./libs/django-platform\n", "libs/django-platform/pyproject.toml": "[x\n"})
    found = deps.declared(tmp_path)
    assert found is not None and set(found.packages) == {"django-platform"}


def test_settings_py_proxy_header_is_kept() -> None:
    ns, report = configure(HEROKU_RUN, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_SSL", "on"))
    assert ns["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_SSL", "on")
    assert report.source("SECURE_PROXY_SSL_HEADER") == "settings.py"
