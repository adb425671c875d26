"""The sweeper: re-send articles whose message was lost between a Postgres commit and a Redis publish.

It re-sends exactly the task the article waits for, on its lane, so a lost re-extraction is not
turned into a full re-analysis and re-processing never spills onto the live queues.
"""

from __future__ import annotations

import logging

from workers.db import articles
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.common import TICK
from workers.tasks.lanes import enqueue_many
from workers.taskspec import FETCH_ARTICLE, SWEEP_STUCK

log = logging.getLogger(__name__)


@app.task(name=SWEEP_STUCK, **TICK)
def sweep_stuck(limit: int = 1000) -> int:
    rows = articles.sweep_stuck(get_settings().sweeper_stuck_after_s, limit)
    enqueue_many((row["next_task"] or FETCH_ARTICLE, row["id"], row["lane"]) for row in rows)
    if rows:
        log.info("re-enqueued stuck articles", extra={"count": len(rows)})
    return len(rows)
