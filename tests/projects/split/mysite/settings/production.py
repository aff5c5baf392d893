import django_platform

from .base import *  # noqa: F403

# The health paths by the setting (the example project opts in with its urls.py line instead).
DJANGO_PLATFORM_HEALTH = True

django_platform.configure(globals())
