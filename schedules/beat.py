"""Beat only ticks; what is due lives in PostgreSQL, so a missed or doubled tick loses and repeats nothing."""

from __future__ import annotations

from typing import Any

from workers.taskspec import FEEDS_QUEUE, POLL_DUE_FEEDS, SWEEP_STUCK, SWEEP_UNLINKED

# `expires` is shorter than the period: a tick that waited in the queue past the next one is dropped.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "poll-due-feeds": {
        "task": POLL_DUE_FEEDS,
        "schedule": 30.0,
        "options": {"queue": FEEDS_QUEUE, "expires": 25},
    },
    "sweep-stuck-articles": {
        "task": SWEEP_STUCK,
        "schedule": 300.0,
        "options": {"queue": FEEDS_QUEUE, "expires": 240},
    },
    "sweep-unlinked-articles": {
        "task": SWEEP_UNLINKED,
        "schedule": 300.0,
        "options": {"queue": FEEDS_QUEUE, "expires": 240},
    },
}
