"""A manifest's new text from its old text and the keys we own: parsed by the format's editor,
line endings kept (a CRLF file is edited as LF and turned back), a new file started from the
manifest's header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_platform.manifests import splice, tomledit, yamlspans
from django_platform.manifests.base import Declared, Get, Manifest, Needs
from django_platform.parsers import jsonspans
from django_platform.report import MASK
from django_platform.sensitive import secrets_in


def _crlf(text: str) -> bool:
    """Every line break is CRLF (a file that mixes them is edited as it is)."""
    return "\r\n" in text and "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")


def _parser(kind: str) -> Any:
    return {"json": jsonspans.parse, "yaml": yamlspans.parse, "toml": tomledit.parse}[kind]


def getter(kind: str, text: str) -> Get:
    """Read values from `text` (ValueError when it does not parse)."""
    parsed = _parser(kind)(text)
    if kind == "toml":
        return lambda path: tomledit.value_at(parsed, path)
    return lambda path: splice.value_at(parsed, path)


def updated(manifest: Manifest, needs: Needs, existing: str | None) -> str:
    """The manifest's text with our keys as `needs` has them. ValueError: the file does not parse;
    edits.Conflict: a path we own holds another kind of value."""
    text = existing or ""
    crlf = _crlf(text)
    if crlf:
        text = text.replace("\r\n", "\n")
    if not text.strip():
        text = text + manifest.header + ("{}\n" if manifest.kind == "json" else "")
    edits = manifest.edits(needs, getter(manifest.kind, text))
    if manifest.kind == "toml":
        new = tomledit.apply(text, edits)
    else:
        new = splice.apply(text, edits, _parser(manifest.kind), yaml=manifest.kind == "yaml")
    if existing and new == text:
        return existing  # nothing of ours changed: the file stays as it is, byte for byte
    return new.replace("\n", "\r\n") if crlf else new


def declared(manifest: Manifest, text: str) -> Declared:
    return manifest.read(getter(manifest.kind, text.replace("\r\n", "\n")))


def hider(kind: str, *texts: str | None) -> Callable[[str], str]:
    """Masks, in what the command prints, the secrets the manifest's texts hold: values of
    secret-named keys (`[env] SECRET_KEY`, `{"key": "API_TOKEN", "value": ...}`, app.json's
    `{"NAME": {"value": ...}}`) and URL passwords. A text that does not parse hides nothing: it is
    never printed (the command stops first)."""
    found: set[str] = set()
    for text in texts:
        try:
            document = getter(kind, (text or "").replace("\r\n", "\n"))(())
        except ValueError:
            continue
        found |= secrets_in(document) | _named(document)
    ordered = sorted(found, key=len, reverse=True)  # a secret inside another is masked with it

    def hide(text: str) -> str:
        for secret in ordered:
            text = text.replace(secret, MASK)
        return text

    return hide


def _named(data: Any) -> set[str]:
    """Secrets of variables declared as items or objects: the name beside its value."""
    found: set[str] = set()
    if isinstance(data, dict):
        name = data.get("key")
        if isinstance(name, str) and "value" in data:
            found |= secrets_in({name: data["value"]})
        for key, value in data.items():
            if isinstance(value, dict) and "value" in value:
                found |= secrets_in({str(key): value["value"]})
            found |= _named(value)
    elif isinstance(data, list):
        for item in data:
            found |= _named(item)
    return found
