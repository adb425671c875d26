"""Registry task: link one analysed article's event and agreement mentions into the canonical registry.

Thin: the article id in, `workers.db.registry.link_article` (which calls the plain functions of
`workers.registry`) in one transaction, done. Redelivery recomputes the same rows; concurrent linkers wait
on the registry's advisory lock, so two reports of one visit linked at once make one event.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from workers.db import get_pool
from workers.db.registry import link_article as link_rows
from workers.tasks.app import app
from workers.tasks.common import INFRA_RETRY

log = logging.getLogger(__name__)


@app.task(name="silkwire.link_article", bind=True, **INFRA_RETRY)
def link_article(self: Task, article_id: int) -> dict[str, Any]:
    with get_pool().connection() as conn, conn.transaction():
        written = link_rows(conn, article_id)
    return {"events": written["events"], "agreements": written["agreements"]}
