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
    return [
        Warning(
            W023.format(setting=setting, theirs=theirs, source=report.source(setting)),
            hint="To keep settings.py's choice, use a backend of the same kind (its options are kept and only "
            f"the location is filled in), or leave the area out: configure(globals(), exclude={{{_area(setting)!r}}}).",
            id="django_platform.W023",
        )
        for setting, theirs in report.replaced.items()
    ]


def _area(setting: str) -> str:
    return {"CACHES": "cache"}.get(setting.split(".", 1)[0], setting.split(".", 1)[0].lower())


CHECKS = (check_replaced,)
