"""A platform of the user's own, as a package or settings module would register it: the example
of docs/own-platform.md, run by tests/test_platforms.py."""

from __future__ import annotations

from typing import Any

from django_platform.platforms import Context, Found, Marker, Platform, register


class Acme(Platform):
    def databases(self, ctx: Context) -> list[Found]:
        # ACME keeps one database per app, named after it, on its internal host.
        app = ctx.value("ACME_APP")
        entry: dict[str, Any] = {"ENGINE": "django.db.backends.postgresql", "NAME": app, "HOST": "db.acme.internal"}
        return [("default", entry, "ACME_APP")]


PLATFORM = register(
    Acme(
        name="acme",
        label="ACME PaaS",
        markers=(Marker(all_of=("ACME_APP",)),),
        router_tls=True,
        host_templates=("{ACME_APP}.apps.acme.example",),
        release_process="release",
    ),
    replace=True,
)
