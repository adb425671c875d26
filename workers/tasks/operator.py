"""Work an operator asks for by hand (`silkwire feeds poll-now`), sent like the beat sends it."""

from __future__ import annotations

from workers import taskspec
from workers.tasks.app import app


def send_poll(feed_id: int) -> None:
    """One poll of this feed on the `feeds` queue; kombu's OperationalError when the broker is down."""
    app.send_task(taskspec.POLL_FEED, args=[feed_id], queue=taskspec.FEEDS_QUEUE)
