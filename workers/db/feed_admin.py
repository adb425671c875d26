"""Operating on feeds by hand: find one by id, URL or name, enable or disable it, list them with their
health, and find the feeds a registry file no longer names (`silkwire feeds import --prune`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection

from workers.db import QUERIES

Row = dict[str, Any]


def find_feed(conn: Connection[Any], ref: str) -> Row | None:
    """A feed by id ('4'), URL or registry name; None when none matches."""
    ref = ref.strip()
    feed_id = int(ref) if ref.isdigit() else None
    row = conn.execute(QUERIES["feed_find"], {"id": feed_id, "ref": ref}).fetchone()
    return dict(row) if row else None


def set_enabled(conn: Connection[Any], feed_id: int, enabled: bool) -> Row:
    """Enable (due now, any mute lifted) or disable a feed; the row as it is now."""
    row = conn.execute(QUERIES["feed_set_enabled"], {"id": feed_id, "enabled": enabled}).fetchone()
    if row is None:
        raise LookupError(f"feed {feed_id} vanished")
    return dict(row)


def list_feeds(conn: Connection[Any]) -> list[Row]:
    """Every feed with its state and health, by name."""
    return [dict(r) for r in conn.execute(QUERIES["list_feeds"]).fetchall()]


def not_named(conn: Connection[Any], names: Sequence[str]) -> list[Row]:
    """Enabled feeds whose name is not in `names` (a registry file's)."""
    return [dict(r) for r in conn.execute(QUERIES["feeds_not_named"], {"names": list(names)}).fetchall()]


def disable(conn: Connection[Any], ids: Sequence[int]) -> None:
    conn.execute(QUERIES["feeds_disable"], {"ids": list(ids)})
