"""Email from EMAIL_URL or the add-ons' variables, written as MAILERS (Django 6.1+) or EMAIL_*.

Platforms have no local SMTP server: mail leaves through an add-on or the platform's relay.
"""

import importlib.util
import re
from collections.abc import Mapping
from typing import Any

import django

from django_platform.areas.base import Changes, Namespace, Setting
from django_platform.parsers.anymail import VARIABLES as ANYMAIL_VARIABLES
from django_platform.parsers.anymail import anymail_settings, attached, provider_mail
from django_platform.parsers.mail import ADDONS, CONSOLE, MAILGUN, SMTP, Mail, parse_email_url
from django_platform.platforms import Context
from django_platform.report import Report, Source

# Settings that Django 6.1 deprecates in favour of MAILERS; they must not coexist with it.
DEPRECATED = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "EMAIL_SSL_CERTFILE",
    "EMAIL_SSL_KEYFILE",
    "EMAIL_FILE_PATH",
)


def chosen_backend(current: Mapping[str, Any]) -> str:
    """The backend settings.py chose, on Django versions with and without MAILERS."""
    mailers = current.get("MAILERS")
    if isinstance(mailers, dict) and isinstance(mailers.get("default"), dict):
        return str(mailers["default"].get("BACKEND", ""))
    return str(current.get("EMAIL_BACKEND", ""))


def anymail_installed() -> bool:
    return importlib.util.find_spec("anymail") is not None


def find_mail(ctx: Context, current: Mapping[str, Any], report: Report) -> Mail | None:
    """EMAIL_URL; a provider's API through Anymail (settings.py's provider first); the SMTP
    add-ons; the platform's relay or store."""
    env = ctx.env
    if env.get("EMAIL_URL", "").strip():
        return parse_email_url(env["EMAIL_URL"])
    provider = attached(env, prefer=chosen_backend(current))
    if provider is not None and anymail_installed():
        return provider_mail(provider, env, "environment")
    for addon in ADDONS:
        found = addon(env, "environment")
        if found:
            return found
    if provider is not None:
        # Resend, Brevo, Mailjet, SES and Mailgun's API key alone: no SMTP mapping to fall back on.
        report.note(
            f"{provider.label}'s variables are set but django-anymail is not installed, so no mail goes through "
            f"{provider.label}: pip install 'django-platform[anymail]'."
        )
    return ctx.platform.mail(ctx)


def mail_settings(mail: Mail, *, mailers: bool) -> dict[str, Any]:
    """MAILERS["default"], or the EMAIL_* settings (and ANYMAIL's entries for a provider's API)."""
    if mailers:
        options: dict[str, Any] = dict(mail.options)
        if mail.backend == SMTP:
            options = {
                "host": mail.host,
                "port": mail.port,
                "username": mail.username,
                "password": mail.password,
                "use_tls": mail.use_tls,
                "use_ssl": mail.use_ssl,
            }
            if mail.timeout:
                options["timeout"] = mail.timeout
        return {"BACKEND": mail.backend, "OPTIONS": options}
    result: dict[str, Any] = {"EMAIL_BACKEND": mail.backend}
    if mail.esp:
        result["ANYMAIL"] = anymail_settings(mail)
    if mail.backend == SMTP:
        result.update(
            EMAIL_HOST=mail.host,
            EMAIL_PORT=mail.port,
            EMAIL_HOST_USER=mail.username,
            EMAIL_HOST_PASSWORD=mail.password,
            EMAIL_USE_TLS=mail.use_tls,
            EMAIL_USE_SSL=mail.use_ssl,
        )
        if mail.timeout:
            result["EMAIL_TIMEOUT"] = mail.timeout
    return result


def build_mail(
    ctx: Context,
    current: Mapping[str, Any],
    debug: bool,
    django_version: tuple[int, int],
    report: Report,
) -> tuple[dict[str, Any], list[str]]:
    """(settings to set, settings to remove)."""
    env, platform = ctx.env, ctx.platform
    result: dict[str, Any] = {}
    remove: list[str] = []
    for name in ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL"):
        if env.get(name, "").strip():
            result[name] = env[name].strip()
            report.record(name, result[name], name)
    mail = find_mail(ctx, current, report)
    user_configured = "MAILERS" in current or "EMAIL_BACKEND" in current or "EMAIL_HOST" in current
    if mail is None and platform.development and debug and not user_configured:
        mail = Mail(CONSOLE, "local development default (DEBUG on, nothing configured)", kind="default")
    if mail is None:
        if user_configured:
            report.record("email", "settings.py's", "settings.py")
        return result, remove
    if mail.note:
        report.note(mail.note)
    if django_version >= (6, 1):
        mailers = {k: dict(v) for k, v in (current.get("MAILERS") or {}).items()}
        ours = mail_settings(mail, mailers=True)
        mailers["default"] = dict(ours)
        if mail.esp:
            # A mapping option (SES's client_params) keeps settings.py's ANYMAIL keys beside ours.
            merged = _with_theirs(current.get("ANYMAIL"), anymail_settings(mail))
            mailers["default"]["OPTIONS"] = {name: merged[f"{mail.esp}_{name.upper()}"] for name, _ in mail.options}
        result["MAILERS"] = mailers
        # Django 6.1 refuses deprecated EMAIL_* settings next to MAILERS.
        remove = [name for name in DEPRECATED if name in current]
        if remove:
            report.note(f"Removed {', '.join(remove)} from settings: MAILERS replaces them on Django 6.1+.")
        # What came from the environment: settings.py's own ANYMAIL values are not ours to show.
        report.record("MAILERS.default", ours, Source(mail.kind, mail.source, mail.keys))
    else:
        settings = mail_settings(mail, mailers=False)
        report.record("EMAIL", settings, Source(mail.kind, mail.source, mail.keys))
        if "ANYMAIL" in settings:
            settings["ANYMAIL"] = _with_theirs(current.get("ANYMAIL"), settings["ANYMAIL"])
        result.update(settings)
    theirs = chosen_backend(current)
    if theirs.startswith("anymail.") and theirs != mail.backend:
        report.replace("EMAIL_BACKEND", theirs, Source(mail.kind, mail.source, mail.keys), "email")
    elif theirs and theirs != mail.backend:
        # Another kind (SMTP, a console left from development): said, as the keep-or-say rule asks.
        report.note(f"settings.py's EMAIL_BACKEND ({theirs}) replaced by {mail.backend}, from {mail.source}.")
    elif mail.backend == SMTP and current.get("EMAIL_HOST") not in (None, "", mail.host) and "EMAIL_HOST" not in remove:
        # A host name only: never a user name or password someone wrote into EMAIL_HOST.
        where = current["EMAIL_HOST"] if re.fullmatch(r"[A-Za-z0-9.-]+", str(current["EMAIL_HOST"])) else ""
        report.note(
            f"settings.py's EMAIL_HOST{f' ({where})' if where else ''} replaced by {mail.host}, from {mail.source}."
        )
    return result, remove


def _with_theirs(theirs: Any, ours: dict[str, Any]) -> dict[str, Any]:
    """settings.py's ANYMAIL (webhook secrets, an API URL, boto3's config) with the provider's
    keys from the environment over it; a mapping (SES's client_params) merged one level down."""
    merged = dict(theirs) if isinstance(theirs, dict) else {}
    for key, value in ours.items():
        given = merged.get(key)
        merged[key] = {**given, **value} if isinstance(value, dict) and isinstance(given, dict) else value
    return merged


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    version = (django.VERSION[0], django.VERSION[1])
    values, remove = build_mail(ctx, ns.as_mapping(), bool(ns.get("DEBUG")), version, report)
    return Changes(values, remove)


SETTINGS = (
    Setting(
        "MAILERS, EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
        "EMAIL_USE_TLS, EMAIL_USE_SSL",
        tuple(
            dict.fromkeys(
                (
                    "EMAIL_URL",
                    *ANYMAIL_VARIABLES,
                    "SENDGRID_API_KEY",
                    "SENDGRID_USERNAME",
                    "SENDGRID_PASSWORD",
                    *MAILGUN,
                    "POSTMARK_API_TOKEN",
                    "POSTMARK_SMTP_SERVER",
                )
            )
        ),
        '`MAILERS["default"]` on Django 6.1+, the `EMAIL_*` settings before; the first found: `EMAIL_URL` '
        "(`smtp://`, `smtp+tls://`, `smtp+ssl://`, `smtps://`, `console://`; "
        "`?timeout=`; on ports 465, 587 and 2525 the port decides the TLS mode whatever the scheme says, and the "
        "report notes a disagreement); then, with django-anymail installed, a provider's HTTP API through "
        "Anymail's backend (Postmark, Mailgun, SendGrid, Resend, Brevo, Mailjet, Amazon SES: its key, Mailgun's "
        "domain and API URL, SES's region and keys or else boto3's own credentials; the provider `settings.py`'s "
        "`EMAIL_BACKEND` names first); then the SMTP add-ons: SendGrid (user `apikey` with the API key), "
        "Mailgun's SMTP variables, Postmark (its token as user and password; `POSTMARK_SMTP_SERVER` is an "
        "unverified name), "
        "then the platform's relay or store (its page). Locally with DEBUG on and nothing configured: the "
        "console backend. On Django 6.1+ deprecated `EMAIL_*` names in `settings.py` are removed when `MAILERS` "
        "is written (Django refuses both)",
    ),
    Setting(
        "ANYMAIL",
        (),
        "before Django 6.1, the provider's keys (`POSTMARK_SERVER_TOKEN`, `MAILGUN_API_KEY`, …) over `settings.py`'s "
        "`ANYMAIL`, whose other entries (webhook secret, API URL) stay; on 6.1+ the keys go in "
        '`MAILERS["default"]["OPTIONS"]` and `ANYMAIL` is left as it is',
    ),
    Setting(
        "DEFAULT_FROM_EMAIL, SERVER_EMAIL",
        ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL"),
        "Django's (`W025` when a provider's API sends with them: providers refuse `localhost` senders)",
    ),
)
