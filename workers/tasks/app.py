"""The Celery app: Redis broker, JSON only, routes by kind of work, at-least-once delivery made safe.

Delivery settings (see docs/reliability.md): acks_late + reject_on_worker_lost so a killed worker's
task comes back; prefetch 1 so a long NLP task holds no others hostage; every countdown is capped far
below the visibility timeout, which is itself above the longest hard limit plus the longest countdown.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task, signals
from kombu import Queue

from schedules.beat import BEAT_SCHEDULE
from workers.observability.logging import bind_celery_logging
from workers.observability.sentry import init_sentry
from workers.observability.task_metrics import install as install_task_metrics
from workers.settings import Settings, get_settings
from workers.tasks.transport import install as install_transport
from workers.taskspec import FEEDS_QUEUE, QUEUES, ROUTES

__all__ = ["QUEUES", "app", "get_app", "make_app", "max_countdown_s"]  # QUEUES: kept importable from here

log = logging.getLogger(__name__)

# Shortest countdown cap that still lets retries back off meaningfully.
MIN_COUNTDOWN_CAP_S = 5


def max_countdown_s(s: Settings) -> int:
    """Longest countdown any task may ask for (retries, politeness waits), derived from the settings.

    A countdown is an ETA message the worker holds unacked: it must end, and the task run to its hard
    limit, before the visibility timeout redelivers it. At most 600 s, and at most half the room the
    visibility timeout leaves above the hard limit (600 with the defaults; small in fault tests).
    """
    return int(min(600, (s.visibility_timeout_s - s.task_hard_limit_s) // 2))


# With the process's settings (the worker's); make_app re-checks any settings it is given.
MAX_COUNTDOWN_S = max_countdown_s(get_settings())


class SilkwireTask(Task):
    """Every task's base: its messages carry no time limits, so the worker that runs one applies its own.

    Celery 5.7 copies the sending process's `task_soft_time_limit`/`task_time_limit` into each message once
    the app is finalized there, and a worker obeys the message over its own configuration: a CLI, a beat or
    a test process with other settings silently replaced the worker's limits (found when a test's worker
    with a 3 s soft limit ran a task for 15 s under the test process's 120 s).
    """

    def _get_exec_options(self) -> dict[str, Any]:
        options = dict(super()._get_exec_options())
        options.pop("time_limit", None)
        options.pop("soft_time_limit", None)
        return options


def make_app(settings: Settings | None = None) -> Celery:
    s = settings or get_settings()
    install_transport()
    app = Celery("silkwire", include=["workers.tasks.feeds", "workers.tasks.articles", "workers.tasks.batches",
                                     "workers.tasks.sweeper", "workers.tasks.registry"],
                 events="workers.tasks.events:CoalescingEvents", task_cls=SilkwireTask)
    cap = max_countdown_s(s)
    if cap < MIN_COUNTDOWN_CAP_S or s.visibility_timeout_s <= s.task_hard_limit_s + cap:
        raise ValueError("visibility_timeout_s must exceed the hard time limit plus the longest countdown "
                         f"(at least {MIN_COUNTDOWN_CAP_S} s)")
    if s.task_soft_limit_s > s.task_hard_limit_s:
        # Celery would accept it here and then refuse every publish (apply_async raises ValueError)
        raise ValueError("task_soft_limit_s must not exceed task_hard_limit_s (0 disables the soft limit)")
    if s.politeness_requeue_max_s > cap:
        raise ValueError(f"politeness_requeue_max_s must not exceed the longest countdown ({cap} s)")
    app.conf.update(
        broker_url=s.broker_url,
        # Scan for messages abandoned by a dead worker every 10 s (kombu's default scans every 10th
        # tick, 100 s): the scan is one ZRANGE on the unacked index under a mutex.
        broker_transport_options={"visibility_timeout": s.visibility_timeout_s, "unacked_restore_throttle": 1,
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
        task_default_queue=FEEDS_QUEUE,
        task_routes={name: {"queue": queue} for name, queue in ROUTES.items()},
        # Flower's task list is built from the workers' events (received, started, succeeded...). A
        # `task-sent` event as well would cost every publish a second Redis message and its JSON
        # (~0.6 ms of I/O-worker CPU per article, bench/LOG.md#hot-spot-13) for one column in Flower;
        # what waits in the queues shows in its broker view and in `silkwire status`.
        worker_send_task_events=True,
        task_send_sent_event=False,
        # A new pool child loads the NLP models before it reports up (worker_process_init); on a busy
        # machine that takes longer than Celery's 4 s default, and the pool killed every replacement
        # child in a loop after a crash or a recycle (found by tests/reliability/test_kill_workers.py).
        worker_proc_alive_timeout=120.0,
        worker_max_tasks_per_child=2000,
        worker_max_memory_per_child=500_000,  # KiB: recycle a child that grew past ~500 MB
        beat_schedule=BEAT_SCHEDULE,
        timezone="UTC",
        enable_utc=True,
    )
    return app


# The process's app, built on first use: importing this module builds no app and binds no logging (a CLI
# verb or a test that only needs `max_countdown_s` or the queue names pays nothing). Celery's
# `-A workers.tasks.app` reads the module's `app`, and `from workers.tasks.app import app` in the task
# modules too: both reach the module __getattr__ below, so there is still exactly one app per process.
app: Celery
_app: Celery | None = None


def get_app() -> Celery:
    global _app
    if _app is None:
        _app = make_app()
        # Our JSON logs (task id, task name, feed or article id) instead of Celery's handlers, in workers and beat.
        bind_celery_logging(json=get_settings().log_json)
        # Counters of work done and failures per stage, kept in Redis for the exporter (docs/deploy.md).
        install_task_metrics()
    return _app


def __getattr__(name: str) -> Any:
    if name == "app":
        return get_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

        warm_up(get_settings())


@signals.worker_process_shutdown.connect
def _close_process(**_: Any) -> None:
    from workers.db import close_pool

    close_pool()
