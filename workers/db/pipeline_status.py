"""What `silkwire status` reads from Postgres: articles by stage and state, failures by reason, feed counts
and the failing or muted feeds."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from workers.db import QUERIES

FAILURE_REASONS = 20


def snapshot(conn: Connection[Any], *, failure_reasons: int = FAILURE_REASONS) -> dict[str, Any]:
    articles = conn.execute(QUERIES["articles_by_stage_state"]).fetchall()
    failures = conn.execute(QUERIES["failures_by_reason"], {"limit": failure_reasons}).fetchall()
    feeds = conn.execute(QUERIES["feed_counts"]).fetchone()
    failing = conn.execute(QUERIES["failing_feeds"]).fetchall()
    return {
        "articles": [{"stage": r["stage"], "state": r["state"], "count": r["n"]} for r in articles],
        "failures": [{"stage": r["stage"], "state": r["state"], "reason": r["reason"], "count": r["n"]}
                     for r in failures],
        "feeds": {**dict(feeds or {}), "failing_feeds": [dict(r) for r in failing]},
    }
