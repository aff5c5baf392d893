"""Northflank: NF_* runtime variables, host names in NF_HOSTS; add-on credentials reach the app
through secret groups as the aliases the user chooses (DATABASE_URL).
Public sources: the row's `sources`."""

from __future__ import annotations

from django_platform.parsers.hosts import parse_hosts
from django_platform.platforms.base import Context, Marker, Platform


class Northflank(Platform):
    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        return [(h, "NF_HOSTS") for h in parse_hosts("NF_HOSTS", ctx.value("NF_HOSTS").lower())]


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
    credentials_from="`DATABASE_URL` (an alias you give the add-on's secret)",
    recipe=(
        "Link the database add-on's secret as `DATABASE_URL`, set `DJANGO_SECRET_KEY`; the Dockerfile runs "
        "`collectstatic`; a job runs `migrate` before the deployment; an HTTP readiness check on `/readyz`. Hosts: "
        "`NF_HOSTS`. `platform_manifest` writes a template (`northflank.json`, synced by GitOps) that does all of "
        "this with the Heroku buildpacks."
    ),
    sources=(
        "https://northflank.com/docs/v1/application/secure/inject-secrets",
        "https://northflank.com/docs/v1/application/build/build-with-buildpacks",
        "https://northflank.com/docs/v1/application/databases-and-persistence/connect-database-secrets-to-workloads",
        "https://northflank.com/docs/v1/application/scale/scale-instances",
    ),
)

PLATFORMS = (NORTHFLANK,)
