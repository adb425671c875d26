"""Beat only ticks; what is due lives in PostgreSQL, so a missed or doubled tick loses and repeats nothing."""

from __future__ import annotations

from typing import Any

# `expires` is shorter than the period: a tick that waited in the queue past the next one is dropped.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "poll-due-feeds": {
        "task": "silkwire.poll_due_feeds",
        "schedule": 30.0,
        "options": {"queue": "feeds", "expires": 25},
    },
    "sweep-stuck-articles": {
        "task": "silkwire.sweep_stuck",
        "schedule": 300.0,
        "options": {"queue": "feeds", "expires": 240},
    },
    "sweep-unlinked-articles": {
        "task": "silkwire.sweep_unlinked",
        "schedule": 300.0,
        "options": {"queue": "feeds", "expires": 240},
    },
}
