"""The Python the platform will run, from the files its build reads (the Dockerfile's base image,
`.python-version`, `runtime.txt`), against what the packages installed here require: a
`.python-version` or a `FROM python:3.11` left behind by an upgrade fails the platform's build."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from django.core.checks import CheckMessage, Info, Warning
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from django_platform.checks import environment, target_platform
from django_platform.deploy.files import project_dir
from django_platform.manifests import manifest_for
from django_platform.parsers.dockerfile import final_image, image_python
from django_platform.parsers.python_version import FILES, python_in, requested_python
from django_platform.platforms.base import Platform
from django_platform.textfile import Unreadable, read_text

W057 = (
    "The project asks {platform} for Python {version} ({source}), and {package} {installed}, installed here, "
    "requires Python {requires}: the platform's build cannot install it."
)
W057_DEFAULT = (
    "{platform}'s build runs Python {version} where the project asks for none ({source}), and {package} "
    "{installed}, installed here, requires Python {requires}: the platform's build cannot install it."
)
HINT_W057 = "Ask for a Python {package} supports in {file} (this one runs {here})."
# Where to ask instead of the file itself, for a file that is written from another.
ASK_IN = {"Pipfile.lock": "the Pipfile's [requires] python_version, then pipenv lock"}
I003 = (
    "The project asks {platform} for no Python version: its build keeps the Python of the app's first build (in "
    "its build cache), as old as {floor} for an app first built then, and {package} {installed}, installed here, "
    "requires Python {requires}."
)
HINT_I003 = "Ask for a Python {package} supports in .python-version (this one runs {here}), as {platform} advises."
# PlatformPython.source where nothing asks: the build's known default, or this interpreter's.
DEFAULT = "its default"
HERE = "this interpreter"
# What the platform's build installs beside the project's own pins, whatever they are.
PACKAGES = ("Django", "django-platform")
DOCKERFILE = "Dockerfile"


class PlatformPython(NamedTuple):
    """A Python the platform's build runs: `file` asks for it ("" where nothing does and this
    interpreter's stands in), `source` says where, for a message."""

    version: tuple[int, int]
    file: str
    source: str

    @property
    def asked(self) -> bool:
        return bool(self.file)

    @property
    def known(self) -> bool:
        """Asked for, or the build's own default: not this interpreter standing in."""
        return self.source != HERE


def _read(root: Path, name: str) -> str | None:
    """The file's text, bounded and never blocking on a FIFO (textfile.read_text), its byte order
    mark dropped; None where it cannot be read: another source says it, or nothing does."""
    text = read_text(root / name)
    return None if isinstance(text, Unreadable) else text.removeprefix("\ufeff")


def _buildpack_pythons(root: Path, platform: Platform) -> tuple[PlatformPython, ...]:
    """What the Python buildpacks read: the platform's variable where it has one and it is set,
    beside only the files its build lets outrank it; else `.python-version` and `runtime.txt`, each
    where it says another version (the builds differ on which wins)."""
    variable = platform.python_variable
    version = requested_python(environment().get(variable, "")) if variable else None
    found = [PlatformPython(version, variable, variable)] if version is not None else []
    for name in platform.python_files_over_variable if found else FILES:
        text = _read(root, name)
        version = python_in(name, text) if text is not None else None
        if version is not None and all(version != python.version for python in found):
            found.append(PlatformPython(version, name, name))
    return tuple(found)


def _builds_from_dockerfile(root: Path, platform: Platform) -> bool:
    """Whether a Dockerfile at the root may be what the platform builds: not where a file or a
    variable turns its buildpacks on (Dokku's `.buildpacks`, `BUILDPACK_URL`)."""
    if not platform.dockerfile_build:
        return False
    variable = platform.buildpack_variable
    if variable and environment().get(variable, "").strip():
        return False
    return not any((root / name).is_file() for name in platform.buildpack_files)


def _dockerfile_python(root: Path) -> PlatformPython | None:
    """The Python of the Dockerfile's final image, where its base image names one."""
    text = _read(root, DOCKERFILE)
    image = final_image(text) if text is not None else None
    version = image_python(image) if image else None
    if image is None or version is None:
        return None
    return PlatformPython(version, DOCKERFILE, f"{DOCKERFILE}: FROM {image}")


def _manifest_python(platform: Platform, root: Path) -> PlatformPython | None:
    """The Python the platform's manifest asks for, where its format says one (Upsun's `type`)."""
    manifest = manifest_for(platform.name)
    if manifest is None:
        return None
    text = read_text(root / manifest.path)
    if isinstance(text, Unreadable):
        return None
    # Local: the manifest's parser (tomlkit, ruamel.yaml), for a project that has one.
    from django_platform.manifests.files import declared

    try:
        asked = declared(manifest, text).python
    except ValueError:  # W039 says the file does not parse
        return None
    version = requested_python(asked) if asked else None
    return PlatformPython(version, manifest.path, manifest.path) if version else None


def platform_pythons(platform: Platform) -> tuple[PlatformPython, ...]:
    """The Pythons the platform's build may run the project on, from what it reads: its manifest's,
    where the format says one (Upsun's); the Dockerfile's base image where it builds from a
    Dockerfile at the root; where a buildpack builds, the platform's variable (Render's
    PYTHON_VERSION), else `.python-version` and `runtime.txt`; the Dockerfile's and the buildpack's
    where the app's build setting chooses (each message names its source); else the build's own
    default where it is known not to be the latest (Nixpacks'), else this interpreter's, standing in
    for the platform's."""
    root = project_dir()
    manifest = _manifest_python(platform, root)
    if manifest is not None:
        return (manifest,)
    docker = _dockerfile_python(root) if _builds_from_dockerfile(root, platform) else None
    if docker is not None and platform.dockerfile_build == "found":
        return (docker,)
    found = ((docker,) if docker is not None else ()) + _buildpack_pythons(root, platform)
    if found:
        return found
    # A Dockerfile that names no Python may be what the platform builds: its default unsaid.
    default = None if (root / DOCKERFILE).exists() else requested_python(platform.python_default or "")
    if default is not None:
        return (PlatformPython(default, "", DEFAULT),)
    return (PlatformPython((sys.version_info.major, sys.version_info.minor), "", HERE),)


def ask_in(file: str) -> str:
    """Where to ask for another Python than `file`'s ("" where nothing asked: .python-version)."""
    return ASK_IN.get(file, file or FILES[0])


def _requirements() -> list[tuple[str, str, SpecifierSet]]:
    """(package, its version, its Requires-Python) of PACKAGES as installed here."""
    found = []
    for package in PACKAGES:
        try:
            meta = metadata.metadata(package)
        except metadata.PackageNotFoundError:
            continue
        try:
            requires = SpecifierSet((meta.get_all("Requires-Python") or [""])[0])
        except InvalidSpecifier:
            continue
        found.append((package, meta["Version"], requires))
    return found


def check_python(
    app_configs: Any = None, *, pythons: tuple[PlatformPython, ...] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """`pythons`: those the platform is asked for (platform_pythons()'s by default)."""
    platform = target_platform()
    if platform.development:
        return []
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    messages: list[CheckMessage] = []
    for python in pythons if pythons is not None else platform_pythons(platform):
        asked = f"{python.version[0]}.{python.version[1]}"
        for package, installed, requires in _requirements():
            said = {"platform": platform.label, "package": package, "installed": installed, "requires": str(requires)}
            if python.known and not requires.contains(asked, prereleases=True):
                text = (W057 if python.asked else W057_DEFAULT).format(version=asked, source=python.source, **said)
                hint = HINT_W057.format(package=package, file=ask_in(python.file), here=here)
                messages.append(Warning(text, hint=hint, id="django_platform.W057"))
            elif not python.known and platform.sticky_python and not requires.contains(platform.sticky_python):
                text = I003.format(floor=platform.sticky_python, **said)
                hint = HINT_I003.format(package=package, here=here, platform=platform.label)
                messages.append(Info(text, hint=hint, id="django_platform.I003"))
    return messages


CHECKS = (check_python,)
