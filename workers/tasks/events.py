"""Task events for Flower, sent in batches instead of one Redis round trip per event.

A worker buffers its task events (received, started, succeeded...) and Celery schedules a flush on
the next turn of the event loop after each one, so in practice every event went out as its own
PUBLISH and waited for its reply: three per task, six per article across the two workers, and
about half of the NLP worker main process's CPU (bench/LOG.md#hot-spot-18). Here the first
buffered event schedules one flush `FLUSH_AFTER_S` later and the events of that window leave
together as one `task.multi` message, which Flower and `celery events` read like single ones.
Celery still flushes at once when the buffer holds `buffer_limit` events, and on shutdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery.app.events import Events
from celery.events.dispatcher import EventDispatcher
from kombu.asynchronous import get_event_loop

# Flower shows a task's state this much later at most; long enough to gather a busy worker's events.
FLUSH_AFTER_S = 0.25


class CoalescingDispatcher(EventDispatcher):
    def __init__(self, *args: Any, on_send_buffered: Callable[[], None] | None = None, **kwargs: Any) -> None:
        self._flush_soon = on_send_buffered
        self._flush_due = False
        super().__init__(*args, on_send_buffered=self._on_buffered if on_send_buffered else None, **kwargs)

    def _on_buffered(self) -> None:
        if self._flush_due:
            return
        hub = get_event_loop()
        if hub is None:  # no event loop in this thread: flush as Celery would
            self._flush_now()
            return
        self._flush_due = True
        hub.call_later(FLUSH_AFTER_S, self._flush_now)

    def _flush_now(self) -> None:
        self._flush_due = False
        if self._flush_soon is not None:
            self._flush_soon()


class CoalescingEvents(Events):
    dispatcher_cls = f"{__name__}:CoalescingDispatcher"
