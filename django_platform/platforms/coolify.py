"""Coolify (self-hosted): COOLIFY_* predefined variables; health checks run inside the container
with curl, so their Host is localhost. Public sources: the row's `sources`."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt
from django_platform.parsers.hosts import parse_hosts
from django_platform.platforms.base import Context, Marker, Platform


def _hostname(item: str) -> str | None:
    return urlsplit(item if "://" in item else "//" + item).hostname


class Coolify(Platform):
    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        # COOLIFY_FQDN: one or more names, comma-separated, with a scheme and a port in some
        # versions (unverified): the host names are kept, as ALLOWED_HOSTS wants them.
        names = []
        for item in (i.strip() for i in ctx.value("COOLIFY_FQDN").split(",") if i.strip()):
            host = attempt(partial(_hostname, item), ValueError)
            if isinstance(host, Failed) or not host:
                raise ImproperlyConfigured("COOLIFY_FQDN must be a comma-separated list of host names or URLs.")
            names.append(host if ":" not in host else f"[{host}]")
        return [(h, "COOLIFY_FQDN") for h in parse_hosts("COOLIFY_FQDN", ",".join(names))]


COOLIFY = Coolify(
    name="coolify",
    one_off="the application's Terminal tab: `{command}` (unverified)",
    release_variables=("SOURCE_COMMIT",),
    label="Coolify",
    markers=(Marker(any_of=("COOLIFY_RESOURCE_UUID", "COOLIFY_CONTAINER_NAME")),),
    router_tls=True,
    health_check_hosts=("localhost",),
    health_check=(
        "enable the application's Healthcheck with path {path} (Coolify runs curl or wget inside the container: "
        "the image needs one of them)"
    ),
    worker_hint="add a resource from the same repository with the start command `{command}` (unverified)",
    release_hint="set the application's Pre-deployment Command to `python manage.py platform_migrate`",
    stop_grace=10,
    collectstatic_at_build=(
        "add `python manage.py collectstatic --noinput` to the build (Nixpacks build command or Dockerfile)"
    ),
    unverified=("release phase", "stop signal and grace", "database variables", "COOLIFY_FQDN format"),
    credentials_from="`DATABASE_URL` (set by you)",
    recipe=(
        '`DATABASE_URL` (the internal URL) and `DJANGO_SECRET_KEY`, both "Build Variable" (the build has '
        "`COOLIFY_*`, so the profile applies there); add `collectstatic` to the build and `migrate` as the "
        "Pre-deployment Command; Healthcheck path `/readyz` (it runs `curl` or `wget` inside the container: the "
        "image needs one). Hosts: `COOLIFY_FQDN`; `localhost` is the health check's Host."
    ),
    dockerfile_build="chosen",
    # Nixpacks, its default build pack: NIXPACKS_PYTHON_VERSION, which a runtime.txt outranks where
    # both are there (its python provider's version lookup), and Python 3.11 where nothing asks.
    python_variable="NIXPACKS_PYTHON_VERSION",
    python_files_over_variable=("runtime.txt",),
    python_default="3.11",
    sources=(
        "https://coolify.io/docs/applications/builds/overview",
        "https://coolify.io/docs/knowledge-base/environment-variables",
        "https://coolify.io/docs/builds/packs/nixpacks",
        "https://coolify.io/docs/knowledge-base/health-checks",
        "https://coolify.io/docs/applications/django",
        "https://nixpacks.com/docs/providers/python",
        "https://github.com/railwayapp/nixpacks/blob/main/src/providers/python.rs",
    ),
)

PLATFORMS = (COOLIFY,)
