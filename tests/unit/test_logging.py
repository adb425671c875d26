"""Structured logging: JSON shape, Celery task context on records, Celery signal wiring, Sentry no-ops."""

from __future__ import annotations

import io
import json
import logging
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery, signals
from celery.app.log import Logging
from celery.utils.log import get_task_logger

from workers.observability import sentry
from workers.observability.logging import bind_celery_logging, configure_logging, current_task_fields
from workers.taskspec import ANALYSE_ARTICLE, FETCH_ARTICLE, POLL_FEED

ROOT_LOGGERS = ("", "celery", "celery.task", "celery.redirected")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Logging is process-global: put every logger we touch back as it was."""
    saved = {}
    for name in ROOT_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (list(logger.handlers), logger.level, logger.propagate)
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture
def eager_app(monkeypatch: pytest.MonkeyPatch) -> Celery:
    # Eager mode is acceptable here only because the subject is the log record, not delivery.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    app = Celery("logtest", broker="memory://", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_store_eager_result = False
    return app


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    """Our JSON lines, without Celery's and kombu's own (e.g. "Task ... succeeded")."""
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line["logger"].startswith(("workers.", "silkwire."))]


def test_json_line_has_time_level_logger_message_and_extras() -> None:
    stream = io.StringIO()
    configure_logging(json=True, level="INFO", stream=stream)

    logging.getLogger("silkwire.test").info("polled %s", "feed", extra={"entries": 3})
    logging.getLogger("silkwire.test").debug("below the level")

    (line,) = records(stream)
    assert line["message"] == "polled feed"
    assert line["level"] == "INFO"
    assert line["logger"] == "silkwire.test"
    assert line["entries"] == 3
    assert line["time"]
    # Outside a task there is no task context, not a null one.
    assert not {"task_id", "task_name", "article_id", "feed_id"} & line.keys()


def test_exception_is_serialised_into_the_json_line() -> None:
    stream = io.StringIO()
    configure_logging(json=True, stream=stream)
    try:
        raise ValueError("bad page")
    except ValueError:
        logging.getLogger("silkwire.test").exception("clean failed")

    (line,) = records(stream)
    assert "ValueError: bad page" in line["exc_info"]


def test_configuring_twice_keeps_one_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(json=True, stream=first)
    configure_logging(json=True, stream=second)

    logging.getLogger("silkwire.test").warning("once")

    assert first.getvalue() == ""
    assert len(records(second)) == 1


def test_task_records_carry_task_id_name_and_keyword_id(eager_app: Celery) -> None:
    stream = io.StringIO()
    configure_logging(json=True, stream=stream)

    @eager_app.task(name=ANALYSE_ARTICLE)
    def analyse_article(article_id: int) -> None:
        get_task_logger("workers.tasks.analyse").info("analysing")
        logging.getLogger("workers.pipeline").info("stage done")

    result = analyse_article.apply_async(kwargs={"article_id": 42}, task_id="task-abc")
    logging.getLogger("silkwire.test").info("after the task")

    assert result.id == "task-abc"
    in_task, in_stage, after = records(stream)
    for line in (in_task, in_stage):
        assert line["task_id"] == "task-abc"
        assert line["task_name"] == ANALYSE_ARTICLE
        assert line["article_id"] == 42
        assert "feed_id" not in line
    assert "task_id" not in after


def test_positional_id_is_named_from_the_task_signature(eager_app: Celery) -> None:
    stream = io.StringIO()
    configure_logging(json=True, stream=stream)

    @eager_app.task(name=POLL_FEED, bind=True)
    def poll_feed(self: Any, feed_id: int) -> None:
        logging.getLogger("workers.tasks").info("polling")

    poll_feed.delay(7)

    (line,) = records(stream)
    assert line["feed_id"] == 7
    assert line["task_name"] == POLL_FEED
    assert "article_id" not in line


def test_explicit_extra_wins_over_task_context(eager_app: Celery) -> None:
    stream = io.StringIO()
    configure_logging(json=True, stream=stream)

    @eager_app.task(name=FETCH_ARTICLE)
    def fetch_article(article_id: int) -> None:
        logging.getLogger("workers.tasks").info("redirected", extra={"article_id": 99})

    fetch_article.delay(article_id=5)

    (line,) = records(stream)
    assert line["article_id"] == 99


def test_text_format_names_the_task(eager_app: Celery) -> None:
    stream = io.StringIO()
    configure_logging(json=False, stream=stream)

    @eager_app.task(name=POLL_FEED)
    def poll_feed(feed_id: int) -> None:
        logging.getLogger("workers.tasks").info("polling")

    poll_feed.apply_async(args=(3,), task_id="t-1")
    logging.getLogger("workers.tasks").info("idle")

    in_task, idle = [line for line in stream.getvalue().splitlines() if " workers.tasks " in line]
    assert "[silkwire.poll_feed t-1] polling" in in_task
    assert "[- -] idle" in idle


def test_no_task_fields_outside_a_task() -> None:
    assert current_task_fields() == {}


def test_celery_setup_uses_our_handler_instead_of_its_own(
    eager_app: Celery, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Celery keeps "already set up" on the class and leaves fork hints in os.environ: restore both.
    monkeypatch.setattr(Logging, "_setup", False)
    for key in ("_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_"):
        monkeypatch.delenv(key, raising=False)
    bind_celery_logging(json=True)
    try:
        # What `celery worker --loglevel=DEBUG` does on start.
        eager_app.log.setup_logging_subsystem(loglevel="DEBUG")
        root = logging.getLogger()
        ours = [h for h in root.handlers if h.get_name() == "silkwire"]
        assert len(ours) == 1
        assert root.level == logging.DEBUG
        # Celery did not add its task logger handlers (it would when no receiver is connected).
        assert logging.getLogger("celery.task").handlers == []
        assert logging.getLogger("celery.task").propagate
    finally:
        signals.setup_logging.disconnect(dispatch_uid="silkwire.setup_logging")
        signals.after_setup_task_logger.disconnect(dispatch_uid="silkwire.after_setup_task_logger")


def test_sentry_is_a_no_op_without_dsn() -> None:
    assert sentry.init_sentry(None) is False
    assert sentry.init_sentry("") is False


def test_sentry_is_a_no_op_without_the_package(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # None in sys.modules makes the import fail as if sentry-sdk were not installed.
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)
    with caplog.at_level(logging.WARNING, logger="workers.observability.sentry"):
        assert sentry.init_sentry("https://key@sentry.invalid/1") is False
    assert "silkwire[sentry]" in caplog.text


def test_sentry_initialises_with_the_celery_integration(monkeypatch: pytest.MonkeyPatch) -> None:
    # A recording stand-in for sentry_sdk: checks what we pass, without a network client.
    calls: list[dict[str, Any]] = []

    class CeleryIntegration:
        pass

    fake_sdk = types.ModuleType("sentry_sdk")
    fake_sdk.init = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    fake_celery = types.ModuleType("sentry_sdk.integrations.celery")
    fake_celery.CeleryIntegration = CeleryIntegration  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentry_sdk", fake_sdk)
    monkeypatch.setitem(sys.modules, "sentry_sdk.integrations", types.ModuleType("sentry_sdk.integrations"))
    monkeypatch.setitem(sys.modules, "sentry_sdk.integrations.celery", fake_celery)

    assert sentry.init_sentry("https://key@sentry.invalid/1", environment="prod") is True

    (call,) = calls
    assert call["dsn"] == "https://key@sentry.invalid/1"
    assert call["environment"] == "prod"
    assert call["send_default_pii"] is False
    assert [type(i) for i in call["integrations"]] == [CeleryIntegration]
