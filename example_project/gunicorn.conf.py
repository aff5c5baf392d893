# BEGIN django-platform (for heroku): written by `python manage.py platform_gunicorn`; edit outside this block.
from django_platform.gunicorn_conf import apply as _django_platform_apply

_django_platform_apply(globals(), platform="heroku")
# END django-platform
