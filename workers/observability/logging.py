"""Process-wide logging: one stderr handler, JSON or text, with Celery task context on each record.

In: a flag and a level. Out: the root logger configured; records made inside a task carry
`task_id`, `task_name` and `feed_id`/`article_id`.
"""

from __future__ import annotations

import inspect
import logging
import sys
from functools import lru_cache
from typing import Any

from celery import current_task, signals
from pythonjsonlogger.json import JsonFormatter  # module added in python-json-logger 3.1

# Our tasks take one id (ids, not payloads); these are the names worth lifting into the log.
ID_ARGUMENTS = ("article_id", "feed_id")
TASK_FIELDS = ("task_id", "task_name", *ID_ARGUMENTS)

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(task_name)s %(task_id)s] %(message)s"

# Marks the handler we install so a second configure_logging() replaces it instead of doubling output.
_HANDLER_NAME = "silkwire"


class CeleryTaskFilter(logging.Filter):
    """Adds the running Celery task's id, name and single id argument to a record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_task_fields().items():
            # A field passed explicitly with `extra=` wins over what we would guess.
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def current_task_fields() -> dict[str, Any]:
    """The task context as log fields; empty outside a task."""
    task = current_task._get_current_object() if current_task else None
    request = getattr(task, "request", None)
    task_id = getattr(request, "id", None)
    if task is None or task_id is None:
        return {}
    fields: dict[str, Any] = {"task_id": task_id, "task_name": task.name}
    fields.update(_id_arguments(task, getattr(request, "args", None), getattr(request, "kwargs", None)))
    return fields


def _id_arguments(task: Any, args: Any, kwargs: Any) -> dict[str, Any]:
    found = {name: kwargs[name] for name in ID_ARGUMENTS if isinstance(kwargs, dict) and name in kwargs}
    if found or not args:
        return found
    # Called positionally (`poll_feed.delay(7)`): name the value from the task's signature.
    for name, value in zip(_parameter_names(task.run), args, strict=False):
        if name in ID_ARGUMENTS:
            found[name] = value
    return found


@lru_cache(maxsize=256)
def _parameter_names(run: Any) -> tuple[str, ...]:
    try:
        parameters = inspect.signature(run).parameters
    except (TypeError, ValueError):
        return ()
    return tuple(parameters)


def build_handler(json: bool, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    formatter: logging.Formatter
    if json:
        formatter = JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
        )
    else:
        formatter = logging.Formatter(TEXT_FORMAT, defaults={"task_name": "-", "task_id": "-"})
    handler.setFormatter(formatter)
    handler.addFilter(CeleryTaskFilter())
    return handler


def configure_logging(json: bool, level: str | int = "INFO", stream: Any = None) -> logging.Handler:
    """Install one handler on the root logger (replacing ours from an earlier call) and return it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    handler = build_handler(json, stream)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # Celery's own loggers keep handlers of their own unless told otherwise: send them to root.
    for name in ("celery", "celery.task", "celery.redirected"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    return handler


def bind_celery_logging(*, json: bool) -> None:
    """Make Celery (worker, beat) log through configure_logging instead of its own setup.

    Call once, when the Celery app is built, with `settings.log_json`. Connecting `setup_logging` is what
    stops Celery from installing its handlers at all.
    """

    def on_setup_logging(loglevel: Any = None, **_: Any) -> None:
        configure_logging(json, loglevel or "INFO")

    def on_task_logger(logger: logging.Logger, **_: Any) -> None:
        # Only sent when Celery configured logging itself; route task logs to our root handler anyway.
        logger.handlers = []
        logger.propagate = True

    signals.setup_logging.connect(on_setup_logging, weak=False, dispatch_uid="silkwire.setup_logging")
    signals.after_setup_task_logger.connect(
        on_task_logger, weak=False, dispatch_uid="silkwire.after_setup_task_logger"
    )
