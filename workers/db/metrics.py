"""What the Prometheus side reads from Postgres: the exporter's per-scrape snapshot and, as tasks finish,
the failure reasons and publication→extraction latencies of the articles they handled (queries/metrics.sql)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection

from workers.db.named import QUERIES
from workers.db.pool import get_pool

SNAPSHOT = ("articles_by_stage_state", "metrics_backlog", "metrics_feeds", "metrics_progress")


def snapshot(conn: Connection[Any]) -> dict[str, list[dict[str, Any]]]:
    """The current state the exporter turns into gauges, one query each."""
    return {name: conn.execute(QUERIES[name]).fetchall() for name in SNAPSHOT}


def _article_rows(name: str, ids: Iterable[int]) -> list[dict[str, Any]]:
    with get_pool().connection() as conn:
        return list(conn.execute(QUERIES[name], {"ids": list(ids)}).fetchall())


def failure_reasons(ids: Iterable[int]) -> list[dict[str, Any]]:
    """`id` and `last_error` of each article."""
    return _article_rows("metrics_failure_reasons", ids)


def latencies(ids: Iterable[int]) -> list[float]:
    """Seconds from publication to extraction, for the articles that have a feed date."""
    return [float(r["s"]) for r in _article_rows("metrics_latencies", ids)]
