"""Email that cannot leave: platforms run no local SMTP server (`Platform.local_smtp`).

Only an error when something will send mail: an app that sends none needs no email add-on.
"""

from __future__ import annotations

import warnings
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning
from django.urls import reverse

from django_platform.checks import target_platform
from django_platform.parsers.anymail import BY_BACKEND

SMTP = "django.core.mail.backends.smtp.EmailBackend"
NOT_SENDING = ("console", "dummy", "locmem", "filebased")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")
ADMIN_HANDLER = "django.utils.log.AdminEmailHandler"
BROKEN_LINKS = "django.middleware.common.BrokenLinkEmailsMiddleware"
# URL names whose views send mail: auth's password reset, and the admin's link to it.
MAILING_URLS = ("password_reset", "admin_password_reset")
EMAIL_SETTINGS = ("MAILERS", "EMAIL_BACKEND", "EMAIL_HOST")

E011 = "Email is sent to an SMTP server on localhost, and {platform} runs none: no mail leaves ({why})."
I001 = "Email goes to an SMTP server on localhost, which {platform} does not run; nothing here seems to send mail."
W008 = "Email uses {backend}: nothing is sent."
W025 = (
    "Mail goes through {provider}'s API with {names} left at Django's default ({values}): {provider} refuses "
    "a sender outside the domains verified with it."
)
HINT = "Use an email add-on: set EMAIL_URL, or SENDGRID_API_KEY, MAILGUN_SMTP_*, POSTMARK_API_TOKEN."
# Django's own defaults: no provider has verified localhost for anyone.
DEFAULT_SENDERS = {"DEFAULT_FROM_EMAIL": "webmaster@localhost", "SERVER_EMAIL": "root@localhost"}


def default_backend() -> tuple[str, str]:
    """(backend, SMTP host) of the default mailer, on Django versions with and without MAILERS."""
    mailers = getattr(settings, "MAILERS", None)
    if mailers is not None:
        default = mailers.get("default", {})
        return default.get("BACKEND", SMTP), str(default.get("OPTIONS", {}).get("host", "localhost"))
    with warnings.catch_warnings():  # Django 6.1 deprecates reading EMAIL_*; we only look
        warnings.simplefilter("ignore")
        return settings.EMAIL_BACKEND, str(settings.EMAIL_HOST)


def _url_wired(name: str) -> bool:
    try:
        reverse(name)
    except Exception:  # NoReverseMatch; a broken URLconf is for Django's own checks to report
        return False
    return True


def senders() -> list[str]:
    """What in this project will send mail."""
    found = []
    handlers = (getattr(settings, "LOGGING", None) or {}).get("handlers", {})
    if settings.ADMINS and any(h.get("class") == ADMIN_HANDLER for h in handlers.values() if isinstance(h, dict)):
        found.append("ADMINS get error reports")
    if settings.MANAGERS and BROKEN_LINKS in settings.MIDDLEWARE:
        found.append("MANAGERS get broken-link reports")
    found += [f"the {name!r} URL sends mail" for name in MAILING_URLS if _url_wired(name)]
    holder: Any = settings  # is_overridden() is missing from django-stubs
    found += [f"settings set {name}" for name in EMAIL_SETTINGS if holder.is_overridden(name)]
    return found


def check_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.local_smtp:
        return []
    backend, host = default_backend()
    if backend == SMTP and host in LOCAL_HOSTS:
        why = senders()
        if why:
            text = E011.format(platform=platform.label, why="; ".join(why))
            return [Error(text, hint=HINT, id="django_platform.E011")]
        return [Info(I001.format(platform=platform.label), hint=HINT, id="django_platform.I001")]
    kind = backend.rsplit(".", 2)[-2] if backend.count(".") >= 2 else backend
    if kind in NOT_SENDING[:3]:  # the file backend is E005
        return [Warning(W008.format(backend=backend), hint=HINT, id="django_platform.W008")]
    provider = BY_BACKEND.get(backend)
    unset = {name: value for name, value in DEFAULT_SENDERS.items() if getattr(settings, name, value) == value}
    if provider is not None and unset:
        text = W025.format(provider=provider.label, names=" and ".join(unset), values=", ".join(unset.values()))
        hint = (
            f"Set {' and '.join(unset)} (the environment variables of the same names do) to an address of your domain."
        )
        return [Warning(text, hint=hint, id="django_platform.W025")]
    return []


CHECKS = (check_email,)
