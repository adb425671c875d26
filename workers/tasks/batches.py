"""Batch tasks: a poll's new articles fetched, then analysed, a few per message.

Each message costs the worker processes, Redis and Postgres a fixed amount of work (receive, dispatch
to a pool child, ack, task events, publish the next step): ~5 ms of CPU per article when every article
is a message of its own, against ~110 ms of analysis (bench/LOG.md#hot-spot-22). A batch pays it
once for up to `batch_size` articles.

Each article in a batch is still claimed, counted and stored on its own, exactly as by the
single-article tasks (`fetch_one`, `analyse_one`): a page that kills its worker is counted before the
articles after it are touched, so a redelivered batch skips the finished ones, counts the poison page
again and gives up on it after `max_attempts` without charging its neighbours. Retries, politeness
waits and the sweeper send single-article tasks or the unfinished rest of a batch, never a finished
article.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from workers.errors import StageError
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.articles import ARTICLE_TASK, analyse_one, fetch_article, fetch_one
from workers.tasks.lanes import chunks, enqueue, enqueue_many, requeue_here
from workers.tasks.outcome import Failed, Outcome, RequeueAfter, RetryIn, Stored, finish_batch, word
from workers.taskspec import ANALYSE_ARTICLES, FETCH_ARTICLE, FETCH_ARTICLES


def fetch_sends(ids: list[int], lane: str) -> Iterator[tuple[str, int | list[int], str]]:
    """What a poll sends for its new articles: batches of `batch_size`, or one task each when it is 1."""
    size = get_settings().batch_size
    if size <= 1:
        yield from ((FETCH_ARTICLE, article_id, lane) for article_id in ids)
        return
    yield from ((FETCH_ARTICLES, batch, lane) for batch in chunks(ids, size))


@contextmanager
def _send_stored(lane_of: dict[int, str]) -> Iterator[None]:
    """On the way out, even after an error, send the stored pages on to analysis, one batch per lane."""
    try:
        yield
    finally:
        by_lane: dict[str, list[int]] = defaultdict(list)
        for article_id, lane in lane_of.items():
            by_lane[lane].append(article_id)
        enqueue_many((ANALYSE_ARTICLES, ids, lane) for lane, ids in by_lane.items())


def _send_rest_back(task: Task, rest: list[int], countdown: float) -> list[int]:
    """Put the unfinished rest of a batch back on its queue as one message; answers its ids."""
    requeue_here(task, (rest,), countdown)
    return rest


def _failed_for_good(out: Outcome) -> str | None:
    return out.reason if isinstance(out, Failed) and out.permanent else None


@app.task(name=FETCH_ARTICLES, **ARTICLE_TASK)
def fetch_articles(self: Task, article_ids: list[int]) -> dict[str, Any]:
    """Fetch a batch in order; the stored pages go to analysis as one `analyse_articles` message.

    Answers the ids by outcome (stored, failed, disallowed by robots.txt, skipped as not waiting for a
    fetch, retry_in_s, requeued): what Flower shows; when any failed for good, that answer goes out as
    FailedForGood with each one's reason, after the rest of the batch was done and sent on.
    """
    def retry_later(countdown: float, exc: StageError, lane: str) -> Outcome:
        enqueue(fetch_article.name, article_id, lane, countdown=countdown)  # this one alone, later
        return RetryIn(countdown, str(exc))

    stored: dict[int, str] = {}
    outcomes: dict[str, list[int]] = defaultdict(list)
    failures: dict[int, str] = {}
    with _send_stored(stored):
        for i, article_id in enumerate(article_ids):
            try:
                out = fetch_one(article_id, retry_later, own_time_limit=i == 0)
            except SoftTimeLimitExceeded:
                # The articles before it spent the task's time (network deadlines bound each page, not the
                # batch): this one and the rest go out as a new message, where it comes first.
                outcomes["requeued"] = _send_rest_back(self, article_ids[i:], 0)
                break
            if isinstance(out, RequeueAfter):  # the host's politeness gate: this article and the rest wait
                wait = min(out.seconds, get_settings().politeness_requeue_max_s)
                outcomes["requeued"] = _send_rest_back(self, article_ids[i:], wait)
                break
            if isinstance(out, Stored):
                stored[article_id] = out.lane
            if reason := _failed_for_good(out):
                failures[article_id] = reason
            outcomes[word(out)].append(article_id)
    return finish_batch(outcomes, failures)


@app.task(name=ANALYSE_ARTICLES, **ARTICLE_TASK)
def analyse_articles(self: Task, article_ids: list[int]) -> dict[str, Any]:
    """Analyse a batch in order, each article claimed and stored on its own."""
    outcomes: dict[str, list[int]] = defaultdict(list)
    failures: dict[int, str] = {}
    for i, article_id in enumerate(article_ids):
        try:
            out = analyse_one(article_id, own_time_limit=i == 0)
        except SoftTimeLimitExceeded:
            # The articles before it spent the task's time: this one and the rest get a message of their own.
            outcomes["requeued"] = _send_rest_back(self, article_ids[i:], 0)
            break
        if reason := _failed_for_good(out):
            failures[article_id] = reason
        outcomes[word(out)].append(article_id)
    return finish_batch(outcomes, failures)
