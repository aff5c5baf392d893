"""Qoddi: no documented marker (only DJANGO_PLATFORM=qoddi selects it); PORT and HOST prove nothing.

Its MySQL/MariaDB datastores fill DATABASE_HOST/NAME/USERNAME/PASSWORD/PORT; its MongoDB
datastore fills the same names and MONGO_URL, so with MONGO_URL they are not SQL credentials.
Public sources: the row's `sources`.
"""

from __future__ import annotations

from django_platform.parsers.dbfields import FieldSpec, from_fields
from django_platform.platforms.base import MYSQL, PG, Context, Found, Platform
from django_platform.report import Source

SOURCE = "DATABASE_HOST/NAME/USERNAME/PASSWORD/PORT"


class Qoddi(Platform):
    def databases(self, ctx: Context) -> list[Found]:
        if not ctx.value("DATABASE_HOST"):
            return []
        if ctx.value("MONGO_URL"):
            ctx.notes.append(f"{SOURCE} ignored: with MONGO_URL set they describe Qoddi's MongoDB datastore.")
            return []
        # The seed also names DATABASE_USER and DATABASE_LOGIN as examples: all are accepted.
        spec = FieldSpec(
            "mysql",
            "DATABASE_NAME",
            "DATABASE_HOST",
            ("DATABASE_USERNAME", "DATABASE_USER", "DATABASE_LOGIN"),
            "DATABASE_PASSWORD",
            "DATABASE_PORT",
            3306,
        )

        origin = Source("environment", SOURCE, [k for k in spec.variables() if ctx.value(k)])
        return [("default", from_fields(ctx.env, spec, source=SOURCE), origin)]


QODDI = Qoddi(
    name="qoddi",
    one_off="the app's console (Qoddi's Launch a Console Command): `{command}`",
    label="Qoddi",
    # Its datastores have SSL off.
    db_tls={PG: False, MYSQL: False},
    router_tls=True,
    worker_hint="scale it to one instance in the app's Processes settings (unverified)",
    release_hint="run `python manage.py platform_migrate` from the app's console after each deploy",
    collectstatic_at_build="Qoddi's Heroku buildpack runs it unless DISABLE_COLLECTSTATIC is set",
    claims=("DATABASE_HOST",),
    credentials_from=(
        "PostgreSQL: `DATABASE_URL`; MySQL/MariaDB: `DATABASE_HOST`, `DATABASE_NAME`, `DATABASE_USERNAME` (or "
        "`DATABASE_USER`, `DATABASE_LOGIN`), `DATABASE_PASSWORD`, `DATABASE_PORT` (default 3306; the host may carry "
        "`:3306`); ignored when `MONGO_URL` says they are MongoDB's"
    ),
    recipe=(
        "Set `DJANGO_PLATFORM=qoddi` (Qoddi sets no marker), `DJANGO_ALLOWED_HOSTS`, and either `DATABASE_URL` "
        "(PostgreSQL) or `DATABASE_HOST`/`DATABASE_NAME`/`DATABASE_USERNAME`/`DATABASE_PASSWORD` (MySQL). SSL to "
        "the datastores is switched off, as Qoddi requires. The seed's `web: gunicorn myproject.wsgi` picks up the "
        "generated `gunicorn.conf.py`."
    ),
    sources=(
        "https://devcenter.qoddi.com/auto-provisioned-datastores/",
        "https://devcenter.qoddi.com/environment-variables/",
        "https://devcenter.qoddi.com/node-js/",
        "https://devcenter.qoddi.com/laravel/",
    ),
)

PLATFORMS = (QODDI,)
