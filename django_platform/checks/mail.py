"""Email that cannot leave: platforms run no local SMTP server (cloudControl says so outright)."""

from __future__ import annotations

import warnings
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from django_platform.checks import target_platform

SMTP = "django.core.mail.backends.smtp.EmailBackend"
NOT_SENDING = ("console", "dummy", "locmem", "filebased")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")

E011 = "Email is sent to an SMTP server on localhost, and {platform} runs none: no mail leaves."
W008 = "Email uses {backend}: nothing is sent."
HINT = "Use an email add-on: set EMAIL_URL, or SENDGRID_API_KEY, MAILGUN_SMTP_*, POSTMARK_API_TOKEN."


def default_backend() -> tuple[str, str]:
    """(backend, SMTP host) of the default mailer, on Django versions with and without MAILERS."""
    mailers = getattr(settings, "MAILERS", None)
    if mailers is not None:
        default = mailers.get("default", {})
        return default.get("BACKEND", SMTP), str(default.get("OPTIONS", {}).get("host", "localhost"))
    with warnings.catch_warnings():  # Django 6.1 deprecates reading EMAIL_*; we only look
        warnings.simplefilter("ignore")
        return settings.EMAIL_BACKEND, str(settings.EMAIL_HOST)


def check_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    platform = target_platform()
    if platform.local_smtp:
        return []
    backend, host = default_backend()
    if backend == SMTP and host in LOCAL_HOSTS:
        return [Error(E011.format(platform=platform.label), hint=HINT, id="django_platform.E011")]
    kind = backend.rsplit(".", 2)[-2] if backend.count(".") >= 2 else backend
    if kind in NOT_SENDING[:3]:  # the file backend is E005
        return [Warning(W008.format(backend=backend), hint=HINT, id="django_platform.W008")]
    return []


CHECKS = (check_email,)
