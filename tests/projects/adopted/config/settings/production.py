import django_platform

from .base import *  # noqa: F403

DJANGO_PLATFORM_HEALTH = True

django_platform.configure(globals())
