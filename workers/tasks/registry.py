"""Registry task: link one analysed article's event and agreement mentions into the canonical registry.

Thin: the article id in, `workers.db.registry.link_article` (which calls the plain functions of
`workers.registry`) in one transaction, done. Redelivery recomputes the same rows; concurrent linkers wait
on the registry's advisory lock, so two reports of one visit linked at once make one event. A beat tick
(`sweep_unlinked`) re-sends the articles whose link message was lost between the analysis commit and its
publish.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from workers.db import articles
from workers.db.registry import link_article_now as link_rows
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.common import INFRA_RETRY, TICK
from workers.tasks.lanes import enqueue_many
from workers.taskspec import LINK_ARTICLE, SWEEP_UNLINKED

log = logging.getLogger(__name__)


@app.task(name=LINK_ARTICLE, bind=True, **INFRA_RETRY)
def link_article(self: Task, article_id: int) -> dict[str, Any]:
    written = link_rows(article_id)
    return {"events": written["events"], "agreements": written["agreements"]}


@app.task(name=SWEEP_UNLINKED, **TICK)
def sweep_unlinked(limit: int = 1000) -> int:
    """Send to linking the articles whose link message was lost (a beat tick, like the sweeper)."""
    rows = articles.sweep_unlinked(get_settings().sweeper_stuck_after_s, limit)
    enqueue_many((link_article.name, row["id"], row["lane"]) for row in rows)
    if rows:
        log.info("re-sent unlinked articles to linking", extra={"count": len(rows)})
    return len(rows)
