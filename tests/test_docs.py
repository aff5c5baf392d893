"""The docs: the pages that restate code facts are the generator's output, committed and current;
every built-in platform declares what its page needs; the README stays short and its links resolve."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))

import generate  # noqa: E402 - docs/ is not a package

from django_platform.platforms import PLATFORMS, Platform  # noqa: E402


def test_the_committed_reference_pages_are_current(tmp_path: Path) -> None:
    """docs/reference/ is what docs/generate.py writes from the code (conf.py rewrites it at every
    build; committed so the repository shows it): a platform or check changed without it fails."""
    written = generate.write(tmp_path)
    reference = ROOT / "docs" / "reference"
    committed = sorted(p.relative_to(reference) for p in reference.rglob("*") if p.is_file())
    assert sorted(p.relative_to(tmp_path) for p in written) == committed
    for path in written:
        relative = path.relative_to(tmp_path)
        assert (ROOT / "docs" / "reference" / relative).read_text() == path.read_text(), (
            f"docs/reference/{relative} is stale: run python docs/generate.py docs/reference"
        )


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_every_platform_declares_its_page(platform: Platform) -> None:
    assert platform.credentials_from and platform.recipe
    assert platform.sources and all(url.startswith("https://") for url in platform.sources)
    page = generate.platform_page(platform)
    assert page.startswith(f"# {platform.label}\n")
    for marker in platform.markers:
        for spec in (*marker.all_of, *marker.any_of):
            assert f"`{spec}`" in page
    assert platform.stop_signal in page and platform.recipe in page


def test_the_check_reference_lists_every_id_the_checks_use() -> None:
    sources = "".join(p.read_text() for p in sorted((ROOT / "django_platform" / "checks").glob("*.py")))
    used = set(re.findall(r'id="django_platform\.([EWI]\d{3})"', sources))
    page = generate.checks_page()
    assert used == set(re.findall(r"`django_platform\.([EWI]\d{3})`", page))


def test_the_readme_is_short_and_its_links_resolve() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), f"the README links to {target}, which does not exist"


def test_the_code_reads_every_variable_the_settings_reference_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each variable a row names is read by the code, with the ones above it unset or beside the
    one it is read behind."""
    import contextlib
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import django_platform
    from django_platform.configuration import AREAS
    from tests.fuzzenv import Recorder, _plausible

    rows = [
        (area, row)
        for area, module in AREAS.items()
        for row in importlib.import_module(f"django_platform.areas.{module}").SETTINGS
    ]

    class Reads(Recorder):
        def items(self) -> Any:  # the secret scan looks at every value: that is not reading one
            return self._values.items()

    documented = {v for _, row in rows for v in row.variables}
    seen: set[str] = set()
    base = {"DATABASE_URL": "postgres://u:p@db.internal/app"}
    from django_platform.areas import mail

    for area, row in rows:
        names = row.variables
        # Each suffix of the row (an alternative read once those above it are unset), and each
        # pair (an alternative read only behind another: Mailgun's sender domain behind its key).
        groups = [names[start:] for start in range(len(names))] + list(itertools.combinations(names, 2))
        for group, installed in itertools.product(groups, (True, False)):
            # With django-anymail (a provider's API) and without it (the SMTP add-ons).
            monkeypatch.setattr(mail, "anymail_installed", lambda installed=installed: installed)
            env = {**base, **{v: _plausible(v) for v in group}}
            for platform in ("heroku", "local"):
                with contextlib.suppress(ImproperlyConfigured):
                    django_platform.configure(
                        {"SECRET_KEY": "s" * 50, "CELERY_TIMEZONE": "UTC"},
                        env=Reads(env, seen),
                        platform=platform,
                        exclude=set(AREAS) - {area},
                    )
    assert sorted(documented - seen) == []
