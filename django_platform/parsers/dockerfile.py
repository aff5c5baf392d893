"""The Python a Dockerfile's image runs, from its final stage's base image: `python:3.12-slim`
(any registry: `docker.io/library/python:3.11`), or an image whose tag names it (uv's
`ghcr.io/astral-sh/uv:python3.12-bookworm-slim`), through the stages it is built `FROM` and the
`ARG` defaults before the first `FROM` (flyctl's template: `FROM python:${PYTHON_VERSION}`).

dockerfile-parse (containerbuildsystem's) reads the instructions: continuations, comments, the
escape directive, quoted ARG defaults; the stage names and the tags are read here."""

from __future__ import annotations

import io
import re

# The official image's tags: "3.12", "3.12.1-slim-bookworm", "3.13-alpine" ("3", "latest": no minor).
OFFICIAL = re.compile(r"(\d+)\.(\d+)(?:$|[.\-])")
# Other images that say their Python in the tag: "python3.12-bookworm-slim", "0.5.0-python3.12".
NAMED = re.compile(r"(?:^|-)python(\d+)\.(\d+)(?:$|[.\-])")


def image_python(image: str) -> tuple[int, int] | None:
    """(major, minor) of the Python an image reference names; None where it names none."""
    reference = image.split("@", 1)[0]  # a digest pins the bytes, not the version
    path, _, tag = reference.rpartition(":")
    if not path or "/" in tag:  # no tag ("python", "localhost:5000/python"): latest, whatever it is
        return None
    official = path.rsplit("/", 1)[-1].lower() == "python"
    found = OFFICIAL.match(tag) if official else NAMED.search(tag.lower())
    return (int(found[1]), int(found[2])) if found else None


def final_image(text: str) -> str | None:
    """The image the last stage is built from, through the stages it names (`FROM build`), its
    ARG defaults substituted; None where there is no FROM or a `$` is left."""
    # Local: loaded when a check reads a Dockerfile, never while settings import.
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    stages: dict[str, str] = {}
    image = ""
    try:
        # parent_images: the same FROMs (an empty one left out), ARG-substituted.
        froms = [entry["value"] for entry in parser.structure if entry["instruction"] == "FROM" and entry["value"]]
        for value, named in zip(froms, parser.parent_images, strict=True):
            image = stages.get(named.lower(), named)  # a stage built from an earlier one: that one's image
            words = [word for word in value.split() if not word.startswith("--")]
            if len(words) == 3 and words[1].lower() == "as":
                stages[words[2].lower()] = image
    except (IndexError, ValueError):  # a bare `ARG` (found by fuzzing); FROMs the library counts otherwise
        return None
    return None if "$" in image or not image else image
