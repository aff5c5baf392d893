"""One place that splits credential URLs and rejects the malformed ones without echoing them."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt

ENCODE_HINT = "percent-encode special characters (@ # / ? : %) in the user name and password"


def split_url(url: str, *, variable: str) -> SplitResult:
    """urlsplit() whose port is known to be valid; a raw '#', or an '@' after the host (an unencoded
    password), is an error. Every URL-valued variable goes through here: one rule for all.

    Errors are raised outside the `except` blocks: the original exception, whose message may hold
    the URL and its password, must not ride along as __context__ either."""
    parts = attempt(lambda: urlsplit(url.strip()), ValueError)
    if isinstance(parts, Failed):
        raise ImproperlyConfigured(f"{variable} is not a valid URL; {ENCODE_HINT}.")
    if isinstance(attempt(lambda: parts.port, ValueError), Failed):
        raise ImproperlyConfigured(f"{variable} has a port that is not a number from 0 to 65535; {ENCODE_HINT}.")
    if parts.fragment:
        raise ImproperlyConfigured(f"{variable} contains a raw '#'; {ENCODE_HINT}.")
    if "@" in parts.path or "@" in parts.query:
        # redis://u:1234/SECRET@h/0, unix:///u:SECRET@db/app, locmem:/:SECRET@x: a password
        # moved out of the user-info by a raw '/' or '?' would land in a shown path or option.
        raise ImproperlyConfigured(f"{variable} has an '@' after the host; {ENCODE_HINT}.")
    return parts


def server_of(url: object) -> str:
    """The host and port a URL names, to say which server was replaced (never its credentials);
    "" where it names none or is no URL."""
    parts = attempt(lambda: urlsplit(str(url).strip()), ValueError)
    if isinstance(parts, Failed) or not parts.hostname:
        return ""
    port = attempt(lambda: parts.port, ValueError)
    return f"{parts.hostname}:{port}" if isinstance(port, int) else parts.hostname
