"""Mail servers as the environment and the add-ons describe them: EMAIL_URL and the SMTP add-ons'
variables (SendGrid, Mailgun, Postmark), parsed into a `Mail` value. Pure: no settings, no platform."""

# No `from __future__ import annotations`: typing.NamedTuple would compile each string annotation
# of Mail at import (measured in benchmarks/startup.py).

from collections.abc import Callable, Mapping
from typing import NamedTuple
from urllib.parse import parse_qs, unquote

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.env import parse_int
from django_platform.parsers.urlparts import split_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
IMPLICIT_TLS_PORT = 465  # smtps: TLS from the first byte (EMAIL_USE_SSL)
STARTTLS_PORTS = (587, 2525)  # submission ports: plain, then STARTTLS (EMAIL_USE_TLS)


class Mail(NamedTuple):
    backend: str
    source: str
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int | None = None
    note: str = ""  # said in the report: a choice made for the user
    # What the report records as its source: the variables (or store keys) read, and their kind.
    keys: tuple[str, ...] = ()
    kind: str = "environment"
    # A provider's HTTP API through django-anymail (parsers/anymail.py): its settings prefix
    # (ANYMAIL["POSTMARK_SERVER_TOKEN"]) and options (the backend's keyword arguments).
    esp: str = ""
    options: tuple[tuple[str, object], ...] = ()


def smtp(source: str, host: str, port: int, username: str = "", password: str = "") -> Mail:
    """An SMTP server whose TLS mode follows the port: 465 implicit TLS, 587/2525 STARTTLS."""
    use_ssl = port == IMPLICIT_TLS_PORT
    return Mail(SMTP, source, host, port, username, password, port in STARTTLS_PORTS, use_ssl)


URL_SCHEMES = {"smtp": None, "smtp+tls": "tls", "smtp+ssl": "ssl", "smtps": "ssl"}


def parse_email_url(url: str, *, variable: str = "EMAIL_URL") -> Mail:
    """smtp://, smtp+tls://, smtp+ssl:// (or smtps://), console:// for development."""
    parts = split_url(url, variable=variable)
    port = parts.port
    scheme = parts.scheme.lower()
    if scheme in ("console", "dummy", "locmem"):
        return Mail(f"django.core.mail.backends.{scheme}.EmailBackend", variable, keys=(variable,))
    if scheme not in URL_SCHEMES:
        raise ImproperlyConfigured(
            f"{variable} must start with smtp://, smtp+tls://, smtp+ssl://, smtps:// or console://."
        )
    if not parts.hostname:
        raise ImproperlyConfigured(f"{variable} names no host.")
    mode = URL_SCHEMES[scheme]
    default_port = {"ssl": 465, "tls": 587}.get(mode or "", 25)
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    port = port or default_port
    if mode is None or port == IMPLICIT_TLS_PORT or port in STARTTLS_PORTS:
        # The well-known ports decide: smtps://…:587 (django-environ's and dj-email-url's way of
        # writing STARTTLS) would otherwise open TLS on a plain port and hang.
        mail = smtp(variable, parts.hostname, port, user, password)
        if mode is not None and (mode == "ssl") != mail.use_ssl:
            meaning = "implicit TLS" if mail.use_ssl else "STARTTLS"
            mail = mail._replace(note=f"{variable}: {scheme}:// on port {port} uses {meaning}, as that port requires.")
    else:
        mail = Mail(SMTP, variable, parts.hostname, port, user, password, mode == "tls", mode == "ssl")
    mail = mail._replace(keys=(variable,))
    timeout = parse_qs(parts.query).get("timeout")
    if timeout:
        mail = mail._replace(timeout=parse_int(f"{variable} timeout", timeout[0], minimum=1))
    return mail


def _port(values: Mapping[str, str], key: str, default: int, source: str) -> int:
    text = values.get(key, "").strip()
    return parse_int(f"{source} {key}", text, minimum=1, maximum=65535) if text else default


def from_sendgrid(values: Mapping[str, str], source: str) -> Mail | None:
    if values.get("SENDGRID_API_KEY", "").strip():
        key = values["SENDGRID_API_KEY"].strip()
        return smtp(f"{source} SENDGRID_API_KEY", "smtp.sendgrid.net", 587, "apikey", key)._replace(
            keys=("SENDGRID_API_KEY",)
        )
    if values.get("SENDGRID_USERNAME", "").strip():
        if not values.get("SENDGRID_PASSWORD"):
            raise ImproperlyConfigured(f"{source} SENDGRID_USERNAME is set without SENDGRID_PASSWORD.")
        return smtp(
            f"{source} SENDGRID_USERNAME/PASSWORD",
            "smtp.sendgrid.net",
            587,
            values["SENDGRID_USERNAME"].strip(),
            values["SENDGRID_PASSWORD"],
        )._replace(keys=("SENDGRID_USERNAME", "SENDGRID_PASSWORD"))
    return None


MAILGUN = ("MAILGUN_SMTP_SERVER", "MAILGUN_SMTP_PORT", "MAILGUN_SMTP_LOGIN", "MAILGUN_SMTP_PASSWORD")


def from_mailgun(values: Mapping[str, str], source: str) -> Mail | None:
    if not values.get("MAILGUN_SMTP_SERVER", "").strip():
        return None
    missing = [k for k in ("MAILGUN_SMTP_LOGIN", "MAILGUN_SMTP_PASSWORD") if not values.get(k)]
    if missing:
        raise ImproperlyConfigured(f"{source} MAILGUN_SMTP_SERVER is set without {', '.join(missing)}.")
    port = _port(values, "MAILGUN_SMTP_PORT", 587, source)
    return smtp(
        f"{source} MAILGUN_SMTP_*",
        values["MAILGUN_SMTP_SERVER"].strip(),
        port,
        values["MAILGUN_SMTP_LOGIN"].strip(),
        values["MAILGUN_SMTP_PASSWORD"],
    )._replace(keys=tuple(k for k in MAILGUN if values.get(k)))


def from_postmark(values: Mapping[str, str], source: str) -> Mail | None:
    token = values.get("POSTMARK_API_TOKEN", "").strip()
    if not token:
        return None
    # Postmark's SMTP user name and password are both the server token.
    host = values.get("POSTMARK_SMTP_SERVER", "").strip() or "smtp.postmarkapp.com"
    keys = (
        ("POSTMARK_API_TOKEN", "POSTMARK_SMTP_SERVER")
        if values.get("POSTMARK_SMTP_SERVER", "").strip()
        else ("POSTMARK_API_TOKEN",)
    )
    return smtp(f"{source} POSTMARK_API_TOKEN", host, 587, token, token)._replace(keys=keys)


ADDONS: tuple[Callable[[Mapping[str, str], str], Mail | None], ...] = (from_sendgrid, from_mailgun, from_postmark)
