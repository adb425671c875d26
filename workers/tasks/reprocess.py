"""Re-processing stored articles, the use case behind `silkwire reprocess`: select by filter, reset a batch
at a time into a stage and publish it on the `reprocess` queue (never more than a bounded backlog waiting),
then optionally wait until every selected article has settled.

Postgres is changed first, then the batch's messages are sent: a crash in between leaves articles queued
that the sweeper re-enqueues. Results are replaced per article, so a re-run never duplicates them.
Plain functions over a connection, a publisher and a queue-depth reader; the CLI only presents them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from psycopg import Connection

from workers import taskspec
from workers.db import reprocess as repo
from workers.settings import get_settings
from workers.tasks.common import redis_client
from workers.tasks.lanes import chunks, enqueue_many

BATCH = 500
POLL_S = 1.0
WAITING = ("queued", "pending")
BAD = ("failed", "quarantined")
# At most this many messages wait on `reprocess` at once: Redis memory follows the backlog
# (~1 KB a message), and articles are reset only when their batch is sent.
MAX_BACKLOG = 2 * BATCH
# A backlog that has not moved for this long has no consumer: say so and send the rest anyway.
STALL_S = 120.0

# (task name, article id, lane) per message; returns how many were sent.
Publisher = Callable[[Iterable[tuple[str, int, str]]], int]


class Stage(StrEnum):
    fetch = "fetch"
    clean = "clean"
    extract = "extract"


# stage → (task, the article stage it waits in); clean re-runs analysis from the stored page.
TASKS: dict[Stage, tuple[str, str]] = {
    Stage.fetch: (taskspec.FETCH_ARTICLE, "fetch"),
    Stage.clean: (taskspec.ANALYSE_ARTICLE, "analyse"),
    Stage.extract: (taskspec.EXTRACT_ARTICLE, "analyse"),
}


@dataclass(frozen=True)
class Selection:
    """Which stored articles to re-run; empty filters select everything the stage can re-run."""

    stage: Stage
    since: date | None = None
    until: date | None = None
    feeds: Sequence[int] = ()
    articles: Sequence[int] = ()
    only_failed: bool = False
    older_than: int | None = None
    limit: int | None = None


@dataclass
class Outcome:
    """How the selected articles ended: counts by state, and each failure with its reason."""

    counts: dict[str, int]
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.counts.get(s, 0) for s in BAD)


def select(conn: Connection[Any], sel: Selection) -> list[int]:
    return repo.select_ids(conn, sel.stage.value, since=sel.since, until=sel.until, feeds=sel.feeds,
                           articles=sel.articles, only_failed=sel.only_failed, older_than=sel.older_than,
                           limit=sel.limit)


def plan(conn: Connection[Any], stage: Stage, ids: Sequence[int]) -> list[dict[str, Any]]:
    """What a run would do to each article: where it is now and the stage and task it would restart at."""
    task, article_stage = TASKS[stage]
    return [{**row, "restart_stage": article_stage, "task": task} for row in repo.describe(conn, ids)]


def publish_on_reprocess(sends: Iterable[tuple[str, int, str]]) -> int:
    """The default publisher: the project's Celery app, one Redis round trip per batch."""
    return enqueue_many(sends)


def reprocess_depth() -> int:
    """Messages waiting on `reprocess` now (raises redis ConnectionError when Redis is down)."""
    # observability reads the tasks' queues: imported here, not at the top, so neither loads the other first
    from workers.observability.metrics import queue_depths

    queue = taskspec.REPROCESS_QUEUE
    return queue_depths(redis_client(), [queue], get_settings().key_prefix)[queue]


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def wait_for_room(depth: Callable[[], int], max_backlog: int, stall_s: float,
                  warn: Callable[[str], None] = _to_stderr) -> None:
    """Block while more than `max_backlog` messages wait; give up waiting (with a warning) on a stall."""
    now, last_move = depth(), time.monotonic()
    while now > max_backlog:
        if time.monotonic() - last_move > stall_s:
            warn(f"'reprocess' has held {now} messages for {stall_s:.0f} s: is a worker consuming it? "
                 "sending the rest anyway")
            return
        time.sleep(POLL_S)
        later = depth()
        if later < now:
            last_move = time.monotonic()
        now = later


def requeue(conn: Connection[Any], stage: Stage, ids: Sequence[int], *, publish: Publisher = publish_on_reprocess,
            depth: Callable[[], int] = reprocess_depth, batch_size: int = BATCH, max_backlog: int = MAX_BACKLOG,
            stall_s: float = STALL_S, warn: Callable[[str], None] = _to_stderr) -> int:
    """Reset each batch in one transaction, then publish its messages on the `reprocess` queue,
    waiting while the queue already holds `max_backlog` messages. Returns how many were sent."""
    task, article_stage = TASKS[stage]
    sent = 0
    for batch in chunks(ids, batch_size):
        wait_for_room(depth, max_backlog, stall_s, warn)
        with conn.transaction():
            repo.reset(conn, batch, article_stage=article_stage, task=task)
        sent += publish((task, article_id, taskspec.REPROCESS_QUEUE) for article_id in batch)
    return sent


def wait(conn: Connection[Any], ids: Sequence[int], on_progress: Callable[[int, int], None] = lambda done, n: None,
         poll_s: float = POLL_S) -> Outcome:
    """Poll Postgres until no selected article is waiting (the connection must be in autocommit, to see
    fresh rows); `on_progress(settled, total)` after each look."""
    while True:
        counts = repo.progress(conn, ids)
        waiting = sum(counts.get(s, 0) for s in WAITING)
        on_progress(len(ids) - waiting, len(ids))
        if waiting == 0:
            outcome = Outcome(counts)
            if outcome.failed:
                outcome.failures = repo.failures(conn, ids)
            return outcome
        time.sleep(poll_s)
