"""Each check firing and quiet, asserted by ID and message; IDs unique and all in docs/checks.md."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import INFO, CheckMessage
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from django_platform.areas.static import SECURITY, WHITENOISE
from django_platform.checks import database, deployfiles, disk, judging, mail, target_platform, tasks, web
from django_platform.parsers.env import TextEnvironment
from django_platform.platforms import BY_NAME

# The checks read settings.DATABASES; no connection is opened, so overriding it is safe here.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
ROOT = Path(__file__).resolve().parent.parent
ALL_CHECKS = [*disk.CHECKS, *database.CHECKS, *web.CHECKS, *mail.CHECKS, *deployfiles.CHECKS, *tasks.CHECKS]
SQLITE_FILE = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/app/db.sqlite3"}}
PG = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "app",
    "HOST": "db",
    "CONN_MAX_AGE": 600,
    "CONN_HEALTH_CHECKS": True,
}


def email(backend: str, host: str = "localhost") -> dict[str, Any]:
    """Email settings in the form this Django version wants (MAILERS on 6.1+)."""
    import django

    if django.VERSION >= (6, 1):
        return {"MAILERS": {"default": {"BACKEND": backend, "OPTIONS": {"host": host} if "smtp" in backend else {}}}}
    return {"EMAIL_BACKEND": backend, "EMAIL_HOST": host}


def ids(check: Callable[..., list[CheckMessage]], platform: str = "qoddi") -> list[str]:
    with judging(BY_NAME[platform]):
        return [m.id or "" for m in check()]


def messages(check: Callable[..., list[CheckMessage]], platform: str = "qoddi") -> list[str]:
    with judging(BY_NAME[platform]):
        return [m.msg for m in check()]


# --- ephemeral disk -------------------------------------------------------------------------------


def test_e001_file_fields_on_local_storage_including_storage_callables() -> None:
    assert messages(disk.check_file_fields) == [
        "Uploaded files are saved to the local disk, which Qoddi wipes: testapp.Document.file, testapp.Avatar.picture."
    ]
    assert ids(disk.check_file_fields, "local") == []


def test_e001_quiet_with_remote_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.testapp.models import Avatar, Document, RemoteStorage

    for model, name in ((Document, "file"), (Avatar, "picture")):
        monkeypatch.setattr(model._meta.get_field(name), "storage", RemoteStorage())
    assert ids(disk.check_file_fields) == []


@override_settings(DATABASES=SQLITE_FILE)
def test_e002_sqlite_file() -> None:
    assert messages(disk.check_sqlite, "heroku") == [
        "The 'default' database is a SQLite file on the local disk, which Heroku wipes."
    ]
    assert ids(disk.check_sqlite, "local") == []


def test_e002_quiet_for_postgres_and_in_memory_sqlite() -> None:
    with override_settings(DATABASES={"default": PG}):
        assert ids(disk.check_sqlite) == []
    assert ids(disk.check_sqlite) == []  # tests' own database is :memory:
    # A URI in memory too: Django's name for its in-memory test database, not a file on the disk.
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    with override_settings(DATABASES={"default": {**sqlite, "NAME": "file:memorydb_default?mode=memory&cache=shared"}}):
        assert ids(disk.check_sqlite) == []
    with override_settings(DATABASES={"default": {**sqlite, "NAME": "file:db.sqlite3?cache=shared"}}):
        assert ids(disk.check_sqlite) == ["django_platform.E002"]


def test_e003_file_cache() -> None:
    with override_settings(CACHES={"default": {"BACKEND": disk.FILE_CACHE, "LOCATION": "/tmp/c"}}):
        assert ids(disk.check_file_cache, "cloudcontrol") == ["django_platform.E003"]
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}):
        assert ids(disk.check_file_cache, "cloudcontrol") == []


def test_e004_file_sessions() -> None:
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.file"):
        assert messages(disk.check_file_sessions) == [disk.E004]
    assert ids(disk.check_file_sessions) == []


def test_e005_file_email() -> None:
    with override_settings(**email("django.core.mail.backends.filebased.EmailBackend")):
        assert ids(disk.check_file_email) == ["django_platform.E005"]
    with override_settings(**email("django.core.mail.backends.smtp.EmailBackend")):
        assert ids(disk.check_file_email) == []


def test_e006_file_logging() -> None:
    logging = {
        "version": 1,
        "handlers": {
            "file": {"class": "logging.FileHandler", "filename": "/tmp/x.log"},
            "console": {"class": "logging.StreamHandler"},
        },
    }
    with override_settings(LOGGING=logging):
        assert messages(disk.check_file_logging) == [
            "Logging handler 'file' writes to a file on the local disk, which Qoddi wipes."
        ]
    assert ids(disk.check_file_logging) == []


# --- several processes and nodes ----------------------------------------------------------------------

LOCMEM = {"default": {"BACKEND": disk.LOCMEM_CACHE}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r"}}


def test_e007_and_w001_local_memory() -> None:
    with override_settings(CACHES=LOCMEM, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        assert ids(disk.check_process_memory) == ["django_platform.E007", "django_platform.W001"]
        assert ids(disk.check_process_memory, "local") == []
    with override_settings(CACHES=LOCMEM, SESSION_ENGINE="django.contrib.sessions.backends.db"):
        assert ids(disk.check_process_memory) == ["django_platform.W001"]
    with override_settings(CACHES=REDIS, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        assert ids(disk.check_process_memory) == []


# --- database -------------------------------------------------------------------------------------------


def test_e008_tls_contradicting_the_platform() -> None:
    with override_settings(DATABASES={"default": {**PG, "OPTIONS": {"sslmode": "require"}}}):
        assert messages(database.check_tls, "qoddi") == [
            "The 'default' database requires TLS, but Qoddi's databases have SSL switched off."
        ]
        assert ids(database.check_tls, "heroku") == []
    with override_settings(DATABASES={"default": {**PG, "OPTIONS": {"sslmode": "disable"}}}):
        assert messages(database.check_tls, "heroku") == [
            "The 'default' database refuses TLS, but Heroku's databases require it."
        ]
        assert ids(database.check_tls, "qoddi") == []
    mysql = {"ENGINE": "django.db.backends.mysql", "NAME": "x", "OPTIONS": {"ssl_mode": "REQUIRED"}}
    with override_settings(DATABASES={"default": mysql}):
        assert ids(database.check_tls, "qoddi") == ["django_platform.E008"]


def test_e009_and_w002_connections() -> None:
    with override_settings(DATABASES={"default": {**PG, "OPTIONS": {"pool": True}}}):
        assert messages(database.check_connections) == [
            "The 'default' database uses connection pooling with CONN_MAX_AGE=600: Django refuses to connect."
        ]
    with override_settings(DATABASES={"default": {**PG, "CONN_HEALTH_CHECKS": False}}):
        assert ids(database.check_connections) == ["django_platform.W002"]
        assert ids(database.check_connections, "local") == []
    with override_settings(DATABASES={"default": PG}):
        assert ids(database.check_connections) == []


def test_w058_a_queue_pool_with_persistent_connections() -> None:
    """django-db-connection-pool with CONN_MAX_AGE above 0: each thread keeps the connection it was
    lent, so threads beyond the pool's size wait and fail."""
    pooled = {"ENGINE": "dj_db_conn_pool.backends.mysql", "NAME": "app", "CONN_MAX_AGE": 600}
    with override_settings(DATABASES={"default": {**pooled, "POOL_OPTIONS": {"POOL_SIZE": 4, "MAX_OVERFLOW": 0}}}):
        assert messages(database.check_connections) == [
            "The 'default' database's pool (django-db-connection-pool) lends 4 connection(s) a process, and "
            "CONN_MAX_AGE=600 keeps each one lent to the thread that used it: beyond 4 threads, requests wait 30 s "
            "for one and fail with SQLAlchemy's TimeoutError."
        ]
    with override_settings(DATABASES={"default": pooled}):  # its defaults: 10 and 10 more, 30 s
        assert "lends 20 connection(s)" in messages(database.check_connections)[0]
    with override_settings(DATABASES={"default": {**pooled, "POOL_OPTIONS": {"TIMEOUT": 2.5}}}):
        assert "requests wait 2.5 s" in messages(database.check_connections)[0]
    with override_settings(DATABASES={"default": {**pooled, "CONN_MAX_AGE": 0}}):  # lent per request
        assert ids(database.check_connections) == []
    # Options its pool refuses (it says so itself) or not a mapping: not judged as a pool.
    for options in ({"POOL_SIZE": "many"}, ["POOL_SIZE"]):
        with override_settings(DATABASES={"default": {**pooled, "POOL_OPTIONS": options, "CONN_HEALTH_CHECKS": True}}):
            assert ids(database.check_connections) == []


# --- web ------------------------------------------------------------------------------------------------


def test_w003_proxy_header() -> None:
    with override_settings(SECURE_PROXY_SSL_HEADER=None):
        assert ids(web.check_proxy_header, "render") == ["django_platform.W003"]
        assert ids(web.check_proxy_header, "heroku-ci") == []
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert ids(web.check_proxy_header, "render") == []
    with override_settings(SECURE_PROXY_SSL_HEADER=["HTTP_X_FORWARDED_PROTO", "https"]):
        assert ids(web.check_proxy_header, "render") == []


# An old host's header, Django comparing the value exactly, another proxy's flag.
OTHER_HEADERS = [
    ("HTTP_X_FORWARDED_PROTOCOL", "ssl"),
    ("HTTP_X_FORWARDED_PROTO", "HTTPS"),
    ("HTTP_X_FORWARDED_SSL", "on"),
]


@pytest.mark.parametrize("chosen", OTHER_HEADERS)
def test_w059_a_header_the_router_does_not_send(chosen: tuple[str, str]) -> None:
    """What the router sends (Heroku's X-Forwarded-Proto: https) makes no request secure under
    settings.py's header, and SECURE_SSL_REDIRECT then redirects every request to itself: shown
    with Django's own middleware, then said by the check."""
    from django.test import Client

    served = {"ALLOWED_HOSTS": ["app.example.com"], "MIDDLEWARE": ["django.middleware.security.SecurityMiddleware"]}
    routed = {"host": "app.example.com", "x-forwarded-proto": "https"}
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_SSL_REDIRECT=True, **served
    ):
        assert Client().get("/", headers=routed).status_code != 301
    with override_settings(SECURE_PROXY_SSL_HEADER=chosen, SECURE_SSL_REDIRECT=True, **served):
        answer = Client().get("/", headers=routed)
        assert (answer.status_code, answer["Location"]) == (301, "https://app.example.com/")
        assert ids(web.check_proxy_header, "heroku") == ["django_platform.W059"]
        (message,) = messages(web.check_proxy_header, "heroku")
        assert message == (
            f"SECURE_PROXY_SSL_HEADER is {chosen!r}, but Heroku's router sends X-Forwarded-Proto: https: unless a "
            "proxy in front sets it, Django sees every request as HTTP, and SECURE_SSL_REDIRECT answers each with a "
            "redirect to itself."
        )
        assert ids(web.check_proxy_header, "heroku-ci") == []  # no router
    with override_settings(SECURE_PROXY_SSL_HEADER=chosen, SECURE_SSL_REDIRECT=False):
        assert messages(web.check_proxy_header, "heroku")[0].endswith("Django sees every request as HTTP.")


def test_w004_star_host_and_w005_missing_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENDER_EXTERNAL_HOSTNAME", "app.onrender.com")
    with override_settings(ALLOWED_HOSTS=["*"], CSRF_TRUSTED_ORIGINS=[]):
        assert ids(web.check_hosts, "render") == ["django_platform.W004", "django_platform.W005"]
        assert messages(web.check_hosts, "render")[1] == (
            "CSRF_TRUSTED_ORIGINS lacks https://app.onrender.com: form posts from the platform's host name may fail."
        )
        assert ids(web.check_hosts, "heroku") == []  # Heroku's router checks Host; no Heroku host variables
    with override_settings(ALLOWED_HOSTS=["app.onrender.com"], CSRF_TRUSTED_ORIGINS=["https://app.onrender.com"]):
        assert ids(web.check_hosts, "render") == []


def test_w006_w007_e010_static() -> None:
    with override_settings(MIDDLEWARE=[SECURITY], STATIC_ROOT=None):
        assert ids(web.check_static) == ["django_platform.W006", "django_platform.E010"]
    with override_settings(MIDDLEWARE=[SECURITY, "x.Other", WHITENOISE], STATIC_ROOT="/s"):
        assert messages(web.check_static) == [
            "WhiteNoise comes after x.Other in MIDDLEWARE: those run for every static file request."
        ]
    with override_settings(MIDDLEWARE=[SECURITY, WHITENOISE], STATIC_ROOT="/s"):
        assert ids(web.check_static) == []
        assert ids(web.check_static, "local") == []
    # Its async-capable subclass (configure() lists it under ASGI) is WhiteNoise too.
    async_whitenoise = "django_platform.whitenoise_async.AsyncWhiteNoiseMiddleware"
    with override_settings(MIDDLEWARE=[SECURITY, async_whitenoise], STATIC_ROOT="/s"):
        assert ids(web.check_static) == []
    with override_settings(MIDDLEWARE=[SECURITY, "x.Other", async_whitenoise], STATIC_ROOT="/s"):
        assert ids(web.check_static) == ["django_platform.W007"]


# --- email ----------------------------------------------------------------------------------------------


def test_e011_only_when_something_sends_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    # Django's defaults (SMTP on localhost), which pytest-django replaces with locmem, set nowhere.
    monkeypatch.setattr(mail, "default_backend", lambda: (mail.SMTP, "localhost"))
    # In an app that sends nothing: information, not an error.
    assert messages(mail.check_email, "cloudcontrol") == [
        "Email goes to an SMTP server on localhost, which cloudControl does not run; nothing here seems to send mail."
    ]
    assert ids(mail.check_email, "local") == []
    lead = "Email is sent to an SMTP server on localhost, and cloudControl runs none: no mail leaves"
    with override_settings(ROOT_URLCONF="tests.urls_mail"):
        assert messages(mail.check_email, "cloudcontrol") == [f"{lead} (the 'password_reset' URL sends mail)."]
    # A complete config: Django 6.1 applies LOGGING again when a test overrides it.
    admin_mail = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"mail": {"class": "django.utils.log.AdminEmailHandler"}},
    }
    with override_settings(ADMINS=[("Ops", "ops@example.com")], LOGGING=admin_mail):
        assert messages(mail.check_email, "cloudcontrol") == [f"{lead} (ADMINS get error reports)."]
    with override_settings(ADMINS=[("Ops", "ops@example.com")]):  # configure()'s LOGGING mails nobody
        assert ids(mail.check_email) == ["django_platform.I001"]
    broken_links = ["django.middleware.common.BrokenLinkEmailsMiddleware"]
    with override_settings(MANAGERS=[("Ed", "ed@example.com")], MIDDLEWARE=broken_links):
        assert messages(mail.check_email, "cloudcontrol") == [f"{lead} (MANAGERS get broken-link reports)."]
    with override_settings(**email("django.core.mail.backends.smtp.EmailBackend")):
        assert ids(mail.check_email, "cloudcontrol") == ["django_platform.E011"]
        assert ids(mail.check_email, "local") == []


def test_w008_email() -> None:
    with override_settings(**email("django.core.mail.backends.smtp.EmailBackend")):
        assert ids(mail.check_email, "cloudcontrol") == ["django_platform.E011"]
    with override_settings(**email("django.core.mail.backends.console.EmailBackend")):
        assert ids(mail.check_email) == ["django_platform.W008"]
    with override_settings(**email("django.core.mail.backends.smtp.EmailBackend", "smtp.sendgrid.net")):
        assert ids(mail.check_email) == []
    with override_settings(MAILERS={"default": {"OPTIONS": {"host": "127.0.0.1"}}}):
        assert ids(mail.check_email) == ["django_platform.E011"]


# --- deployment files -------------------------------------------------------------------------------------


def project(tmp_path: Path, procfile: str | None, requirements: str | None = "django-platform[postgres]\n") -> Any:
    if procfile is not None:
        (tmp_path / "Procfile").write_text(procfile)
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    return override_settings(
        BASE_DIR=tmp_path, WSGI_APPLICATION="tests.wsgi_app.application", DATABASES={"default": PG}
    )


def test_e012_no_procfile(tmp_path: Path) -> None:
    with project(tmp_path, None):
        assert messages(deployfiles.check_procfile) == [
            f"There is no Procfile in {tmp_path}: the platform does not know how to start the app."
        ]
        assert ids(deployfiles.check_procfile, "local") == []


def test_e013_missing_wsgi_module_and_e014(tmp_path: Path) -> None:
    with project(tmp_path, "web: gunicorn nosuch.wsgi --workers 2\n"):
        assert messages(deployfiles.check_procfile) == [
            "The Procfile's web process serves 'nosuch.wsgi', which cannot be imported."
        ]
    with project(tmp_path, "web: gunicorn -w 2 tests.wsgi_app:application\n"):
        assert ids(deployfiles.check_procfile) == []
    with project(tmp_path, "web: python manage.py run_gunicorn -b 0.0.0.0:$PORT\n"):
        assert ids(deployfiles.check_procfile) == []  # our command is installed, the module exists
        with override_settings(INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"]):
            from django.core.management import get_commands

            get_commands.cache_clear()  # type: ignore[attr-defined]
            try:
                assert ids(deployfiles.check_procfile) == ["django_platform.E014"]
            finally:
                get_commands.cache_clear()  # type: ignore[attr-defined]


def test_w009_generated_files_out_of_date(tmp_path: Path) -> None:
    from django_platform.deploy.files import block
    from django_platform.deploy.gunicorn_file import gunicorn_body
    from django_platform.deploy.procfile import procfile_body

    heroku = BY_NAME["heroku"]
    good = block(procfile_body(heroku, "tests.wsgi_app.application", ["celery worker"]), "platform_procfile", "heroku")
    with project(tmp_path, good):
        (tmp_path / "gunicorn.conf.py").write_text(block(gunicorn_body(heroku), "platform_gunicorn", "heroku"))
        assert ids(deployfiles.check_procfile, "heroku") == []
        assert messages(deployfiles.check_procfile, "render") == [
            "Procfile is out of date for Render.",
            "gunicorn.conf.py is out of date for Render.",
        ]


def test_w010_w011_dependencies(tmp_path: Path) -> None:
    with project(tmp_path, "web: x\n", requirements="Django\n"):
        assert messages(deployfiles.check_dependencies) == [
            "requirements.txt does not declare gunicorn, django-platform, a postgresql driver (psycopg)."
        ]
    with project(tmp_path, "web: x\n", requirements=None):
        (tmp_path / "requirements.txt").unlink()
        assert ids(deployfiles.check_dependencies) == ["django_platform.W011"]
    with project(tmp_path, "web: x\n"):
        assert ids(deployfiles.check_dependencies) == []


# --- registry ---------------------------------------------------------------------------------------------


def test_ids_are_unique_and_documented() -> None:
    sources = "".join(path.read_text() for path in sorted((ROOT / "django_platform" / "checks").glob("*.py")))
    used = re.findall(r'id="(django_platform\.[EWI]\d{3})"', sources)
    defined = re.findall(r"^([EWI]\d{3}) = ", sources, flags=re.M)
    assert len(defined) == len(set(defined)), "a message constant is defined twice"
    assert sorted({u.split(".")[1] for u in used}) == sorted(defined)
    # docs/checks.md says what each catches and the fix, by hand; the reference is generated.
    table = (ROOT / "docs" / "checks.md").read_text()
    for check_id in sorted(set(used)):
        assert f"`{check_id}`" in table, f"{check_id} is not in docs/checks.md"


def test_target_platform_defaults_to_the_report_or_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.report import Report

    with override_settings(DJANGO_PLATFORM_REPORT=Report("fly", "x")):
        assert target_platform().name == "fly"
    monkeypatch.setenv("DJANGO_PLATFORM", "railway")
    assert target_platform().name == "railway"


def test_every_check_is_quiet_on_a_laptop() -> None:
    with judging(BY_NAME["local"]):
        assert [m for check in ALL_CHECKS for m in check()] == []


# --- what users copy from templates (#29) ---------------------------------------------------------


def test_w026_storage_settings_django_removed() -> None:
    from django_platform.checks import templates

    assert ids(templates.check_removed_storage_settings) == []
    with override_settings(STATICFILES_STORAGE="whitenoise.storage.CompressedManifestStaticFilesStorage"):
        assert ids(templates.check_removed_storage_settings) == ["django_platform.W026"]
        assert ids(templates.check_removed_storage_settings, "local") == []
    with override_settings(STATICFILES_STORAGE="x", DEFAULT_FILE_STORAGE="storages.backends.s3.S3Storage"):
        (text,) = messages(templates.check_removed_storage_settings)
    assert text.startswith("Django 5.1 removed STATICFILES_STORAGE and DEFAULT_FILE_STORAGE, which the settings still")


@pytest.mark.parametrize(
    ("web", "flagged"),
    [
        ("python manage.py migrate --noinput && gunicorn tests.wsgi_app", "migrate"),
        ("python manage.py collectstatic --noinput; python manage.py migrate; gunicorn x", "collectstatic and migrate"),
        ("gunicorn tests.wsgi_app --config gunicorn.conf.py", ""),
        ("bin/start-migrations-report && gunicorn tests.wsgi_app", ""),
    ],
)
def test_w027_migrate_or_collectstatic_in_the_web_start_command(tmp_path: Path, web: str, flagged: str) -> None:
    from django_platform.checks import templates

    with project(tmp_path, f"web: {web}\nrelease: python manage.py migrate\n"):
        found = messages(templates.check_web_start_command, "heroku")
        assert ids(templates.check_web_start_command, "local") == []
    assert found == ([templates.W027.format(commands=flagged)] if flagged else [])


def test_w028_a_literal_secret_key_in_settings_py(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.checks import templates

    assert templates.literal_secret_key('SECRET_KEY = "s3cr3t-' + "x" * 40 + '"\n')
    assert not templates.literal_secret_key('SECRET_KEY = "django-insecure-abc"\n')
    assert not templates.literal_secret_key('SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n')
    assert not templates.literal_secret_key("SECRET_KEY: str = env('X')\nDEBUG = True\n")
    path = tmp_path / "settings.py"
    path.write_text('import os\nSECRET_KEY = "s3cr3t-' + "x" * 40 + '"\n')
    monkeypatch.setattr(templates, "settings_file", lambda: path)
    assert ids(templates.check_literal_secret_key, "render") == ["django_platform.W028"]
    assert ids(templates.check_literal_secret_key, "local") == []
    assert "s3cr3t" not in " ".join(messages(templates.check_literal_secret_key, "render"))


def test_w029_the_deprecated_uvicorn_worker_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.checks import templates

    with project(tmp_path, "web: gunicorn app.asgi -k uvicorn.workers.UvicornWorker\n"):
        assert messages(templates.check_old_uvicorn_worker, "fly") == [templates.W029.format(where="The Procfile")]
    monkeypatch.setattr(templates, "environment", lambda: {"GUNICORN_CMD_ARGS": "-k uvicorn.workers.UvicornWorker"})
    with project(tmp_path, "web: gunicorn app.asgi -k uvicorn_worker.UvicornWorker\n"):
        assert ids(templates.check_old_uvicorn_worker, "fly") == ["django_platform.W029"]
        assert ids(templates.check_old_uvicorn_worker, "local") == []
    # A value that is not valid text (found by the fuzz test): judged raw, no error from the check.
    bad = TextEnvironment({"GUNICORN_WORKER_CLASS": "uvicorn.workers.UvicornWorker\udcff"})
    monkeypatch.setattr(templates, "environment", lambda: bad)
    with project(tmp_path, "web: gunicorn app.asgi\n"):
        assert ids(templates.check_old_uvicorn_worker, "fly") == ["django_platform.W029"]


def test_w032_debug_in_force_on_a_platform() -> None:
    from django_platform.checks import templates

    with override_settings(DEBUG=True):
        assert ids(templates.check_debug_on, "render") == ["django_platform.W032"]
        assert ids(templates.check_debug_on, "local") == []
    with override_settings(DEBUG=False):
        assert ids(templates.check_debug_on, "render") == []


def test_w028_and_w029_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.checks import templates

    assert not templates.literal_secret_key("SECRET_KEY = (\n")  # not Python: nothing to judge
    monkeypatch.setattr(templates, "environment", lambda: {})
    (tmp_path / "gunicorn.conf.py").write_text('worker_class = "uvicorn.workers.UvicornWorker"\n')
    with project(tmp_path, "web: gunicorn app.asgi\n"):
        assert messages(templates.check_old_uvicorn_worker, "fly") == [templates.W029.format(where="gunicorn.conf.py")]


def test_w057_a_python_the_installed_packages_do_not_support(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform builds with the Python the project's .python-version or runtime.txt asks
    for; where Django or django-platform, as installed here, does not support it, the build fails."""
    import sys
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    from django_platform.checks.python import check_python

    def found(platform: str = "heroku") -> list[CheckMessage]:
        with override_settings(BASE_DIR=tmp_path), judging(BY_NAME[platform]):
            return check_python()

    # Nothing asked: Heroku keeps the first build's Python, as old as 3.11 (I003 where Django, as
    # Django 6 does, requires a newer one); elsewhere the platform's default.
    requires = (metadata.metadata("Django").get_all("Requires-Python") or [""])[0]
    kept = [] if SpecifierSet(requires).contains("3.11") else ["django_platform.I003"]
    assert [m.id for m in found()] == kept
    assert found("render") == []
    (tmp_path / ".python-version").write_text("3.9\n")  # below what both support
    flagged = found()
    assert [m.id for m in flagged] == ["django_platform.W057"] * 2
    django_requires = metadata.metadata("Django").get_all("Requires-Python")
    assert flagged[0].msg == (
        f"The project asks Heroku for Python 3.9 (.python-version), and Django {metadata.version('Django')}, "
        f"installed here, requires Python {django_requires[0] if django_requires else ''}: the platform's build "
        "cannot install it."
    )
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert flagged[1].hint == f"Ask for a Python django-platform supports in .python-version (this one runs {here})."
    assert found("local") == []  # development: no platform build
    (tmp_path / ".python-version").write_text(f"{here}\n")  # this one: what runs the suite, so supported
    assert found() == []
    (tmp_path / ".python-version").unlink()
    (tmp_path / "runtime.txt").write_text("python-3.8.20\n")
    assert {m.msg.split(" (")[1].split(")")[0] for m in found()} == {"runtime.txt"}
    # Railway builds from the Dockerfile at the root when there is one: its final image's Python.
    (tmp_path / "Dockerfile").write_text("FROM python:3.9-slim AS build\nRUN pip wheel .\nFROM build\n")
    flagged = found("railway")
    assert {m.msg.split(" (")[1].split(")")[0] for m in flagged} == {"Dockerfile: FROM python:3.9-slim"}
    assert (flagged[0].hint or "").startswith("Ask for a Python Django supports in Dockerfile (this one runs ")
    (tmp_path / "Dockerfile").write_text(f"FROM python:{here}-slim\n")
    assert found("railway") == []
    assert {m.msg.split(" (")[1].split(")")[0] for m in found("heroku")} == {"runtime.txt"}  # not read there
    assert {m.msg.split(" (")[1].split(")")[0] for m in found("qoddi")} == {"runtime.txt"}  # nor there
    # Upsun runs the image its config's `type` names, whatever the files say; a config that does not
    # parse (W039 says so) or names another runtime leaves them to say it.
    (tmp_path / ".upsun").mkdir()
    config = tmp_path / ".upsun" / "config.yaml"
    config.write_text("applications:\n  app:\n    type: 'python:3.9'\n")
    flagged = found("upsun")
    assert {m.msg.split(" (")[1].split(")")[0] for m in flagged} == {".upsun/config.yaml"}
    assert (flagged[0].hint or "").startswith("Ask for a Python Django supports in .upsun/config.yaml (")
    config.write_text(f"applications:\n  app:\n    type: 'python:{here}'\n")
    assert found("upsun") == []
    for other in ("applications:\n  app:\n    type: 'nodejs:22'\n", "applications: [\n", "applications:\n"):
        config.write_text(other)
        assert {m.msg.split(" (")[1].split(")")[0] for m in found("upsun")} == {"runtime.txt"}, other
    config.unlink()
    config.mkdir()  # not a file
    assert {m.msg.split(" (")[1].split(")")[0] for m in found("upsun")} == {"runtime.txt"}
    # A package not installed, or one whose Requires-Python is not a specifier: nothing said of it.
    import email.message

    real = metadata.metadata

    def metadata_of(name: str) -> Any:
        if name == "Django":
            raise metadata.PackageNotFoundError(name)
        if name != "django-platform":
            return real(name)
        broken = email.message.Message()  # what metadata() returns is of this shape
        broken["Requires-Python"] = "not a specifier"
        return broken

    monkeypatch.setattr(metadata, "metadata", metadata_of)
    assert found() == []


def test_w057_the_platforms_own_variable_wins_over_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Render's build reads PYTHON_VERSION, Railway's Railpack RAILPACK_PYTHON_VERSION, Clever
    Cloud's CC_PYTHON_VERSION, before the project's files; elsewhere the variable means nothing."""
    from django_platform.checks import python

    def sources(platform: str, env: dict[str, str]) -> set[str]:
        monkeypatch.setattr(python, "environment", lambda: env)
        with override_settings(BASE_DIR=tmp_path), judging(BY_NAME[platform]):
            return {m.msg.split(" (")[1].split(")")[0] for m in python.check_python()}

    (tmp_path / ".python-version").write_text("3.9\n")
    assert sources("render", {"PYTHON_VERSION": "3.8.10"}) == {"PYTHON_VERSION"}
    assert sources("railway", {"RAILPACK_PYTHON_VERSION": "3.8"}) == {"RAILPACK_PYTHON_VERSION"}
    assert sources("clevercloud", {"CC_PYTHON_VERSION": "3.8"}) == {"CC_PYTHON_VERSION"}
    assert sources("clevercloud", {"CC_PYTHON_VERSION": "3"}) == {".python-version"}  # no minor: the files'
    assert sources("heroku", {"PYTHON_VERSION": "3.8.10"}) == {".python-version"}
    assert sources("render", {"PYTHON_VERSION": "latest"}) == {".python-version"}  # no version: the files'
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert sources("render", {"PYTHON_VERSION": f"{here}.0"}) == set()  # supported, over the file's 3.9


def test_w057_a_pipenv_projects_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Heroku's buildpack reads Pipfile.lock's python_full_version, else python_version, after
    runtime.txt and .python-version; `pipenv install --deploy` refuses another Python anywhere."""
    import json

    from django_platform.checks import python

    def flagged() -> list[CheckMessage]:
        monkeypatch.setattr(python, "environment", lambda: {})
        with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
            return [m for m in python.check_python() if "Django " in m.msg]

    lock: dict[str, Any] = {"_meta": {"requires": {"python_version": "3.9"}, "sources": []}, "default": {}}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock, indent=4))
    [message] = flagged()
    assert "for Python 3.9 (Pipfile.lock)" in message.msg
    assert (message.hint or "").startswith(
        "Ask for a Python Django supports in the Pipfile's [requires] python_version, then pipenv lock ("
    )
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    lock["_meta"]["requires"]["python_full_version"] = f"{here}.1"  # read before python_version
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock))
    assert flagged() == []
    (tmp_path / ".python-version").write_text("3.9\n")  # the two differ: both judged
    assert ["(.python-version)" in m.msg for m in flagged()] == [True]


def test_the_python_of_a_pipfile_lock() -> None:
    from django_platform.parsers.python_version import pipfile_lock_python

    for text, version in (
        ('{"_meta": {"requires": {"python_version": "3.12"}}}', (3, 12)),
        ('{"_meta": {"requires": {"python_full_version": "3.11.9", "python_version": "3.12"}}}', (3, 11)),
        ('{"_meta": {"requires": {"python_full_version": "", "python_version": "3.13"}}}', (3, 13)),
        ('{"_meta": {"requires": {"python_version": "3"}}}', None),
        ('{"_meta": {"requires": {"python_version": 3.12}}}', None),
        ('{"_meta": {"requires": {}}}', None),
        ('{"_meta": {"requires": []}}', None),
        ('{"_meta": []}', None),
        ("[]", None),
        ("{", None),
        ("[" * 100_000, None),  # nested past the recursion limit
        ("1" * 5_000, None),  # past int's digit limit
        ("", None),
    ):
        assert pipfile_lock_python(text) == version, text[:40]


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda c: (
            st.lists(c)
            | st.dictionaries(st.sampled_from(["_meta", "requires", "python_version", "python_full_version", "x"]), c)
        ),
        max_leaves=12,
    )
)
def test_any_json_as_a_pipfile_lock(value: Any) -> None:
    """Total: any JSON names a Python or None, never raises."""
    import json

    from django_platform.parsers.python_version import pipfile_lock_python

    found = pipfile_lock_python(json.dumps(value))
    assert found is None or (isinstance(found, tuple) and len(found) == 2)


def test_w057_where_dokku_builds_with_buildpacks_beside_a_dockerfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dokku builds from a root Dockerfile unless a `.buildpacks` file or BUILDPACK_URL selects its
    herokuish builder first: then the buildpack's files say the Python, not the Dockerfile."""
    from django_platform.checks import python

    def sources(env: dict[str, str]) -> set[str]:
        monkeypatch.setattr(python, "environment", lambda: env)
        with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["dokku"]):
            return {m.msg.split(" (")[1].split(")")[0] for m in python.check_python()}

    (tmp_path / "Dockerfile").write_text("FROM python:3.9-slim\n")
    (tmp_path / ".python-version").write_text("3.8\n")
    assert sources({}) == {"Dockerfile: FROM python:3.9-slim"}
    assert sources({"BUILDPACK_URL": "https://github.com/heroku/heroku-buildpack-python"}) == {".python-version"}
    assert sources({"BUILDPACK_URL": " "}) == {"Dockerfile: FROM python:3.9-slim"}  # empty: not set
    (tmp_path / ".buildpacks").mkdir()  # not a file: Dokku reads a file
    assert sources({}) == {"Dockerfile: FROM python:3.9-slim"}
    (tmp_path / ".buildpacks").rmdir()
    (tmp_path / ".buildpacks").write_text("https://github.com/heroku/heroku-buildpack-python\n")
    assert sources({}) == {".python-version"}
    with override_settings(BASE_DIR=tmp_path):  # Fly.io reads no .buildpacks
        assert {p.source for p in python.platform_pythons(BY_NAME["fly"])} == {"Dockerfile: FROM python:3.9-slim"}


def test_w057_nixpacks_on_coolify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Coolify's default build pack, Nixpacks, reads NIXPACKS_PYTHON_VERSION but lets a runtime.txt
    outrank it (both judged), and runs Python 3.11 where nothing asks: Django 6 requires 3.12."""
    from importlib import metadata

    from django_platform.checks import python

    def pythons(env: dict[str, str]) -> set[tuple[tuple[int, int], str]]:
        monkeypatch.setattr(python, "environment", lambda: env)
        with override_settings(BASE_DIR=tmp_path):
            return {(p.version, p.source) for p in python.platform_pythons(BY_NAME["coolify"])}

    assert pythons({}) == {((3, 11), "its default")}
    assert pythons({"NIXPACKS_PYTHON_VERSION": "3.13"}) == {((3, 13), "NIXPACKS_PYTHON_VERSION")}
    (tmp_path / "runtime.txt").write_text("python-3.12.7\n")
    assert pythons({"NIXPACKS_PYTHON_VERSION": "3.13"}) == {
        ((3, 13), "NIXPACKS_PYTHON_VERSION"),
        ((3, 12), "runtime.txt"),
    }
    assert pythons({"NIXPACKS_PYTHON_VERSION": "3.12"}) == {((3, 12), "NIXPACKS_PYTHON_VERSION")}  # the same
    (tmp_path / ".python-version").write_text("3.10\n")  # the variable outranks it there
    assert pythons({"NIXPACKS_PYTHON_VERSION": "3.12"}) == {((3, 12), "NIXPACKS_PYTHON_VERSION")}
    (tmp_path / ".python-version").unlink()
    assert pythons({}) == {((3, 12), "runtime.txt")}
    (tmp_path / "runtime.txt").unlink()
    (tmp_path / "Dockerfile").write_text("FROM python:3.13\n")  # built with Docker: not the default
    assert pythons({}) == {((3, 13), "Dockerfile: FROM python:3.13")}
    (tmp_path / "Dockerfile").write_text("FROM debian:trixie\n")  # its Python unsaid, nor the build's
    assert {source for _, source in pythons({})} == {"this interpreter"}
    (tmp_path / "Dockerfile").unlink()
    # The default judged as a version asked for, in its own words: Django 6 requires 3.12.
    real = metadata.metadata

    def requiring_312(name: str) -> Any:
        found: Any = real(name)
        if name == "Django":
            del found["Requires-Python"]
            found["Requires-Python"] = ">=3.12"
        return found

    monkeypatch.setattr(metadata, "metadata", requiring_312)
    monkeypatch.setattr(python, "environment", lambda: {})
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["coolify"]):
        flagged = [m for m in python.check_python() if "Django " in m.msg]
    assert [m.id for m in flagged] == ["django_platform.W057"]
    assert flagged[0].msg.startswith(
        "Coolify's build runs Python 3.11 where the project asks for none (its default), and Django "
    )
    assert (flagged[0].hint or "").startswith("Ask for a Python Django supports in .python-version (this one runs ")
    # Heroku keeps an app's first build's Python where nothing asks: 3.11 for an app first built
    # while that was its default (I003); elsewhere the default is unknown and this one stands in.
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):
        [sticky] = [m for m in python.check_python() if "Django " in m.msg]
    assert sticky.id == "django_platform.I003" and sticky.level == INFO
    assert sticky.msg.startswith(
        "The project asks Heroku for no Python version: its build keeps the Python of the app's first build (in "
        "its build cache), as old as 3.11 for an app first built then, and Django "
    )
    assert (sticky.hint or "").endswith("as Heroku advises.")
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["render"]):
        assert [m for m in python.check_python() if "Django " in m.msg] == []
    (tmp_path / ".python-version").write_text("3.13\n")
    with override_settings(BASE_DIR=tmp_path), judging(BY_NAME["heroku"]):  # asked: nothing kept
        assert [m for m in python.check_python() if "Django " in m.msg] == []


def test_the_python_of_a_dockerfile() -> None:
    """The final stage's base image, through the stages it is built from and the ARG defaults
    before the first FROM; None where the image does not say its Python (or the text is no
    Dockerfile at all)."""
    from django_platform.parsers.dockerfile import final_image, image_python

    for text, image in (
        ("ARG PYTHON_VERSION=3.12-slim\n\nFROM python:${PYTHON_VERSION}\n", "python:3.12-slim"),  # flyctl's
        ('ARG V="3.10"\nFROM python:$V\n', "python:3.10"),
        ("FROM python:3.11-slim AS build\nRUN make\nFROM build AS final\nCMD run\n", "python:3.11-slim"),
        ("FROM python:3.11 AS b\nFROM debian:bookworm\nCOPY --from=b / /\n", "debian:bookworm"),
        ("# syntax=docker/dockerfile:1\nFROM --platform=linux/amd64 python:3.10 AS x\n", "python:3.10"),
        ("FROM \\\n  python:3.9\n", "python:3.9"),
        ("from python:3.13 as Base\nFROM base\n", "python:3.13"),
        ("FROM python:$UNSET\n", "python:"),  # an unset ARG is empty, as in Docker: no tag, no Python
        ("FROM python:\\$V\n", None),  # an escaped $: a reference Docker refuses
        ("ARG\nFROM python:3.9\n", None),  # a bare ARG: not a Dockerfile Docker builds
        ("RUN echo\n", None),
        ("FROM\nFROM python:3.9\n", "python:3.9"),  # an empty FROM: Docker refuses it, the rest is read
        ("FROM\n", None),
        ("", None),
    ):
        assert final_image(text) == image, text
    for reference, version in (
        ("python:3.12-slim", (3, 12)),
        ("python:3.10.4-slim-bookworm", (3, 10)),
        ("docker.io/library/python:3.11@sha256:0123", (3, 11)),
        ("public.ecr.aws/docker/library/python:3.13-alpine", (3, 13)),
        ("ghcr.io/astral-sh/uv:python3.12-bookworm-slim", (3, 12)),
        ("ghcr.io/astral-sh/uv:0.9-python3.13-trixie", (3, 13)),
        ("python:3-slim", None),
        ("python:", None),
        ("python:latest", None),
        ("python", None),
        ("localhost:5000/python", None),
        ("debian:bookworm", None),
        ("node:20", None),
        ("ghcr.io/astral-sh/uv:bookworm-slim", None),
    ):
        assert image_python(reference) == version, reference


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["FROM", "ARG", "AS", "python:3.12", "$X", "${X}", "X=3.11", '"', "\\", "\n", " ", "#"]),
            st.sampled_from(["# escape=`\n", "`", "--platform=x", "=", "${", "build", "\r\n", "\x00", "\ufeff"]),
            st.text(max_size=5),
        ),
        max_size=30,
    )
)
def test_any_text_as_a_dockerfile(parts: list[str]) -> None:
    """The parser is total: a broken Dockerfile names no Python, it never raises."""
    from django_platform.parsers.dockerfile import final_image, image_python

    image = final_image("".join(parts))
    if image is not None:  # an image, its substitutions closed
        assert image and "$" not in image
        image_python(image)
