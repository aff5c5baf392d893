"""Email from EMAIL_URL or the add-ons' variables, written as MAILERS (Django 6.1+) or EMAIL_*.

Platforms have no local SMTP server: mail leaves through an add-on or the platform's relay.
"""

from collections.abc import Mapping
from typing import Any

import django

from django_platform.areas.base import Changes, Namespace, Setting
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


def find_mail(ctx: Context) -> Mail | None:
    env = ctx.env
    if env.get("EMAIL_URL", "").strip():
        return parse_email_url(env["EMAIL_URL"])
    for addon in ADDONS:
        found = addon(env, "environment")
        if found:
            return found
    return ctx.platform.mail(ctx)


def mail_settings(mail: Mail, *, mailers: bool) -> dict[str, Any]:
    if mailers:
        options: dict[str, Any] = {}
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
    mail = find_mail(ctx)
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
        mailers["default"] = mail_settings(mail, mailers=True)
        result["MAILERS"] = mailers
        # Django 6.1 refuses deprecated EMAIL_* settings next to MAILERS.
        remove = [name for name in DEPRECATED if name in current]
        if remove:
            report.note(f"Removed {', '.join(remove)} from settings: MAILERS replaces them on Django 6.1+.")
        report.record("MAILERS.default", mailers["default"], Source(mail.kind, mail.source, mail.keys))
    else:
        settings = mail_settings(mail, mailers=False)
        result.update(settings)
        report.record("EMAIL", settings, Source(mail.kind, mail.source, mail.keys))
    return result, remove


def apply(ns: Namespace, ctx: Context, report: Report) -> Changes:
    version = (django.VERSION[0], django.VERSION[1])
    values, remove = build_mail(ctx, ns.as_mapping(), bool(ns.get("DEBUG")), version, report)
    return Changes(values, remove)


SETTINGS = (
    Setting(
        "MAILERS, EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
        "EMAIL_USE_TLS, EMAIL_USE_SSL",
        (
            "EMAIL_URL",
            "SENDGRID_API_KEY",
            "SENDGRID_USERNAME",
            "SENDGRID_PASSWORD",
            *MAILGUN,
            "POSTMARK_API_TOKEN",
            "POSTMARK_SMTP_SERVER",
        ),
        '`MAILERS["default"]` on Django 6.1+, the `EMAIL_*` settings before; the first found: `EMAIL_URL` '
        "(`smtp://`, `smtp+tls://`, `smtp+ssl://`, `smtps://`, `console://`; "
        "`?timeout=`; on ports 465, 587 and 2525 the port decides the TLS mode whatever the scheme says, and the "
        "report notes a disagreement), then SendGrid (user `apikey` with the API key), Mailgun's SMTP "
        "variables, Postmark (its token as user and password; `POSTMARK_SMTP_SERVER` is an unverified name), "
        "then the platform's relay or store (its page). Locally with DEBUG on and nothing configured: the "
        "console backend. On Django 6.1+ deprecated `EMAIL_*` names in `settings.py` are removed when `MAILERS` "
        "is written (Django refuses both)",
    ),
    Setting("DEFAULT_FROM_EMAIL, SERVER_EMAIL", ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL"), "Django's"),
)
