"""Storing the feed registry: a feed and the press service or outlet it belongs to."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from workers.db import fetch_one


def upsert_feed(conn: Connection[Any], *, name: str, url: str, source: str, kind: str = "rss",
                language: str = "ru", country: str | None = None, category: str = "agency",
                pattern: str | None = None, enabled: bool = True, poll_interval_s: int = 900) -> tuple[int, bool]:
    """Create or refresh the feed and its source (polling state is kept); returns (feed id, whether new)."""
    source_id = fetch_one(conn, "upsert_source", {"name": source, "country": country, "category": category})["id"]
    row = fetch_one(conn, "upsert_feed", {
        "source_id": source_id, "name": name, "url": url, "kind": kind, "pattern": pattern, "language": language,
        "country": country, "category": category, "enabled": enabled, "poll_interval_s": poll_interval_s,
    })
    return int(row["id"]), bool(row["inserted"])
