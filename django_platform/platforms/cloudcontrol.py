"""cloudControl (closed in 2016; kept because the seed's notes must keep working as written).

Add-on credentials live in the JSON file at $CRED_FILE (or in the environment, with the add-on's
SET_ENV_VARS option); DEP_NAME is "APP/DEP". Public sources: the row's `sources`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.bounded_json import load_json
from django_platform.parsers.cache import memcachier
from django_platform.parsers.dbfields import FieldSpec, from_fields
from django_platform.parsers.dburl import parse_database_url
from django_platform.parsers.mail import ADDONS
from django_platform.platforms.base import PG, Context, Found, Marker, Platform, Store, template_hosts
from django_platform.report import Source
from django_platform.textfile import Unreadable, read_text

if TYPE_CHECKING:
    from django_platform.parsers.mail import Mail

AddOns = dict[str, dict[str, str]]
CONFIG = "gunicorn_config.py"  # the name the seed's Procfile passes


def parse_credentials(text: str, *, source: str) -> AddOns:
    """`{"ADDON": {"ADDON_KEY": "value", ...}, ...}` -> the same, with values as strings."""

    data = load_json(text, source=source)
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{source} must hold a JSON object with one entry per add-on.")
    addons: AddOns = {}
    for name, values in data.items():
        if not isinstance(values, dict):
            raise ImproperlyConfigured(f"{source}: add-on {name!r} must be a JSON object.")
        addons[str(name)] = {
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items() if v is not None
        }
    return addons


def read_credentials(path: str) -> AddOns:
    """The add-ons in the file at $CRED_FILE (`path`)."""
    source = f"the credentials file CRED_FILE={path}"
    if "\0" in path:
        raise ImproperlyConfigured("CRED_FILE contains a NUL byte: it must be a file path.")
    text = read_text(Path(path))
    if isinstance(text, Unreadable):
        raise ImproperlyConfigured(f"{source} {text.problem}.")
    return parse_credentials(text, source=source)


def _addons() -> Mapping[str, FieldSpec | str]:
    """Database add-ons, in the order that picks the default database when several are present."""

    return {
        "POSTGRESQLD": FieldSpec(
            "postgresql",
            "POSTGRESQLD_DATABASE",
            "POSTGRESQLD_HOST",
            ("POSTGRESQLD_USER",),
            "POSTGRESQLD_PASSWORD",
            "POSTGRESQLD_PORT",
            5432,
            url="POSTGRESQLD_URL",
        ),
        "MYSQLD": FieldSpec(
            "mysql",
            "MYSQLD_DATABASE",
            "MYSQLD_HOST",
            ("MYSQLD_USER",),
            "MYSQLD_PASSWORD",
            "MYSQLD_PORT",
            3306,
            url="MYSQLD_URL",
        ),
        "ELEPHANTSQL": "ELEPHANTSQL_URL",
        "MYSQLS": FieldSpec(
            "mysql", "MYSQLS_DATABASE", "MYSQLS_HOSTNAME", ("MYSQLS_USERNAME",), "MYSQLS_PASSWORD", "MYSQLS_PORT", 3306
        ),
    }


def read_databases(env: Mapping[str, str], file_addons: AddOns) -> list[Found]:
    """Database add-ons from the environment (SET_ENV_VARS) or the credentials file; the
    environment wins add-on by add-on. The first found is the default."""

    found: list[Found] = []
    for addon, spec in _addons().items():
        keys = (spec,) if isinstance(spec, str) else spec.variables()
        if any(env.get(k) for k in keys):
            values, source = env, f"environment {addon}_*"
            origin = Source("environment", source, [k for k in keys if env.get(k)])
        elif addon in file_addons:
            values, source = file_addons[addon], f"CRED_FILE {addon}"
            origin = Source("store", source, ["CRED_FILE"])
        else:
            continue
        if isinstance(spec, str):
            if not values.get(spec, "").strip():
                raise ImproperlyConfigured(f"{source} is missing {spec}.")
            entry = parse_database_url(values[spec], variable=f"{source} {spec}")
        else:
            entry = from_fields(values, spec, source=source)
        alias = "default" if not found else addon.lower()
        found.append((alias, entry, origin))
    return found


# The add-ons' credentials: a JSON file named by CRED_FILE.
CRED_FILE = Store("CRED_FILE", read_credentials)


class CloudControl(Platform):
    def credentials(self, ctx: Context) -> AddOns:
        addons: AddOns = ctx.load(CRED_FILE) or {}
        return addons

    def databases(self, ctx: Context) -> list[Found]:
        return read_databases(ctx.env, self.credentials(ctx))

    def mail(self, ctx: Context) -> Mail | None:
        addons = self.credentials(ctx)
        values = {k: v for addon in ("SENDGRID", "MAILGUN", "POSTMARK") for k, v in addons.get(addon, {}).items()}
        for read in ADDONS:
            found = read(values, "CRED_FILE")
            if found:
                return found._replace(kind="store", keys=("CRED_FILE",))
        return None

    def cache(self, ctx: Context) -> tuple[dict[str, Any], Source | str] | None:
        config = memcachier(self.credentials(ctx).get("MEMCACHIER", {}), "CRED_FILE")
        return None if config is None else (config, Source("store", "CRED_FILE MEMCACHIER", ["CRED_FILE"]))

    def broker(self, ctx: Context) -> tuple[str, Source] | None:
        found = super().broker(ctx)
        url = "" if found else str(self.credentials(ctx).get("CLOUDAMQP", {}).get("CLOUDAMQP_URL") or "")
        return (url, Source("store", "CRED_FILE CLOUDAMQP", ["CRED_FILE"])) if url.strip() else found

    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        # DEP_NAME is "APP/DEP"; the host names are APP.… and, for a deployment other than
        # "default", DEP-APP.…
        app, _, dep = ctx.value("DEP_NAME").partition("/")
        values = {"CC_APP": app, "CC_DEP": dep if dep != "default" else ""}
        return template_hosts(values, self.host_templates)

    def procfile_lines(self, target: str) -> list[str]:
        return [f"web: gunicorn {target} --config {CONFIG} -b 0.0.0.0:$PORT", "manage: python manage.py"]


CLOUDCONTROL = CloudControl(
    name="cloudcontrol",
    one_off='`cctrlapp APP/DEP run "{command}"`',
    label="cloudControl",
    markers=(Marker(all_of=("PAAS_VENDOR=cloudControl",)), Marker(all_of=("CRED_FILE", "DEP_NAME"))),
    stores=(CRED_FILE,),
    db_tls={PG: True},
    router_tls=True,
    # Every deployment has both subdomains: cloudcontrolled.com (Varnish, failover) and
    # cloudcontrolapp.com (websockets, health checker).
    host_templates=(
        "{CC_APP}.cloudcontrolled.com",
        "{CC_DEP}-{CC_APP}.cloudcontrolled.com",
        "{CC_APP}.cloudcontrolapp.com",
        "{CC_DEP}-{CC_APP}.cloudcontrolapp.com",
    ),
    # The cloudcontrolapp.com subdomain's send and read timeouts, which apply to websockets.
    websocket_idle=55,
    websocket_route=(
        "through the app's `cloudcontrolapp.com` subdomain (`APP.cloudcontrolapp.com`, `DEP-APP.cloudcontrolapp.com`): "
        "not through `cloudcontrolled.com`, whose routing caches with Varnish, and `wss://` not on a custom domain"
    ),
    worker_hint="add it with `cctrlapp APP/DEP worker.add {process}` (unverified)",
    release_hint='run `cctrlapp APP/DEP run "python manage.py platform_migrate"` after each deploy',
    gunicorn_config=CONFIG,
    size_variable="SIZE",
    size_unit=128 * 1024 * 1024,  # SIZE x 128 MB
    collectstatic_at_build="cloudControl's Python buildpack runs it at build (unverified)",
    claims=("CRED_FILE",),
    unverified=("collectstatic at build",),
    credentials_from=(
        "`DATABASE_URL`, else the JSON file at `$CRED_FILE` (or the same keys exported with `SET_ENV_VARS`): "
        "`POSTGRESQLD`, `MYSQLD`, `ELEPHANTSQL`, `MYSQLS`, in that order; the others become aliases named after the "
        "add-on (`mysqls`)"
    ),
    recipe=(
        'Add-on credentials come in the JSON file at `$CRED_FILE` (for example `{"MYSQLS": {"MYSQLS_HOSTNAME": '
        '"host:3306", ...}}`); nothing to set but `DJANGO_SECRET_KEY`. The seed\'s Procfile (`web: python '
        "manage.py run_gunicorn --config gunicorn_config.py -b 0.0.0.0:$PORT`) runs unchanged with `python "
        "manage.py platform_gunicorn --platform cloudcontrol`."
    ),
    sources=(
        "https://github.com/cloudControl/documentation",
        "https://www.cloudcontrol.com/dev-center/platform-documentation#routing-tier",
        "https://www.cloudcontrol.com/dev-center/platform-documentation#websockets",
        "https://www.cloudcontrol.com/dev-center/Guides/Python/Add-on%20credentials",
        "https://github.com/cloudControl/buildpack-python",
    ),
)

PLATFORMS = (CLOUDCONTROL,)
