"""Feeds in Postgres: the registry (a feed and the press service or outlet it belongs to) and every statement
the feed tasks run (claim due feeds, a poll's attempt, its success with new articles, its failure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

from workers.db import fetch_one
from workers.db.named import QUERIES
from workers.db.pool import get_pool
from workers.models import FeedEntry


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


# What the feed tasks run: one round trip or one transaction on this process's pool each.

@dataclass(frozen=True)
class FetchLog:
    """One line of a feed's fetch history (`feed_fetches`)."""

    duration_ms: int
    http_status: int | None
    not_modified: bool = False
    bytes: int | None = None
    entries: int | None = None
    new_entries: int | None = None
    error: str | None = None
    warnings: str | None = None
    dropped: int | None = None
    capped: int | None = None


@dataclass(frozen=True)
class PollOk:
    """A feed's polling state after a good poll (200 or 304)."""

    etag: str | None
    last_modified: str | None
    body_hash: str | None
    trusts_304: bool | None
    polls_since_full: int
    status: int
    interval_s: int
    new_entries: int
    typical_gap_s: int | None
    quiet: bool
    permanent_redirects: int
    redirect_target: str | None
    move_to: str | None = None  # follow the permanent redirect now


@dataclass(frozen=True)
class History:
    """What the poll schedule reads of a feed, inside the transaction that stores its poll."""

    polls: list[dict[str, Any]]  # at, entries, new_entries: the last successful parses, oldest first
    publish_times: list[datetime]  # of the entries it listed in the last two weeks (this poll's included)


def claim_due(limit: int, lease_s: int) -> list[int]:
    """Lease the feeds due for a poll (a second beat, or this one after a crash, cannot send them twice)."""
    with get_pool().connection() as conn:
        return [r["id"] for r in conn.execute(QUERIES["claim_due_feeds"], {"limit": limit, "lease_s": lease_s})]


def get_feed(feed_id: int) -> dict[str, Any] | None:
    with get_pool().connection() as conn:
        return conn.execute(QUERIES["get_feed"], {"id": feed_id}).fetchone()


def begin_poll(feed_id: int) -> int:
    """Count a poll attempt before the work; answers the attempts so far (this one included)."""
    with get_pool().connection() as conn:
        row = conn.execute(QUERIES["begin_poll"], {"id": feed_id}).fetchone()
    return int(row["poll_attempts"]) if row else 1


def record_poll_ok(feed_id: int, entries: Sequence[FeedEntry],
                   settle: Callable[[list[int], History], tuple[PollOk, FetchLog]]) -> list[int]:
    """Store a good poll in one transaction: its entries (new articles, queued for fetch), then the feed's
    state and fetch log as `settle(new article ids, history)` decides them; answers the new article ids."""
    feed = {"feed_id": feed_id}
    new_ids: list[int] = []
    with get_pool().connection() as conn, conn.transaction():
        if entries:
            # Two statements for the whole poll (insert, link), not two per entry (a backfill lists hundreds).
            batch = {**feed, "urls": [e.url for e in entries], "titles": [e.title for e in entries],
                     "published": [e.published for e in entries]}
            new_ids = [r["id"] for r in conn.execute(QUERIES["insert_articles"], batch).fetchall()]
            conn.execute(QUERIES["link_article_feeds"], batch)
        history = History(conn.execute(QUERIES["recent_polls"], feed).fetchall(),
                          [r["at"] for r in conn.execute(QUERIES["recent_publish_times"], feed).fetchall()])
        ok, fetch_log = settle(new_ids, history)
        state = asdict(ok)
        move_to = state.pop("move_to")
        conn.execute(QUERIES["feed_poll_ok"], {"id": feed_id, **state})
        conn.execute(QUERIES["record_feed_fetch"], {**feed, **asdict(fetch_log)})
        if move_to:
            conn.execute(QUERIES["move_feed_url"], {"id": feed_id, "url": move_to})
    return new_ids


def record_poll_error(feed_id: int, *, status: int | None, error: str, backoff_s: int, muted_reason: str | None,
                      fetch_log: FetchLog) -> None:
    """Store a failed poll: counted, backed off, muted with its reason when health says so, and logged."""
    with get_pool().connection() as conn, conn.transaction():
        conn.execute(QUERIES["feed_poll_error"], {"id": feed_id, "status": status, "error": error,
                                                  "backoff_s": backoff_s, "muted_reason": muted_reason})
        conn.execute(QUERIES["record_feed_fetch"], {"feed_id": feed_id, **asdict(fetch_log)})
