"""The static files storage: the same in every phase, so what the build collects is what runs.

Platforms build with other variables than they run with (a buildpack build lacks the run-time
markers, a Docker build has none at all), so the storage must not depend on the detected platform: collectstatic at
build writes hashed, compressed files and the manifest; the run reads that manifest. A name missing
from the manifest (collectstatic never ran, or a template names a file that is not there) is
served under its plain name and logged once, instead of the 500 that Django's manifest storage
raises from every `{% static %}`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger("django_platform.areas.static")
FIX = "run `python manage.py collectstatic --noinput` where the app is built"


class PlatformStaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    # One message per process: a page with thirty assets must not write thirty log lines.
    _reported = False

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            self._report_missing(name)
            return name

    def _report_missing(self, name: str) -> None:
        if PlatformStaticStorage._reported:
            return
        PlatformStaticStorage._reported = True

        report: Any = getattr(settings, "DJANGO_PLATFORM_REPORT", None)
        on_platform = report is not None and report.platform != "local"
        # Locally this is how tests run (no collectstatic); on a platform it is a broken build.
        logger.log(
            logging.ERROR if on_platform else logging.INFO,
            "Static file %r is not in the staticfiles manifest under STATIC_ROOT: serving plain names "
            "(no hashing, no far-future caching) until you %s.",
            name,
            FIX,
        )
