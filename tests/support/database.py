"""The session's PostgreSQL database (built from the migrations, dropped at the end) and the Redis keys of
the session's prefix."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.support.settings import ADMIN_DSN, TEST_DB
from workers.db import close_pool
from workers.db.migrate import ensure_database, migrate

TABLES = ("article_sectors", "figures", "agreements", "events", "entities", "extractions", "documents",
          "raw_pages", "article_feeds", "articles", "feed_fetches", "feeds", "sources")


def create(dsn: str) -> None:
    """A fresh database at `dsn` with every migration applied."""
    ensure_database(dsn)
    with psycopg.connect(dsn) as conn:
        migrate(conn)


def drop() -> None:
    close_pool()
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')


def truncate(conn: Any) -> None:
    conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def delete_prefixed(client: Any, prefix: str) -> None:
    """Every Redis key of this session's prefix (broker queues, politeness gates, metrics)."""
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
