"""Lanes: live ingestion routes by kind of work; re-processing stays on `reprocess` from stage to stage."""

from __future__ import annotations

from typing import Any

from celery import Task

from workers.tasks.app import app

REPROCESS_QUEUE = "reprocess"


def enqueue(task_name: str, article_id: int, lane: str, *, countdown: float | None = None) -> None:
    """Send `task_name(article_id)` on its lane: the task's own route when live, `reprocess` otherwise."""
    queue = REPROCESS_QUEUE if lane == "reprocess" else None
    app.tasks[task_name].apply_async((article_id,), queue=queue, countdown=countdown)


def requeue_here(task: Task, args: tuple[Any, ...], countdown: float) -> None:
    """Put this task back on the queue it came from (a politeness wait), not on its default route."""
    delivery = task.request.delivery_info or {}
    task.apply_async(args, countdown=countdown, queue=delivery.get("routing_key") or None)
