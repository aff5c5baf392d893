"""An exception reporter filter that also masks credentials inside URLs and DSNs.

Django's own filter hides settings whose *names* contain KEY, PASS, TOKEN...; DATABASE_URL,
REDIS_URL, SENTRY_DSN and the like carry their password in the *value*, in settings and in
request.META (runserver copies the environment there).
"""

from __future__ import annotations

from pprint import pformat
from typing import Any

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

from django_platform.attempt import Failed, attempt
from django_platform.report import is_secret_name, mask_url

DOTTED_PATH = "django_platform.exception_filter.PlatformExceptionReporterFilter"


def _hide_known(text: str) -> str:
    """`text` with the secrets configure() read masked."""

    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    return text if report is None else report.masked(text)


def _known_secret(value: str) -> bool:
    """A value configure() read from a secret source, whatever the setting holding it is called
    (Postmark's token as EMAIL_HOST_USER, a password inside a locmem LOCATION)."""

    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    return bool(report is not None and report.hides(value))


class _Shown(str):
    """A frame variable rendered once and masked: the DEBUG page prints its repr(), which is that
    text (no second repr() of a QuerySet, no second query)."""

    def __repr__(self) -> str:
        return str(self)


# Frame variables are walked this deep into dicts, lists, tuples and sets; deeper, rendered whole.
MAX_DEPTH = 8


class PlatformExceptionReporterFilter(SafeExceptionReporterFilter):
    def _cleanse_url(self, key: Any, value: Any) -> Any:
        hidden = isinstance(value, str) and (
            mask_url(value) != value or str(key).upper().endswith("DSN") or _known_secret(value)
        )
        return self.cleansed_substitute if hidden else value

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        return self._cleanse_url(key, super().cleanse_setting(key, value))

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        # Local variables holding a credential, alone or inside a container or an object's repr,
        # are shown on the DEBUG page and in 500 mails too.
        return [
            (name, self._cleanse_variable(name, value, 0))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def _secret_key(self, key: Any, depth: int) -> bool:
        """A secret's name: as Django judges settings' keys inside a container; a frame's own
        variables by our narrower list (a loop's `key` or an `author` is no secret)."""
        text = str(key)
        return is_secret_name(text) or (depth > 0 and bool(self.hidden_settings.search(text)))

    def _cleanse_variable(self, key: Any, value: Any, depth: int) -> Any:
        # Emptiness by type: `value in (None, "")` would call a NumPy array's __eq__, whose truth fails.
        empty = value is None or (isinstance(value, (str, list, dict, tuple)) and not value)
        if isinstance(key, str) and key and self._secret_key(key, depth) and not empty:
            return self.cleansed_substitute
        if isinstance(value, str):
            return value if isinstance(value, _Shown) else self._cleanse_url(key, value)
        if isinstance(value, (bool, int, float, type(None))):
            return value
        if depth < MAX_DEPTH and isinstance(value, dict):
            items = {k: self._cleanse_variable(k, v, depth + 1) for k, v in value.items()}
            return items if any(items[k] is not v for k, v in value.items()) else value
        if depth < MAX_DEPTH and isinstance(value, (list, tuple, set, frozenset)):
            old = list(value)
            cleansed = [self._cleanse_variable("", v, depth + 1) for v in old]
            if all(new is was for new, was in zip(cleansed, old, strict=True)):
                return value
            # A changed container is shown as its plain type (a namedtuple as a tuple).
            plain = next(t for t in (list, tuple, set, frozenset) if isinstance(value, t))
            return plain(cleansed)
        return self._render(value)

    def _render(self, value: Any) -> _Shown:
        """The value as the DEBUG page would print it, with URL passwords and known secrets masked;
        a repr() that fails is named by its exception's type only (its message may quote a secret)."""

        text = attempt(lambda: pformat(value), Exception)
        if isinstance(text, Failed):
            return _Shown(f"Error in formatting: {text.kind}")
        return _Shown(_hide_known(mask_url(text)))
