"""Sphinx configuration: Markdown pages (MyST), the reference pages generated from the code first."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import generate  # noqa: E402 - needs the paths above

import django_platform  # noqa: E402

# The pages that restate code facts are rewritten at every build: they cannot drift from the code.
generate.write(HERE / "reference")

project = "django-platform"
author = "django-platform contributors"
release = version = django_platform.__version__
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = f"django-platform {release}"
suppress_warnings: list[str] = []
