"""What settings.py chose that the environment replaced (configure() records it in the report)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

W023 = "{setting} from settings.py ({theirs}) was replaced by {source}."
# The configure() area that sets each setting the report can say was replaced.
AREA = {"CACHES": "cache", "CHANNEL_LAYERS": "channels", "EMAIL_BACKEND": "email"}
# The mail area records the backend with the rest of its settings: under MAILERS on Django 6.1+.
RECORDED_AS = {"EMAIL_BACKEND": ("MAILERS.default", "EMAIL")}


def check_replaced(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    if report is None:
        return []
    messages: list[CheckMessage] = []
    for setting, theirs in report.replaced.items():
        recorded = (report.get(name) for name in (setting, *RECORDED_AS.get(setting, ())))
        entry = next((e for e in recorded if e is not None), None)
        area = AREA.get(setting.split(".", 1)[0])
        leave = (
            f"configure(globals(), exclude={{{area!r}}})" if area else "configure(globals(), exclude=...) with its area"
        )
        messages.append(
            Warning(
                W023.format(
                    setting=setting, theirs=theirs, source="the environment" if entry is None else entry.source
                ),
                hint="To keep settings.py's choice, use a backend of the same kind (its options are kept), or leave "
                f"the area out: {leave}.",
                id="django_platform.W023",
            )
        )
    return messages


CHECKS = (check_replaced,)
