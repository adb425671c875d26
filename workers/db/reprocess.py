"""Re-processing's statements: select stored articles by filter, reset a batch into a stage, read where
the selection stands. The use case that drives them is workers/tasks/reprocess.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from psycopg import Connection

from workers.db import QUERIES


def select_ids(conn: Connection[Any], stage: str, *, since: date | None = None, until: date | None = None,
               feeds: Sequence[int] = (), articles: Sequence[int] = (), only_failed: bool = False,
               older_than: int | None = None, limit: int | None = None) -> list[int]:
    """Ids of the articles to re-run from `stage` (fetch, clean or extract), lowest first."""
    rows = conn.execute(QUERIES["reprocess_select"], {
        "stage": stage, "since": since, "until": until, "feeds": list(feeds) or None,
        "ids": list(articles) or None, "only_failed": only_failed, "older_than": older_than, "limit": limit,
    }).fetchall()
    return [r["id"] for r in rows]


def describe(conn: Connection[Any], ids: Sequence[int]) -> list[dict[str, Any]]:
    """id, url, stage, state and last error of each article, by id."""
    return [dict(r) for r in conn.execute(QUERIES["reprocess_describe"], {"ids": list(ids)}).fetchall()]


def reset(conn: Connection[Any], ids: Sequence[int], *, article_stage: str, task: str) -> None:
    """Put the articles back in `article_stage`, queued on the reprocess lane for `task`, attempts at 0."""
    conn.execute(QUERIES["reprocess_reset"], {"stage": article_stage, "next_task": task, "ids": list(ids)})


def progress(conn: Connection[Any], ids: Sequence[int]) -> dict[str, int]:
    """How many of the articles are in each state now."""
    return {r["state"]: r["n"] for r in conn.execute(QUERIES["reprocess_progress"], {"ids": list(ids)}).fetchall()}


def failures(conn: Connection[Any], ids: Sequence[int]) -> list[dict[str, Any]]:
    """The failed or quarantined ones with the stage and error that stopped them."""
    return [dict(r) for r in conn.execute(QUERIES["reprocess_failures"], {"ids": list(ids)}).fetchall()]
