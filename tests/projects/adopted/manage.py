#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # The default is the shared base, as cookiecutter-style projects have it: every phase on the
    # platform sets DJANGO_SETTINGS_MODULE to the production module (a config var, a Dockerfile ENV).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
