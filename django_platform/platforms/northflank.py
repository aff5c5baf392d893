"""Northflank: NF_* runtime variables, host names in NF_HOSTS; add-on credentials reach the app
through secret groups as the aliases the user chooses (DATABASE_URL).
Source: platforms-living.md (Northflank)."""

from __future__ import annotations

from django_platform.platforms.base import Context, Marker, Platform


class Northflank(Platform):
    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        from django_platform.areas.hosts import parse_hosts

        return [(h, "NF_HOSTS") for h in parse_hosts("NF_HOSTS", ctx.value("NF_HOSTS").lower())]


NORTHFLANK = Northflank(
    name="northflank",
    label="Northflank",
    markers=(Marker(all_of=("NF_OBJECT_ID", "NF_PROJECT_ID")),),
    router_tls=True,
    worker_hint="add a service from the same build with the command override `{command}`",
    release_hint="add a release flow or job that runs `python manage.py migrate --noinput` before the deployment",
    stop_grace=30,
    collectstatic_at_build=(
        "add `RUN python manage.py collectstatic --noinput` to the Dockerfile (or the buildpack's build)"
    ),
    health_check="add an HTTP readiness check on the service's port with path {path} (Health checks)",
    unverified=("Procfile support", "release phase", "health-check Host"),
)

PLATFORMS = (NORTHFLANK,)
