"""The Celery app: Redis broker, JSON only, routes by kind of work, at-least-once delivery made safe.

Delivery settings (see docs/reliability.md): acks_late + reject_on_worker_lost so a killed worker's
task comes back; prefetch 1 so a long NLP task holds no others hostage; every countdown is capped far
below the visibility timeout, which is itself above the longest hard limit plus the longest countdown.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, signals
from kombu import Queue

from schedules.beat import BEAT_SCHEDULE
from workers.observability.logging import bind_celery_logging
from workers.observability.sentry import init_sentry
from workers.settings import Settings, get_settings

log = logging.getLogger(__name__)

QUEUES = ("feeds", "fetch", "nlp", "reprocess")
# Longest countdown any task may ask for (retries, politeness waits).
MAX_COUNTDOWN_S = 600


def make_app(settings: Settings | None = None) -> Celery:
    s = settings or get_settings()
    app = Celery("silkwire", include=["workers.tasks.feeds", "workers.tasks.articles", "workers.tasks.sweeper"])
    if s.visibility_timeout_s <= s.task_hard_limit_s + MAX_COUNTDOWN_S:
        raise ValueError("visibility_timeout_s must exceed the hard time limit plus the longest countdown")
    app.conf.update(
        broker_url=s.broker_url,
        broker_transport_options={"visibility_timeout": s.visibility_timeout_s,
                                  **({"global_keyprefix": s.key_prefix} if s.key_prefix else {})},
        broker_connection_retry_on_startup=True,
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_soft_time_limit=s.task_soft_limit_s,
        task_time_limit=s.task_hard_limit_s,
        task_queues=[Queue(q) for q in QUEUES],
        task_default_queue="feeds",
        task_routes={
            "silkwire.poll_due_feeds": {"queue": "feeds"},
            "silkwire.poll_feed": {"queue": "feeds"},
            "silkwire.sweep_stuck": {"queue": "feeds"},
            "silkwire.fetch_article": {"queue": "fetch"},
            "silkwire.analyse_article": {"queue": "nlp"},
            "silkwire.extract_article": {"queue": "nlp"},
        },
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_max_tasks_per_child=2000,
        worker_max_memory_per_child=500_000,  # KiB: recycle a child that grew past ~500 MB
        beat_schedule=BEAT_SCHEDULE,
        timezone="UTC",
        enable_utc=True,
    )
    return app


app = make_app()
# Our JSON logs (task id, task name, feed or article id) instead of Celery's handlers, in workers and beat.
bind_celery_logging()


@signals.celeryd_init.connect
@signals.beat_init.connect
def _sentry(**_: Any) -> None:
    init_sentry(get_settings().sentry_dsn)

# Set by the main worker process once it knows its queues; forked children inherit it.
_warm_nlp = False


@signals.celeryd_after_setup.connect
def _note_queues(sender: Any = None, instance: Any = None, **_: Any) -> None:
    global _warm_nlp
    queues = set(instance.app.amqp.queues.consume_from or {}) if instance is not None else set()
    _warm_nlp = bool(queues & {"nlp", "reprocess"})


@signals.worker_process_init.connect
def _init_process(**_: Any) -> None:
    # psycopg connections are not fork-safe: each child opens its own pool lazily (workers.db.get_pool).
    if _warm_nlp:
        from workers.extract import warm_up

        warm_up()


@signals.worker_process_shutdown.connect
def _close_process(**_: Any) -> None:
    from workers.db import close_pool

    close_pool()
