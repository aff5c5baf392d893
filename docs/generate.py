"""The docs pages that restate code facts, written from the code at every build (conf.py runs this;
`python docs/generate.py OUTDIR` writes them by hand). Nothing here is edited by hand: a platform's
page comes from its row in django_platform/platforms/, the check reference from the message
constants in django_platform/checks/, the settings tables from each area's SETTINGS."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "django_platform" / "checks"
LEVELS = {"E": "Error", "W": "Warning", "I": "Info"}

# What platform_pythons() (checks/python.py) reads for W056 and W057, said per platform.
DOCKERFILE_BUILD = {
    "found": "the build uses it whenever it is there (`W056` and `W057` judge its final image's Python)",
    "chosen": (
        "the build uses it where the app is set to build with Docker, else its Python build reads `.python-version` "
        "(`W056` and `W057` judge both)"
    ),
    "": "not read by the build",
}


def _code(text: str) -> str:
    return f"`{text}`"


def _markers(markers: tuple[Any, ...]) -> list[str]:
    lines = []
    for marker in markers:
        parts = []
        if marker.all_of:
            parts.append(" and ".join(_code(m) for m in marker.all_of))
        if marker.any_of:
            parts.append("one of " + ", ".join(_code(m) for m in marker.any_of))
        line = " with ".join(parts)
        lines.append(f"- {line}" + (f" ({marker.note})" if marker.note else ""))
    return lines


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def platform_page(platform: Any) -> str:
    """One platform's page: every field of its row, in the order a deploy meets them."""
    from django_platform.platforms import PLATFORMS

    module = sys.modules[type(platform).__module__] if type(platform).__name__ != "Platform" else None
    order = [p.name for p in PLATFORMS].index(platform.name) + 1
    names = ", ".join(_code(n) for n in (platform.name, *platform.aliases))
    out = [f"# {platform.label}", "", f"`DJANGO_PLATFORM`: {names}.", ""]
    if platform.recipe:
        out += ["## Recipe", "", platform.recipe, ""]

    out += ["## Detection", ""]
    if platform.markers:
        out += [
            f"Detected at run time (position {order} in detection order) by any of:",
            "",
            *_markers(platform.markers),
        ]
    else:
        out += [f"No marker: only `DJANGO_PLATFORM={platform.name}` selects it."]
    out.append("")
    if platform.build_markers:
        out += [
            "The build phase leaves these traces (said in the detection reason):",
            "",
            *_markers(platform.build_markers),
        ]
        out.append("")
    if platform.collectstatic_at_build:
        out += [f"Static files at build: {platform.collectstatic_at_build}.", ""]
    if platform.claims:
        claims = ", ".join(_code(c) for c in platform.claims)
        out += [f"Variables only this platform reads (elsewhere they get a note naming it): {claims}.", ""]

    out += ["## Databases, cache and broker", ""]
    if platform.credentials_from:
        out += [f"Database credentials: {platform.credentials_from}.", ""]
    tls = {True: "required", False: "off (must not be used)"}
    if platform.db_tls:
        out += ["TLS default per engine (an explicit option in the URL wins):", ""]
        out += [f"- {engine}: {tls[value]}" for engine, value in sorted(platform.db_tls.items())]
    else:
        out += ["TLS to the database: as the URL and the driver's default say."]
    out.append("")
    out += [f"Certificate of a `rediss://` cache verified: {_yes(platform.redis_tls_verify)}.", ""]
    if not platform.redis_tls_verify:
        out += [
            f"Its own Redis add-ons' variables (a regular expression, matched whole): `{platform.redis_variables}`; "
            "a `rediss://` URL `settings.py` reads from another variable keeps its certificate verified.",
            "",
        ]
    if platform.stores:
        stores = ", ".join(
            f"`{s.variable}`" + (" (its secrets masked everywhere)" if s.secret else "") for s in platform.stores
        )
        out += [f"Credential stores read beside plain variables, each parsed once: {stores}.", ""]
    if platform.broker_variables:
        brokers = ", ".join(_code(b) for b in platform.broker_variables)
        out += [f"Celery broker from the platform's own variables: {brokers}.", ""]
    for names in platform.buckets:
        detail = [f"region `{names.default_region}` unless given"] if names.default_region else []
        detail += ["only with its endpoint variable set"] if names.endpoint_required else []
        detail += ["private only: media URLs must stay signed"] if not names.public_reads else []
        variables = ", ".join(_code(n) for n in names.names)
        out += [f"Media bucket, after the generic names: {names.label}: {variables} ({'; '.join(detail)}).", ""]
    hooks = _hooks(platform)
    if hooks:
        out += [
            "Read from the platform's own stores by its module (`" + (module.__name__ if module else "") + "`):",
            "",
        ]
        out += [f"- `{name}`: {doc}" for name, doc in hooks]
        out.append("")

    out += ["## Hosts and HTTPS", ""]
    if platform.host_templates:
        out += [
            "Host names: "
            + ", ".join(_code(t) for t in platform.host_templates)
            + " (a template whose variables are unset is skipped).",
            "",
        ]
    out += [
        f"- Router terminates TLS and sends `X-Forwarded-Proto`: {_yes(platform.router_tls)}",
        "- Router forwards only the app's own host names (`ALLOWED_HOSTS = ['*']` is safe): "
        + _yes(platform.router_checks_host),
    ]
    if platform.health_check_hosts:
        out.append(
            "- Health-check Host headers added to `ALLOWED_HOSTS`: "
            + ", ".join(_code(h) for h in platform.health_check_hosts)
        )
    out.append("")

    out += ["## Health checks", ""]
    if platform.health_check:
        out += ["To wire the readiness path: " + platform.health_check.replace("{path}", "/readyz") + ".", ""]
    else:
        out += ["No HTTP health check to wire (none, or a TCP check on `$PORT`).", ""]
    if platform.health_check_variable:
        out += [f"The platform reads the health path from `{platform.health_check_variable}`.", ""]

    out += ["## Processes, release and stop", ""]
    out.append(f"- Reads a Procfile: {_yes(platform.procfile)}")
    if platform.release_process:
        out.append(f"- Release phase: the Procfile's `{platform.release_process}:` line")
    if platform.release_hint:
        out.append(f"- Release phase: {platform.release_hint}")
    if platform.one_off:
        step = platform.run_once("python manage.py platform_migrate --post-release")
        out.append(f"- The destructive half of a refused release, once the old code is gone: {step}")
    if platform.worker_hint:
        out.append(
            "- A worker process: " + platform.worker_hint.replace("{process}", "worker").replace("{command}", "...")
        )
    out.append(f"- gunicorn config file: `{platform.gunicorn_config}`")
    if not platform.development:
        out.append("- A `Dockerfile` at the project's root: " + DOCKERFILE_BUILD[platform.dockerfile_build])
    if platform.buildpack_files or platform.buildpack_variable:
        names = " or ".join(_code(n) for n in (*platform.buildpack_files, platform.buildpack_variable) if n)
        out.append(f"- Its buildpacks build instead of the `Dockerfile` where there is {names} (`W056`, `W057` follow)")
    if platform.python_variable:
        over = platform.python_files_over_variable
        rank = f", which {' or '.join(_code(n) for n in over)} outranks" if over else " before the project's files"
        out.append(f"- Its Python build reads the Python version from `{platform.python_variable}`{rank}")
    if platform.sticky_python:
        out.append(
            "- Where the project asks for no Python, its build keeps the app's first build's, as old as "
            f"{platform.sticky_python} (`I003`)"
        )
    if platform.python_default:
        out.append(f"- Its Python build runs Python {platform.python_default} where the project asks for none")
    if platform.release_variables:
        names = ", ".join(_code(n) for n in platform.release_variables)
        out.append(f"- The running release (report, health bodies, Sentry): the first set of {names}")
    out.append(f"- Stop: `{platform.stop_signal}`, killed {platform.stop_grace} s later")
    if platform.router_idle_timeout:
        out.append(
            f"- Router idle keep-alive: {platform.router_idle_timeout} s (gunicorn's keep-alive is set above it)"
        )
    if platform.websocket_idle:
        out.append(
            f"- Websockets: the router closes one that carried no data for {platform.websocket_idle} s (the servers' "
            "20 s ping keeps it open; `W037` says when a web line pings less often)"
        )
    if platform.websocket_route:
        route = platform.websocket_route
        out.append(f"- Websockets are carried only {route} (`W053` says so for an app that routes them)")
    if platform.size_variable:
        out.append(f"- Container memory read from `{platform.size_variable}`")
    out.append("")

    out += _manifest(platform)
    out += ["## Disk and nodes", ""]
    out += [
        f"- Files written at run time vanish at the next deploy: {_yes(platform.ephemeral_disk)}",
        f"- Several nodes may run behind a load balancer: {_yes(platform.multi_node)}",
        f"- A local SMTP server is available: {_yes(platform.local_smtp)}",
        "",
    ]
    if platform.unverified:
        out += ["## Unverified (kept overridable)", "", *(f"- {u}" for u in platform.unverified), ""]
    if platform.sources:
        out += ["## Sources", "", *(f"- <{url}>" for url in platform.sources), ""]
    return "\n".join(out)


_MODES = {
    "set": "ours: written as the app needs it",
    "default": "written where absent; yours once there",
    "item": "written with a new item only; an item of yours stands whole",
    "at_least": "raised to this where lower",
    "line": "a line of the script, appended where missing",
    "member": "an item of the list, added where missing",
}


def _manifest(platform: Any) -> list[str]:
    """The keys platform_manifest owns in the platform's manifest, for a project with a worker."""
    from django_platform.areas.security import SECRET_KEY_VARS
    from django_platform.deploy.gunicorn import graceful_timeout
    from django_platform.manifests import manifest_for
    from django_platform.manifests.base import RELEASE, Needs
    from django_platform.manifests.edits import MISSING, Pick

    manifest = manifest_for(platform.name)
    if manifest is None:
        return []
    needs = Needs(
        name="mysite",
        web="gunicorn mysite.wsgi",
        processes={"worker": "celery -A mysite worker --loglevel INFO"},
        release=RELEASE,
        health="/readyz",
        graceful=graceful_timeout({}, platform),
        settings_module="mysite.settings",
        secret_key=SECRET_KEY_VARS[0],
        secrets=("DATABASE_URL",),
        database="postgresql",
        python="3.12",
    )
    out = [
        "## Manifest",
        "",
        f"`python manage.py platform_manifest` writes `{manifest.path}` and keeps these keys up to date (for a "
        "project with a Celery worker, PostgreSQL and the health paths); every other byte of the file is yours. "
        "`platform_check` compares the file with the app.",
        "",
        "| key | value | rule |",
        "|---|---|---|",
    ]
    for edit in manifest.edits(needs, lambda path: MISSING):
        steps = [
            f"[{','.join(f'{k}={v}' for k, v in s.where.items()) or 'first'}]" if isinstance(s, Pick) else s
            for s in edit.path
        ]
        value = str(edit.value).replace("\n", " / ").replace("|", "\\|")
        out.append(f"| `{'.'.join(steps)}` | `{value}` | {_MODES[edit.mode]} |")
    out += [""] + [f"- {note}" for note in manifest.notes]
    out += ["", "Sources: " + ", ".join(manifest.sources), ""]
    return out


def _hooks(platform: Any) -> list[tuple[str, str]]:
    """The hooks a platform's class overrides, with the first line of their docstrings."""
    from django_platform.platforms import Platform

    found: list[tuple[str, str]] = []
    if type(platform) is Platform:  # a plain row: no hooks of its own
        return found
    for name, value in vars(type(platform)).items():
        if callable(value) and not name.startswith("_") and hasattr(Platform, name):
            doc = (value.__doc__ or getattr(Platform, name).__doc__ or "").strip()
            found.append((name, " ".join(doc.split("\n\n")[0].split())))
    return found


def platforms_index() -> str:
    from django_platform.platforms import PLATFORMS

    out = [
        "| platform | `DJANGO_PLATFORM` | detected by | database TLS default | release phase | stop |",
        "|---|---|---|---|---|---|",
    ]
    for p in PLATFORMS:
        detected = "; ".join(line[2:] for line in _markers(p.markers)) or "only `DJANGO_PLATFORM`"
        tls = ", ".join(f"{e} {'on' if v else 'off'}" for e, v in sorted(p.db_tls.items())) or "from the URL"
        release = f"Procfile `{p.release_process}:`" if p.release_process else (p.release_hint or "")
        out.append(
            f"| [{p.label}](reference/platforms/{p.name}.md) | `{p.name}` | {detected} | {tls} | {release} | "
            f"{p.stop_signal}, {p.stop_grace} s |"
        )
    # A fragment docs/platforms.md includes: its links and toctree are relative to that page.
    out += ["", "```{toctree}", ":maxdepth: 1", "", *(f"reference/platforms/{p.name}" for p in PLATFORMS), "```"]
    return "\n".join(out) + "\n"


def check_messages() -> Iterator[tuple[str, str, str]]:
    """(ID, message template, the module docstring's first sentence) for every message constant."""
    for path in sorted(CHECKS.glob("*.py")):
        tree = ast.parse(path.read_text())
        paragraph = " ".join((ast.get_docstring(tree) or path.stem).split("\n\n")[0].split())
        topic = re.split(r"(?<=[.:])\s", paragraph, maxsplit=1)[0].rstrip(".:")
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if len(name) == 4 and name[0] in LEVELS and name[1:].isdigit():
                    yield name, ast.literal_eval(node.value), topic


def checks_page() -> str:
    out = [
        "# Check reference",
        "",
        "Every message `manage.py check --deploy` and `platform_check` can print, by ID, from the message",
        "constants in `django_platform/checks/` (words in braces are filled in). Silence one with",
        '`SILENCED_SYSTEM_CHECKS = ["django_platform.W001"]`.',
        "",
        "| ID | level | message | about |",
        "|---|---|---|---|",
    ]
    for name, message, topic in sorted(check_messages()):
        text = message.replace("|", "\\|")
        out.append(f"| `django_platform.{name}` | {LEVELS[name[0]]} | {text} | {topic} |")
    return "\n".join(out) + "\n"


def settings_reference() -> str:
    """Per area, in the order configure() applies them: what it sets, from which variables
    (highest first), and otherwise; from each area module's SETTINGS."""
    from django_platform.configuration import AREAS

    out = []
    for area, module_name in AREAS.items():
        module = importlib.import_module(f"django_platform.areas.{module_name}")
        summary = " ".join((module.__doc__ or "").split("\n\n")[0].split())
        out += [
            f"### `{area}`",
            "",
            f'{summary} Leave it out with `configure(globals(), exclude={{"{area}"}})`.',
            "",
            "| setting | environment variables, highest first | otherwise |",
            "|---|---|---|",
        ]
        for row in module.SETTINGS:
            parts = row.name.split(", ")
            plain = all(re.fullmatch(r"[A-Z_]+(: [a-z]+)?", part) for part in parts)
            names = ", ".join(_code(part) for part in parts) if plain else _code(row.name)
            variables = ", ".join(_code(v) for v in row.variables)
            otherwise = row.otherwise.replace("|", "\\|")
            out.append(f"| {names} | {variables} | {otherwise} |")
        out.append("")
    return "\n".join(out)


def write(outdir: Path) -> list[Path]:
    """Write every generated page under `outdir`; returns the paths written."""
    from django_platform.platforms import PLATFORMS

    written = []
    (outdir / "platforms").mkdir(parents=True, exist_ok=True)
    for platform in PLATFORMS:
        path = outdir / "platforms" / f"{platform.name}.md"
        path.write_text(platform_page(platform))
        written.append(path)
    pages = (
        ("platforms-table.inc", platforms_index()),
        ("checks.md", checks_page()),
        ("settings-table.inc", settings_reference()),
    )
    for name, text in pages:
        (outdir / name).write_text(text)
        written.append(outdir / name)
    return written


def main() -> None:
    sys.path.insert(0, str(ROOT))
    importlib.import_module("django_platform")
    for path in write(Path(sys.argv[1])):
        print(path)


if __name__ == "__main__":
    main()
