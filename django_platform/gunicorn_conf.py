"""The gunicorn config's entry point: generated gunicorn.conf.py files (and the seed's
gunicorn_config.py) call `django_platform.gunicorn_conf.apply(globals(), platform=...)`, a path
that stays stable; the settings themselves live in django_platform.deploy.gunicorn."""

from __future__ import annotations

from django_platform.deploy.gunicorn import apply

__all__ = ["apply"]
