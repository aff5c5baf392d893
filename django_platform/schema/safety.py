"""Which migration operations break the code still serving while a release's migrations run.

Every platform's release phase (Heroku's release:, Render's pre-deploy command, Fly's
release_command, Scalingo's postdeploy, Upsun's deploy hook) applies the new schema while the old
code serves. An operation is judged by what that old code does with it: Django selects every
column of a model and inserts every field, by name.

django-syzygy (evaluated, not used): it marks only RemoveField and DeleteModel as post-deploy,
replaces the migrate and makemigrations commands once installed, and helps write new migrations
rather than judge existing ones. Its `stage` markers are honoured here (a migration or operation
marked post-deploy waits for the post-release step)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import migrations
from django.db.models import NOT_PROVIDED

BREAKS = "breaks"  # old code fails on the new schema: refused in the release phase
UNKNOWN = "unknown"  # raw SQL or Python: said, not guessed
SLOW = "slow"  # locks a table while it runs (an index built without CONCURRENTLY)

POST_DEPLOY = "post_deployment"  # django-syzygy's Stage.POST_DEPLOY value

RECIPES = {
    "remove": (
        "Two releases: first remove the field from the model only (SeparateDatabaseAndState with "
        "state_operations=[RemoveField] and no database operation; make the column nullable or give it a "
        "db_default first if it is NOT NULL), then drop the column in the next release (python manage.py "
        "platform_migrate --post-release once the old code is gone)."
    ),
    "delete": (
        "Two releases: stop using the model and delete it from the state only (SeparateDatabaseAndState), "
        "then drop the table in the next release (platform_migrate --post-release)."
    ),
    "rename": (
        "Add the new name beside the old one and write both, backfill, move the reads, then drop the old name "
        "in a later release; or keep the column and rename in Python only (db_column / db_table)."
    ),
    "not_null": (
        "Give the column a database default (db_default, Django 5.0+) or keep it nullable in this release; "
        "backfill, then make it NOT NULL in the next release, once no old code writes NULL."
    ),
    "type": (
        "Add a column of the new type beside the old one, write both, backfill, switch reads, drop the old one "
        "later: a type change rewrites the table under a lock, and old code writes the old type."
    ),
    "index": (
        "On PostgreSQL build it without locking writes: AddIndexConcurrently (django.contrib.postgres.operations) "
        "in a migration with atomic = False; a unique constraint from a concurrently built unique index."
    ),
    "code": "Review it: make it work with both the old and the new code, or run it with --post-release.",
    "post": "It runs after the release: python manage.py platform_migrate --post-release, once the old code is gone.",
}


class Finding:
    """One operation of one migration, what it does to the old code, and the recipe."""

    __slots__ = ("kind", "migration", "operation", "recipe", "why")

    def __init__(self, migration: str, operation: str, kind: str, why: str, recipe: str) -> None:
        self.migration, self.operation, self.kind, self.why, self.recipe = migration, operation, kind, why, recipe

    def __str__(self) -> str:
        return f"{self.migration}: {self.operation}: {self.why}"


def post_deploy(migration: Any, operation: Any = None) -> bool:
    """Marked post-deploy the django-syzygy way (`stage` on the migration or the operation)."""
    for holder in (operation, migration):
        stage = getattr(holder, "stage", None)
        if stage is not None and str(getattr(stage, "value", stage)) == POST_DEPLOY:
            return True
    return False


def _database_operations(operations: list[Any]) -> Iterator[Any]:
    """The operations that touch the database (SeparateDatabaseAndState's database half)."""
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from _database_operations(list(operation.database_operations))
        else:
            yield operation


def _field(state: Any, app_label: str, model: str, name: str) -> Any:
    # The operation was applied to the state just before: the model and field are there.
    return state.apps.get_model(app_label, model)._meta.get_field(name)


def _needs_value(field: Any) -> bool:
    """A NOT NULL column old code will not write: no database default to fill it."""
    concrete = getattr(field, "concrete", True) and not getattr(field, "many_to_many", False)
    db_default = getattr(field, "db_default", NOT_PROVIDED)
    return bool(concrete and not field.null and db_default is NOT_PROVIDED)


def judge(
    migration: Any, state: Any, vendor: str, connection: Any = None, created: set[tuple[str, str]] | None = None
) -> list[Finding]:
    """The findings for `migration`'s operations, `state` being the project state before it
    (advanced here, operation by operation, as migrate does). `created` collects the models this
    release creates: the old code knows nothing of them, so what happens to them breaks nothing."""
    label = f"{migration.app_label}.{migration.name}"
    found: list[Finding] = []
    app = migration.app_label
    new_models = created if created is not None else set()
    for operation in migration.operations:
        before = state.clone()
        operation.state_forwards(app, state)
        described = operation.describe()
        if post_deploy(migration, operation):
            why = "marked post-deploy (django-syzygy's stage)"
            found.append(Finding(label, described, BREAKS, why, RECIPES["post"]))
            continue
        for op in _database_operations([operation]):
            model = str(getattr(op, "model_name_lower", "") or getattr(op, "name_lower", ""))
            if isinstance(op, migrations.CreateModel):
                new_models.add((app, model))
            elif (app, model) not in new_models or isinstance(op, (migrations.RunSQL, migrations.RunPython)):
                found += _judge_one(label, app, op, described, before, state, vendor, connection)
    return found


def _judge_one(
    label: str, app: str, op: Any, described: str, before: Any, after: Any, vendor: str, connection: Any
) -> list[Finding]:
    m = migrations
    if isinstance(op, m.RemoveField):
        why = "the old code still selects and writes this column: every query on the model fails"
        return [Finding(label, described, BREAKS, why, RECIPES["remove"])]
    if isinstance(op, m.DeleteModel):
        return [Finding(label, described, BREAKS, "the old code still queries this table", RECIPES["delete"])]
    if isinstance(op, (m.RenameField, m.RenameModel)):
        old = _renamed_storage(op, app, before, after, connection)
        if old:
            return [Finding(label, described, BREAKS, f"the old code still uses the old {old}", RECIPES["rename"])]
        return []
    if isinstance(op, m.AddField):
        if _needs_value(op.field):
            why = "a NOT NULL column without a database default: the old code's INSERTs leave it out and fail"
            return [Finding(label, described, BREAKS, why, RECIPES["not_null"])]
        if vendor == "postgresql" and (op.field.unique or op.field.db_index) and not op.field.primary_key:
            why = "builds an index while the table is locked against writes"
            return [Finding(label, described, SLOW, why, RECIPES["index"])]
        return []
    if isinstance(op, m.AlterField):
        return _altered(label, app, op, described, before, after, vendor, connection)
    if isinstance(op, (m.AddIndex, m.AddConstraint, m.AlterUniqueTogether)):
        if vendor == "postgresql" and not _concurrent(op):
            why = "builds an index while the table is locked against writes"
            return [Finding(label, described, SLOW, why, RECIPES["index"])]
        return []
    if isinstance(op, (m.RunSQL, m.RunPython)):
        why = "raw SQL or Python: django-platform cannot tell what it does to the old code"
        return [Finding(label, described, UNKNOWN, why, RECIPES["code"])]
    return []


def _concurrent(op: Any) -> bool:
    return type(op).__name__.endswith("Concurrently")


def _renamed_storage(op: Any, app: str, before: Any, after: Any, connection: Any) -> str:
    """'column' or 'table' when the rename changes what the database calls it, else ''."""
    if isinstance(op, migrations.RenameField):
        old = _field(before, app, op.model_name, op.old_name)
        new = _field(after, app, op.model_name, op.new_name)
        return "column" if old.column != new.column else ""
    old_table = before.apps.get_model(app, op.old_name)._meta.db_table
    new_table = after.apps.get_model(app, op.new_name)._meta.db_table
    return "table" if old_table != new_table else ""


def _altered(
    label: str, app: str, op: Any, described: str, before: Any, after: Any, vendor: str, connection: Any
) -> list[Finding]:
    old = _field(before, app, op.model_name, op.name)
    new = _field(after, app, op.model_name, op.name)
    found = []
    if old.column != new.column:
        found.append(Finding(label, described, BREAKS, "renames the column the old code uses", RECIPES["rename"]))
    if old.null and not new.null and _needs_value(new):
        why = "makes the column NOT NULL while the old code may still write NULL"
        found.append(Finding(label, described, BREAKS, why, RECIPES["not_null"]))
    if connection is not None and old.db_type(connection) != new.db_type(connection):
        why = f"changes the column type ({old.db_type(connection)} to {new.db_type(connection)}): rewrites the table"
        found.append(Finding(label, described, BREAKS, why, RECIPES["type"]))
    if vendor == "postgresql" and ((new.unique and not old.unique) or (new.db_index and not old.db_index)):
        found.append(Finding(label, described, SLOW, "builds an index while the table is locked", RECIPES["index"]))
    return found
