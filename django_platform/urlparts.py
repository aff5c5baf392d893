"""One place that splits credential URLs and rejects the malformed ones without echoing them."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured

ENCODE_HINT = "percent-encode special characters (@ # / ? : %) in the user name and password"


def split_url(url: str, *, variable: str) -> SplitResult:
    """urlsplit() whose port is known to be valid; a raw '#' (an unencoded password) is an error."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{variable} is not a valid URL; {ENCODE_HINT}.") from None
    try:
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        raise ImproperlyConfigured(
            f"{variable} has a port that is not a number from 0 to 65535; {ENCODE_HINT}."
        ) from None
    if parts.fragment:
        raise ImproperlyConfigured(f"{variable} contains a raw '#'; {ENCODE_HINT}.")
    return parts
