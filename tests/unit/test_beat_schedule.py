"""The beat schedule names registered tasks, on known queues, expiring before the next tick."""

from __future__ import annotations

from schedules.beat import BEAT_SCHEDULE
from workers.tasks.app import QUEUES, app


def test_every_scheduled_task_is_registered() -> None:
    app.loader.import_default_modules()
    registered = set(app.tasks)
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in registered


def test_ticks_expire_before_the_next_one_on_known_queues() -> None:
    for entry in BEAT_SCHEDULE.values():
        assert entry["options"]["queue"] in QUEUES
        assert entry["options"]["expires"] < entry["schedule"]


def test_visibility_timeout_exceeds_limits_and_countdowns() -> None:
    from workers.tasks.app import MAX_COUNTDOWN_S

    vt = app.conf.broker_transport_options["visibility_timeout"]
    assert vt > app.conf.task_time_limit + MAX_COUNTDOWN_S
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.accept_content == ["json"]


def test_a_tick_that_meets_an_outage_fails_once_and_is_not_retried(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A retried tick kept its `expires` and stayed RETRY in Flower for good (#16); the next tick repeats it."""
    import psycopg

    from workers.db import articles, feeds

    app.loader.import_default_modules()

    calls: list[str] = []

    def outage(*_args: object, **_kw: object) -> None:
        calls.append("tried")
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(feeds, "claim_due", outage)
    monkeypatch.setattr(articles, "sweep_stuck", outage)
    monkeypatch.setattr(articles, "sweep_unlinked", outage)
    for entry in BEAT_SCHEDULE.values():
        calls.clear()
        result = app.tasks[entry["task"]].apply()  # eager: a retry would run it again at once
        assert result.state == "FAILURE", (entry["task"], result.state)
        assert isinstance(result.result, psycopg.OperationalError)
        assert calls == ["tried"], (entry["task"], len(calls))
