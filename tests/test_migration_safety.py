"""Migrations judged against the code still serving (django_platform/schema), and
platform_migrate, the release phase's migrate, on the real PostgreSQL and MariaDB: the safe part
applied, a destructive one refused with nothing applied, one migrate at a time."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, migrations, models
from django.db.migrations.state import ProjectState

from django_platform.schema.safety import BREAKS, SLOW, UNKNOWN, judge
from tests.platform_envs import clean_environ
from tests.services import port_open, query_one, unavailable

# --- judging operations (no database) --------------------------------------------------------------


def migration(name: str, *operations: Any, stage: str | None = None) -> Any:
    made = migrations.Migration(name, "notes")
    made.operations = list(operations)  # type: ignore[misc]
    if stage:
        made.stage = stage  # type: ignore[attr-defined]
    return made


NOTE = migrations.CreateModel(
    "Note",
    [
        ("id", models.AutoField(primary_key=True)),
        ("title", models.CharField(max_length=20)),
        ("body", models.TextField(null=True)),
        ("count", models.CharField(max_length=5, default="0")),
    ],
)


def kinds(*operations: Any, vendor: str = "sqlite", stage: str | None = None) -> list[str]:
    """The kinds found for `operations` run after the model already exists (old code uses it)."""
    state = ProjectState()
    judge(migration("0001_initial", NOTE), state, vendor, connection)
    return [f.kind for f in judge(migration("0002_change", *operations, stage=stage), state, vendor, connection)]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (migrations.RemoveField("note", "body"), [BREAKS]),
        (migrations.DeleteModel("Note"), [BREAKS]),
        (migrations.RenameField("note", "title", "heading"), [BREAKS]),
        (migrations.RenameModel("Note", "Memo"), [BREAKS]),
        (migrations.AddField("note", "slug", models.SlugField(default="x")), [BREAKS]),  # NOT NULL, no db default
        (migrations.AddField("note", "slug", models.SlugField(null=True)), []),
        (migrations.AddField("note", "slug", models.SlugField(db_default="x")), []),
        (migrations.AlterField("note", "body", models.TextField(default="")), [BREAKS]),  # now NOT NULL
        (migrations.AlterField("note", "body", models.TextField(null=True, blank=True)), []),
        (migrations.AlterField("note", "count", models.IntegerField(default=0)), [BREAKS]),  # a type change
        (migrations.AlterField("note", "title", models.CharField(max_length=20, db_column="heading")), [BREAKS]),
        (migrations.RunPython(migrations.RunPython.noop), [UNKNOWN]),
        (migrations.RunSQL("UPDATE notes_note SET title = ''"), [UNKNOWN]),
        # The two-release recipe's first half: the model loses the field, the column stays.
        (migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("note", "body")]), []),
        (migrations.AddIndex("note", models.Index(fields=["title"], name="note_title")), []),  # not PostgreSQL
    ],
    ids=lambda value: value.describe() if hasattr(value, "describe") else str(value),
)
def test_each_operation_against_the_old_code(operation: Any, expected: list[str]) -> None:
    assert kinds(operation) == expected


def test_renames_that_keep_the_column_or_table_break_nothing() -> None:
    keep_table = migrations.AlterModelTable("note", "notes_note")
    assert kinds(keep_table) == []
    state = ProjectState()
    table = migrations.CreateModel(
        "Note", [("id", models.AutoField(primary_key=True))], options={"db_table": "notes_note"}
    )
    judge(migration("0001_initial", table), state, "postgresql", connection)
    renamed = judge(migration("0002_rename", migrations.RenameModel("Note", "Memo")), state, "postgresql", connection)
    assert renamed == []  # db_table kept: the database calls it the same


def test_postgresql_index_builds_without_concurrently_are_slow() -> None:
    from django.contrib.postgres.operations import AddIndexConcurrently

    index = models.Index(fields=["title"], name="note_title")
    assert kinds(migrations.AddIndex("note", index), vendor="postgresql") == [SLOW]
    assert kinds(AddIndexConcurrently("note", index), vendor="postgresql") == []
    assert kinds(migrations.AddField("note", "code", models.CharField(max_length=5, unique=True, null=True)),
                 vendor="postgresql") == [SLOW]  # fmt: skip


def test_what_happens_to_a_model_of_this_release_breaks_nothing_and_syzygy_stages_are_honoured() -> None:
    state = ProjectState()
    fresh = migration("0001_initial", NOTE, migrations.RemoveField("note", "body"), migrations.DeleteModel("Note"))
    assert judge(fresh, state, "postgresql", connection, set()) == []
    assert kinds(migrations.AddField("note", "slug", models.SlugField(null=True)), stage="post_deployment") == [BREAKS]


# --- platform_migrate on real databases -------------------------------------------------------------

PG = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5432", "USER": "postgres"}
MARIADB = {"ENGINE": "django.db.backends.mysql", "HOST": "127.0.0.1", "PORT": "3306", "USER": "root", "PASSWORD": ""}
_numbers = itertools.count()

SETTINGS = """
import django_platform
BASE_DIR = __import__("pathlib").Path(__file__).resolve().parent
SECRET_KEY = "s" * 50
INSTALLED_APPS = ["django.contrib.contenttypes", "django_platform", "notes"]
USE_TZ = True
django_platform.configure(globals())
"""
INITIAL = """
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel("Note", [
            ("id", models.AutoField(primary_key=True)),
            ("title", models.CharField(max_length=20)),
            ("body", models.TextField(null=True)),
        ]),
    ]
"""
ADD_NULLABLE = """
from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.AddField("note", "slug", models.SlugField(null=True))]
"""
REMOVE = """
from django.db import migrations

class Migration(migrations.Migration):
    dependencies = [("notes", "0002_slug")]
    operations = [migrations.RemoveField("note", "body")]
"""


@pytest.fixture(params=["postgresql", "mariadb"])
def database(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[tuple[str, dict[str, str]]]:
    """(DATABASE_URL, the server's settings) for a database of its own."""
    vendor = request.param
    port, server = (5432, PG) if vendor == "postgresql" else (3306, MARIADB)
    if not port_open("127.0.0.1", port):
        unavailable(f"{vendor} is not listening on 127.0.0.1:{port}")
    name = f"migrate_{os.getpid()}_{next(_numbers)}"
    admin = {"default": {**server, "NAME": "postgres" if vendor == "postgresql" else "test"}}
    with django_db_blocker.unblock():
        query_one(admin, f"CREATE DATABASE {name}")
        try:
            url = (
                f"postgres://postgres@127.0.0.1:5432/{name}"
                if vendor == "postgresql"
                else f"mysql://root@127.0.0.1:3306/{name}"
            )
            yield url, {**server, "NAME": name}
        finally:
            drop = f"DROP DATABASE {name} WITH (FORCE)" if vendor == "postgresql" else f"DROP DATABASE {name}"
            query_one(admin, drop)


def project(tmp_path: Path) -> Path:
    (tmp_path / "notes" / "migrations").mkdir(parents=True)
    (tmp_path / "notes" / "__init__.py").write_text("")
    (tmp_path / "notes" / "migrations" / "__init__.py").write_text("")
    (tmp_path / "notes" / "migrations" / "0001_initial.py").write_text(textwrap.dedent(INITIAL))
    (tmp_path / "notes" / "models.py").write_text("")
    (tmp_path / "settings.py").write_text(textwrap.dedent(SETTINGS))
    return tmp_path


def migrate(root: Path, url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = clean_environ(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="settings", PYTHONPATH=str(root), DATABASE_SSL="false", **extra
    )
    command = [sys.executable, "-m", "django", "platform_migrate", *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def applied(server: dict[str, str], django_db_blocker: Any) -> list[str]:
    with django_db_blocker.unblock():
        from django.db.utils import ConnectionHandler

        handler = ConnectionHandler({"default": server})
        try:
            with handler["default"].cursor() as cursor:
                cursor.execute("SELECT name FROM django_migrations WHERE app = 'notes' ORDER BY name")
                return [row[0] for row in cursor.fetchall()]
        finally:
            handler["default"].close()


@pytest.mark.slow
def test_the_release_applies_the_safe_part_and_refuses_a_removal(
    database: tuple[str, dict[str, str]], tmp_path: Path, django_db_blocker: Any
) -> None:
    url, server = database
    root = project(tmp_path)
    first = migrate(root, url)
    assert first.returncode == 0, first.stdout + first.stderr  # a first deploy: nothing serves yet
    (root / "notes" / "migrations" / "0002_slug.py").write_text(textwrap.dedent(ADD_NULLABLE))
    (root / "notes" / "migrations" / "0003_remove_body.py").write_text(textwrap.dedent(REMOVE))
    check = migrate(root, url, "--check")
    assert check.returncode == 1 and "breaks: notes.0003_remove_body: Remove field body from note" in check.stdout
    refused = migrate(root, url)
    assert refused.returncode == 1
    assert "Refused: 1 operation(s) would break the code still serving" in refused.stderr
    assert "recipe: Two releases" in refused.stdout
    assert applied(server, django_db_blocker) == ["0001_initial"]  # nothing applied, the safe 0002 either
    (root / "notes" / "migrations" / "0003_remove_body.py").unlink()
    safe = migrate(root, url)
    assert safe.returncode == 0, safe.stdout + safe.stderr
    assert applied(server, django_db_blocker) == ["0001_initial", "0002_slug"]
    (root / "notes" / "migrations" / "0003_remove_body.py").write_text(textwrap.dedent(REMOVE))
    after = migrate(root, url, "--post-release")
    assert after.returncode == 0, after.stdout + after.stderr
    assert applied(server, django_db_blocker) == ["0001_initial", "0002_slug", "0003_remove_body"]


@pytest.mark.slow
def test_one_migrate_at_a_time(database: tuple[str, dict[str, str]], tmp_path: Path, django_db_blocker: Any) -> None:
    from django.db.utils import ConnectionHandler

    from django_platform.schema.lock import NAME, PG_KEY

    url, server = database
    root = project(tmp_path)
    with django_db_blocker.unblock():
        handler = ConnectionHandler({"default": server})
        holder = handler["default"]
        try:
            with holder.cursor() as cursor:  # another instance's migrate holds the lock
                if holder.vendor == "postgresql":
                    cursor.execute("SELECT pg_advisory_lock(%s)", [PG_KEY])
                else:
                    cursor.execute("SELECT GET_LOCK(%s, 0)", [NAME])
            waited = migrate(root, url, "--lock-timeout", "1")
            assert waited.returncode != 0 and "Another migrate holds the lock" in waited.stderr
            assert applied_or_none(server, django_db_blocker) == []
        finally:
            holder.close()  # the lock goes with its session
    done = migrate(root, url, "--lock-timeout", "5")
    assert done.returncode == 0, done.stdout + done.stderr


# Served over ASGI the release's connection comes from a pool: django-db-connection-pool's for
# MariaDB (configure()'s default where it is installed), psycopg's with DATABASE_POOL.
POOLED = {"DJANGO_PLATFORM_SERVER": "asgi", "DATABASE_POOL": "true"}
ENGINE_OF = (
    "import django; django.setup(); from django.db import connection as c; "
    "print(c.settings_dict['ENGINE'], bool(c.settings_dict['OPTIONS'].get('pool')))"
)


def pooled(server: dict[str, str]) -> dict[str, Any]:
    """The server's settings with configure()'s pool under ASGI."""
    if server["ENGINE"].endswith("postgresql"):
        return {**server, "OPTIONS": {"pool": {"min_size": 1, "max_size": 4}}}
    return {**server, "ENGINE": "dj_db_conn_pool.backends.mysql", "POOL_OPTIONS": {"POOL_SIZE": 4, "MAX_OVERFLOW": 0}}


def lock_free(server: dict[str, str], django_db_blocker: Any) -> bool:
    """Whether another session could take the migrate lock now (taken and given back at once)."""
    from django.db.utils import ConnectionHandler

    from django_platform.schema.lock import NAME, PG_KEY

    with django_db_blocker.unblock():
        handler = ConnectionHandler({"default": server})
        try:
            with handler["default"].cursor() as cursor:
                if server["ENGINE"].endswith("postgresql"):
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [PG_KEY])
                    free = bool(cursor.fetchone()[0])
                    if free:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [PG_KEY])
                    return free
                cursor.execute("SELECT IS_FREE_LOCK(%s)", [NAME])
                return bool(cursor.fetchone()[0] == 1)
        finally:
            handler["default"].close()


def close_pool(connection: Any) -> None:
    """The pool's own connections closed: psycopg's, or django-db-connection-pool's by alias."""
    if connection.vendor == "postgresql":
        connection.close_pool()
        return
    from dj_db_conn_pool.core import pool_container

    pool_container.pop(connection.alias).dispose()


@pytest.mark.slow
def test_the_lock_through_the_pool(
    database: tuple[str, dict[str, str]], tmp_path: Path, django_db_blocker: Any
) -> None:
    """The lock is a session's: through a pool it is taken and given back on the session lent to
    the migrate, before that session goes back to the pool (where it would hold the lock for the
    next borrower); platform_migrate served over ASGI waits for another holder and applies as
    without a pool."""
    from django.db.utils import ConnectionHandler

    from django_platform.schema.lock import migration_lock

    url, server = database
    with django_db_blocker.unblock():
        # An alias of its own: django-db-connection-pool keeps its pools by alias for the process.
        handler = ConnectionHandler({"default": server, "migrate_lock": pooled(server)})
        connection = handler["migrate_lock"]
        try:
            with migration_lock(connection, 1):
                assert not lock_free(server, django_db_blocker)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            assert lock_free(server, django_db_blocker)  # given back by the session still open
            connection.close()  # back to the pool
            assert lock_free(server, django_db_blocker)
            with migration_lock(connection, 1):  # borrowed again: taken again
                assert not lock_free(server, django_db_blocker)
        finally:
            connection.close()
            close_pool(connection)
    root = project(tmp_path)
    env = clean_environ(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="settings", PYTHONPATH=str(root), DATABASE_SSL="false", **POOLED
    )
    shell = subprocess.run(
        [sys.executable, "-c", ENGINE_OF], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    engine = (shell.stdout.strip().splitlines() or [shell.stderr])[-1]
    assert engine in ("dj_db_conn_pool.backends.mysql False", "django.db.backends.postgresql True"), shell.stderr
    with django_db_blocker.unblock():
        holder = ConnectionHandler({"default": server})["default"]
        try:
            assert lock_free(server, django_db_blocker)
            with migration_lock(holder, 0):  # another instance's migrate holds it
                waited = migrate(root, url, "--lock-timeout", "1", **POOLED)
            assert waited.returncode != 0 and "Another migrate holds the lock" in waited.stderr
            assert applied_or_none(server, django_db_blocker) == []
        finally:
            holder.close()
    done = migrate(root, url, "--lock-timeout", "5", **POOLED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert applied(server, django_db_blocker) == ["0001_initial"]
    assert lock_free(server, django_db_blocker)


def applied_or_none(server: dict[str, str], django_db_blocker: Any) -> list[str]:
    try:
        return applied(server, django_db_blocker)
    except Exception:  # no django_migrations table yet: nothing was applied
        return []


PROBE = """
from django.test import Client
response = Client().get("/startupz", HTTP_HOST="127.0.0.1")
print(response.status_code, response.content.decode())
"""


@pytest.mark.slow
def test_the_startup_probe_waits_for_the_migrations(database: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    """An instance that starts before the release's migrations are applied answers 503 on the
    startup path (never migrating), 200 once they are, from a cached yes afterwards."""
    url, _ = database
    root = project(tmp_path)
    settings = root / "settings.py"
    settings.write_text(
        settings.read_text().replace(
            "django_platform.configure(globals())",
            'DJANGO_PLATFORM_HEALTH = {"startup": True}\nROOT_URLCONF = "urls"\ndjango_platform.configure(globals())',
        )
    )
    (root / "urls.py").write_text("urlpatterns = []\n")
    env = clean_environ(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="settings", PYTHONPATH=str(root), DATABASE_SSL="false")
    shell = [sys.executable, "-m", "django", "shell", "-c", PROBE]
    before = subprocess.run(shell, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    # The last line: Django 5.2's shell says first what it imported.
    last = before.stdout.strip().splitlines()[-1]
    assert last.startswith('503 {"status": "migrating", "pending": {"default": '), before.stdout + before.stderr
    assert migrate(root, url).returncode == 0
    after = subprocess.run(shell, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert after.stdout.strip().splitlines()[-1] == '200 {"status": "ok"}', after.stdout + after.stderr


# --- in-process on the real PostgreSQL and MariaDB (the subprocess tests above are not measured) ----


def test_an_index_made_unique_on_postgresql_is_slow() -> None:
    unique = migrations.AlterField("note", "title", models.CharField(max_length=20, unique=True))
    assert kinds(unique, vendor="postgresql") == [SLOW]


def test_platform_check_turns_findings_into_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_platform.checks import migrations as migration_checks
    from django_platform.schema.safety import Finding

    found = [
        Finding("notes.0002_x", "Remove field body from note", BREAKS, "the old code selects it", "recipe a"),
        Finding("notes.0003_y", "Raw Python operation", UNKNOWN, "not guessed", "recipe b"),
        Finding("notes.0004_z", "Create index", SLOW, "locks writes", "recipe c"),
    ]
    monkeypatch.setattr(migration_checks, "judged_in_time", lambda alias, timeout: found)
    messages, why = migration_checks.migration_messages()
    assert why is None
    assert [m.id for m in messages] == ["django_platform.E030", "django_platform.W030", "django_platform.W031"]
    assert messages[0].msg.startswith("Migration notes.0002_x: Remove field body from note: the old code selects it")
    monkeypatch.setattr(migration_checks, "from_record", lambda alias, why: ([], f"not judged: {why}"))
    monkeypatch.setattr(migration_checks, "judged_in_time", lambda alias, timeout: "the database did not answer")
    assert migration_checks.migration_messages() == ([], "not judged: the database did not answer")


# --- judging against the committed record, the database not asked ---------------------------------


@pytest.fixture
def unanswered(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> Path:
    """The project in tmp_path; its database does not answer."""
    from django_platform.checks import migrations as migration_checks

    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(migration_checks, "judged_in_time", lambda alias, timeout: "the database did not answer")
    return tmp_path / "deployed-migrations.txt"


def test_the_record_is_written_from_the_graph_and_read_back(unanswered: Path) -> None:
    from django.core.management import call_command

    from django_platform.checks import migrations as migration_checks
    from django_platform.schema.recorded import parse

    out = io.StringIO()
    call_command("platform_migrate", "--record", stdout=out)
    assert out.getvalue() == f"Wrote {unanswered}: commit it.\n"
    text = unanswered.read_text()
    leaves = [("auth", "0012_alter_user_first_name_max_length"), ("contenttypes", "0002_remove_content_type_name")]
    assert parse(text) == leaves
    assert text.startswith("# ")
    # Everything the checkout has is deployed: nothing to judge, and the line says what was used.
    messages, line = migration_checks.migration_messages()
    assert messages == []
    assert line == "judged against deployed-migrations.txt, the last release's record: the database did not answer"


def test_the_migrations_beyond_the_record_are_judged(unanswered: Path) -> None:
    from django_platform.checks import migrations as migration_checks

    # auth's migrations depend on contenttypes 0002: recorded with it.
    unanswered.write_text("# deployed\nauth.0011_update_proxy_permissions\n\n")
    messages, line = migration_checks.migration_messages()
    assert line is not None and line.startswith("judged against deployed-migrations.txt")
    assert [(m.id, m.msg.split(":")[0]) for m in messages] == [
        ("django_platform.E030", "Migration auth.0012_alter_user_first_name_max_length"),  # a column type change
    ]
    # Only contenttypes' first: its second removes a field the old code selects; auth's models are
    # new to this release (nothing of the old code uses them), its RunPython is said.
    unanswered.write_text("contenttypes.0001_initial\n")
    found = [(m.id, m.msg.split(":")[0]) for m in migration_checks.migration_messages()[0]]
    assert found == [
        ("django_platform.W030", "Migration contenttypes.0002_remove_content_type_name"),
        ("django_platform.E030", "Migration contenttypes.0002_remove_content_type_name"),
        ("django_platform.W030", "Migration auth.0011_update_proxy_permissions"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("auth 0011_update_proxy_permissions\n", "line 1 is not app_label.migration_name"),
        ("# c\nauth.\n", "line 2 is not app_label.migration_name"),
        ("auth.0099_gone\n", "names migrations this project does not have (auth.0099_gone)"),
        (b"\xff\xfe", "cannot be read (UnicodeDecodeError)"),
    ],
)
def test_a_record_that_cannot_be_used_is_an_error(unanswered: Path, text: str | bytes, problem: str) -> None:
    from django_platform.checks import migrations as migration_checks

    if isinstance(text, bytes):
        unanswered.write_bytes(text)
    else:
        unanswered.write_text(text)
    messages, line = migration_checks.migration_messages()
    assert [m.id for m in messages] == ["django_platform.E031"]
    assert messages[0].msg == (
        f"deployed-migrations.txt {problem}: the migrations of the next release cannot be judged against it."
    )
    assert line == "not judged: the database did not answer"


def test_without_a_record_the_line_says_how_to_make_one(unanswered: Path) -> None:
    from django_platform.checks import migrations as migration_checks

    assert migration_checks.migration_messages() == (
        [],
        "not judged: the database did not answer; commit deployed-migrations.txt (platform_migrate --record) to "
        "judge them without it",
    )


def test_a_record_of_nothing_deployed_judges_nothing(unanswered: Path) -> None:
    from django.db import connection as default
    from django.db.migrations.loader import MigrationLoader

    from django_platform.schema.recorded import judged_against, plan_beyond

    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert len(plan_beyond(loader, [])) == len(loader.graph.nodes)
    assert judged_against(loader, [], default.vendor, default) == []
