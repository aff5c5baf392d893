"""Hosted PostgreSQL poolers in transaction mode, known by the host and port of their URLs.

Such a pooler hands a server connection to another client at each transaction's end, so a
server-side cursor (what Django's `.iterator()` opens) is gone by the next fetch: Django's docs
ask for DISABLE_SERVER_SIDE_CURSORS there. Sources:
- Neon: the pooled host adds `-pooler` to the endpoint's name, PgBouncer in transaction mode
  (neon.com/faqs/enable-disable-connection-pooling-neon, neon.tech/docs/connect/connection-pooling);
- Supabase: its pooler's host (`*.pooler.supabase.com`) on port 6543 is transaction mode, on 5432
  session mode (supabase.com/docs/guides/troubleshooting/supavisor-and-connection-terminology-explained-9pr_ZO).
"""

from __future__ import annotations


def transaction_pooler(host: object, port: object) -> str | None:
    """The provider whose transaction-mode pooler `host`:`port` is; None for any other server."""
    name = str(host or "").strip().lower().rstrip(".")
    if name.endswith(".neon.tech") and name.split(".", 1)[0].endswith("-pooler"):
        return "Neon"
    if name.endswith(".pooler.supabase.com") and str(port or "").strip() == "6543":
        return "Supabase"
    return None
