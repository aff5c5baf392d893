"""Coolify (self-hosted): COOLIFY_* predefined variables; health checks run inside the container
with curl, so their Host is localhost. Source: platforms-living.md (Coolify; docs snapshot 2025-05)."""

from __future__ import annotations

from django_platform.platforms.base import Context, Marker, Platform


class Coolify(Platform):
    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        # COOLIFY_FQDN: one or more host names, comma-separated, written with a scheme in
        # some versions (unverified): both forms are read.
        from django_platform.areas.hosts import parse_hosts

        names = [item.strip().split("://")[-1].split("/")[0] for item in ctx.value("COOLIFY_FQDN").split(",")]
        return [(h, "COOLIFY_FQDN") for h in parse_hosts("COOLIFY_FQDN", ",".join(names).lower())]


COOLIFY = Coolify(
    name="coolify",
    label="Coolify",
    markers=(Marker(any_of=("COOLIFY_RESOURCE_UUID", "COOLIFY_CONTAINER_NAME")),),
    router_tls=True,
    health_check_hosts=("localhost",),
    release_hint="set the application's Pre-deployment Command to `python manage.py migrate --noinput`",
    stop_grace=10,
    collectstatic_at_build=(
        "add `python manage.py collectstatic --noinput` to the build (Nixpacks build command or Dockerfile)"
    ),
    unverified=("release phase", "stop signal and grace", "database variables", "COOLIFY_FQDN format"),
)

PLATFORMS = (COOLIFY,)
