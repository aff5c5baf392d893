"""Northflank: NF_* runtime variables, host names in NF_HOSTS; add-on credentials reach the app
through secret groups as the aliases the user chooses (DATABASE_URL, or a MySQL add-on's parts).
Public sources: the row's `sources`."""

from __future__ import annotations

from django_platform.parsers.dbfields import FieldSpec, from_fields
from django_platform.parsers.hosts import parse_hosts
from django_platform.platforms.base import Context, Found, Marker, Platform
from django_platform.report import Source

# A MySQL add-on's connection strings are no URLs ("server=host:port;uid=…;password=…", and JDBC's):
# its HOST, PORT, DATABASE, USERNAME and PASSWORD secrets are linked under these aliases instead
# (platform_manifest's template does it), read here when DATABASE_URL is absent.
MYSQL_ALIASES = {
    "HOST": "MYSQL_HOST",
    "PORT": "MYSQL_PORT",
    "DATABASE": "MYSQL_DATABASE",
    "USERNAME": "MYSQL_USER",
    "PASSWORD": "MYSQL_PASSWORD",
}
MYSQL = FieldSpec("mysql", "MYSQL_DATABASE", "MYSQL_HOST", ("MYSQL_USER",), "MYSQL_PASSWORD", "MYSQL_PORT", 3306)
MYSQL_SOURCE = "MYSQL_HOST/PORT/DATABASE/USER/PASSWORD"


class Northflank(Platform):
    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        return [(h, "NF_HOSTS") for h in parse_hosts("NF_HOSTS", ctx.value("NF_HOSTS").lower())]

    def databases(self, ctx: Context) -> list[Found]:
        if not ctx.value("MYSQL_HOST"):
            return []
        origin = Source("environment", MYSQL_SOURCE, [k for k in MYSQL.variables() if ctx.value(k)])
        return [("default", from_fields(ctx.env, MYSQL, source=MYSQL_SOURCE), origin)]


NORTHFLANK = Northflank(
    name="northflank",
    one_off="the service's Shell in the dashboard: `{command}` (unverified)",
    release_variables=("NF_GIT_SHA",),
    label="Northflank",
    markers=(Marker(all_of=("NF_OBJECT_ID", "NF_PROJECT_ID")),),
    router_tls=True,
    worker_hint="add a service from the same build with the command override `{command}`",
    release_hint="add a release flow or job that runs `python manage.py platform_migrate` before the deployment",
    stop_grace=30,
    collectstatic_at_build=(
        "add `RUN python manage.py collectstatic --noinput` to the Dockerfile (or the buildpack's build)"
    ),
    health_check="add an HTTP readiness check on the service's port with path {path} (Health checks)",
    unverified=("Procfile support", "release phase", "health-check Host"),
    claims=("MYSQL_HOST",),
    credentials_from=(
        "`DATABASE_URL` (an alias you give a PostgreSQL add-on's `POSTGRES_URI`); a MySQL add-on's `HOST`, `PORT`, "
        "`DATABASE`, `USERNAME` and `PASSWORD` as `MYSQL_HOST`, `MYSQL_PORT`, `MYSQL_DATABASE`, `MYSQL_USER` and "
        "`MYSQL_PASSWORD` (its connection strings are not URLs)"
    ),
    recipe=(
        "Link the database add-on's secret as `DATABASE_URL` (a MySQL add-on's secrets as `MYSQL_*`, listed "
        "below), set `DJANGO_SECRET_KEY`; the Dockerfile runs `collectstatic`; a job runs `migrate` before the "
        "deployment; an HTTP readiness check on `/readyz`. Hosts: `NF_HOSTS`. `platform_manifest` writes a template "
        "(`northflank.json`, synced by GitOps) that does all of this with the Heroku buildpacks."
    ),
    dockerfile_build="chosen",
    sources=(
        "https://northflank.com/docs/v1/application/secure/inject-secrets",
        "https://northflank.com/docs/v1/application/build/build-with-buildpacks",
        "https://northflank.com/docs/v1/application/databases-and-persistence/connect-database-secrets-to-workloads",
        "https://northflank.com/docs/v1/application/scale/scale-instances",
        "https://northflank.com/docs/v1/application/databases-and-persistence/deploy-databases-on-northflank/"
        "deploy-mysql-on-northflank",
    ),
)

PLATFORMS = (NORTHFLANK,)
