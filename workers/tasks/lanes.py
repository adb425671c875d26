"""Lanes: live ingestion routes by kind of work; re-processing stays on `reprocess` from stage to stage."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from celery import Task

from workers.tasks.app import app
from workers.taskspec import REPROCESS_QUEUE


def _queue(lane: str) -> str | None:
    """`reprocess` for re-processing; None lets the task's own route choose the live queue."""
    return REPROCESS_QUEUE if lane == "reprocess" else None


# One article id, or a list of them for the batch tasks (`fetch_articles`, `analyse_articles`).
Ids = int | list[int]


def chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    """`ids` in order, `size` at a time: a poll's fetch batches, a reprocess run's publish batches."""
    for i in range(0, len(ids), size):
        yield list(ids[i:i + size])


def enqueue(task_name: str, ids: Ids, lane: str, *, countdown: float | None = None) -> None:
    """Send `task_name(ids)` on its lane: the task's own route when live, `reprocess` otherwise."""
    app.tasks[task_name].apply_async((ids,), queue=_queue(lane), countdown=countdown)


def enqueue_many(sends: Iterable[tuple[str, Ids, str]]) -> int:
    """Send each (task name, article id or ids, lane) like `enqueue`, in one Redis round trip.

    kombu's publish batch pipelines the LPUSHes (a poll, a sweep or a reprocess batch sends hundreds at
    once: one round trip and one reply each cost the I/O worker and Redis more than the message). It is
    sent when the block ends; if that fails the articles stay `queued` in Postgres and the sweeper
    sends them again, as after any publish lost between a commit and Redis.
    """
    sent = 0
    with app.producer_or_acquire() as producer, producer.batch():
        for task_name, ids, lane in sends:
            app.send_task(task_name, args=(ids,), queue=_queue(lane), producer=producer)
            sent += 1
    return sent


def requeue_here(task: Task, args: tuple[Any, ...], countdown: float) -> None:
    """Put this task back on the queue it came from (a politeness wait), not on its default route."""
    delivery = task.request.delivery_info or {}
    task.apply_async(args, countdown=countdown, queue=delivery.get("routing_key") or None)
