"""Task messages carry no time limits: the worker that runs a task applies its own settings' limits."""

from __future__ import annotations

from typing import Any
from unittest import mock

from workers.taskspec import ANALYSE_ARTICLE, FETCH_ARTICLES


def test_messages_leave_time_limits_to_the_worker() -> None:
    import workers.tasks.batches  # noqa: F401  # registers the article tasks too
    from workers.tasks.app import app

    app.tasks  # noqa: B018  # finalized, as in a worker, beat, the CLI or a test session: Celery 5.7 then
    # copied this process's 120/180 s into every message, over the worker's own limits
    sent: list[Any] = []
    create = app.amqp.create_task_message

    def spy(*args: Any, **kwargs: Any) -> Any:
        message = create(*args, **kwargs)
        sent.append(message.headers.get("timelimit"))
        return message

    with mock.patch.object(app.amqp, "create_task_message", spy), \
            mock.patch.object(app.amqp, "send_task_message", lambda *a, **k: None):
        app.send_task(FETCH_ARTICLES, args=[[1]], queue="fetch")
        app.tasks[ANALYSE_ARTICLE].apply_async(args=[1])
    assert sent == [[None, None], [None, None]]
    # and the worker still knows its own (it applies them when a message names none)
    task = app.tasks[FETCH_ARTICLES]
    assert (task.soft_time_limit, task.time_limit) == (120, 180)
