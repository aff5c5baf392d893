"""An exception reporter filter that also masks credentials inside URLs and DSNs.

Django's own filter hides settings whose *names* contain KEY, PASS, TOKEN...; DATABASE_URL,
REDIS_URL, SENTRY_DSN and the like carry their password in the *value*, in settings and in
request.META (runserver copies the environment there).
"""

from __future__ import annotations

from typing import Any

from django.views.debug import SafeExceptionReporterFilter

from django_platform.report import mask_url

DOTTED_PATH = "django_platform.exception_filter.PlatformExceptionReporterFilter"


def _known_secret(value: str) -> bool:
    """A value configure() read from a secret source, whatever the setting holding it is called
    (Postmark's token as EMAIL_HOST_USER, a password inside a locmem LOCATION)."""
    from django.conf import settings

    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    return bool(report is not None and report.hides(value))


class PlatformExceptionReporterFilter(SafeExceptionReporterFilter):
    def _cleanse_url(self, key: Any, value: Any) -> Any:
        hidden = isinstance(value, str) and (
            mask_url(value) != value or str(key).upper().endswith("DSN") or _known_secret(value)
        )
        return self.cleansed_substitute if hidden else value

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        return self._cleanse_url(key, super().cleanse_setting(key, value))

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        # Local variables holding a credential URL are shown on the DEBUG page too.
        return [
            (name, self._cleanse_url(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
