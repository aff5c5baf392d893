import django_platform

from .base import *  # noqa: F403

django_platform.configure(globals())
