"""Task names and queues are defined once (workers.taskspec) and everything that names a task agrees."""

from __future__ import annotations

import importlib
from pathlib import Path

from schedules.beat import BEAT_SCHEDULE
from workers import taskspec

ROOT = Path(__file__).resolve().parents[2]


def test_every_task_the_app_runs_is_named_and_routed_in_taskspec() -> None:
    from workers.tasks.app import app

    for module in app.conf.include:
        importlib.import_module(module)
    ours = {name for name in app.tasks if name.startswith("silkwire.")}
    assert ours == set(taskspec.TASK_NAMES)
    assert {name: route["queue"] for name, route in app.conf.task_routes.items()} == taskspec.ROUTES
    assert set(taskspec.ROUTES.values()) <= set(taskspec.QUEUES)


def test_beat_and_the_stored_default_name_real_tasks() -> None:
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(taskspec.TASK_NAMES)
    # articles.next_task defaults to the fetch task in migration 0001: renaming it is a data migration.
    init = (ROOT / "workers" / "db" / "migrations" / "0001_init.sql").read_text()
    assert f"next_task         text DEFAULT '{taskspec.FETCH_ARTICLE}'" in init
