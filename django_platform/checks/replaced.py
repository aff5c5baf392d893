"""What settings.py chose that the environment replaced (configure() records it in the report)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

W023 = "{setting} from settings.py ({theirs}) was replaced by {source}."


def check_replaced(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    report = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
    if report is None:
        return []
    messages: list[CheckMessage] = []
    for setting, theirs in report.replaced.items():
        source, area = report.replaced_by(setting) or ("the environment", "")
        leave = (
            f"configure(globals(), exclude={{{area!r}}})" if area else "configure(globals(), exclude=...) with its area"
        )
        messages.append(
            Warning(
                W023.format(setting=setting, theirs=theirs, source=source),
                hint="To keep settings.py's choice, use a backend of the same kind (its options are kept), or leave "
                f"the area out: {leave}.",
                id="django_platform.W023",
            )
        )
    return messages


CHECKS = (check_replaced,)
