"""The sweeper: re-enqueue articles whose message was lost between a Postgres commit and a Redis publish."""

from __future__ import annotations

import logging

from workers.db import QUERIES, get_pool
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.common import INFRA_RETRY

log = logging.getLogger(__name__)


@app.task(name="silkwire.sweep_stuck", **INFRA_RETRY)
def sweep_stuck(limit: int = 1000) -> int:
    from workers.tasks.articles import analyse_article, fetch_article

    s = get_settings()
    with get_pool().connection() as conn:
        rows = conn.execute(QUERIES["sweep_stuck"], {"stuck_s": s.sweeper_stuck_after_s, "limit": limit}).fetchall()
    for row in rows:
        task = fetch_article if row["stage"] == "fetch" else analyse_article
        task.delay(row["id"])
    if rows:
        log.info("re-enqueued stuck articles", extra={"count": len(rows)})
    return len(rows)
