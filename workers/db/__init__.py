"""Storage: connection pool, named queries and migrations. No Celery here."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from workers.db.named import QUERIES
from workers.db.pool import close_pool, connect, get_pool


def fetch_one(conn: Connection[Any], name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a named query that always returns a row (an upsert's RETURNING, an aggregate)."""
    row = conn.execute(QUERIES[name], params or {}).fetchone()
    if row is None:
        raise LookupError(f"query {name!r} returned no row")
    return dict(row)


__all__ = ["QUERIES", "close_pool", "connect", "fetch_one", "get_pool"]
