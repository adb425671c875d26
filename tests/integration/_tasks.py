"""Integration-test helper (no tests here): run a task's body in this process and read its answer."""

from __future__ import annotations

from typing import Any

from workers.tasks.outcome import FailedForGood


def answer(task: Any, *args: Any) -> Any:
    """What `task.run(*args)` answered; for work that failed for good (raised for Flower as FailedForGood
    after the failure was stored), the answer it carries."""
    try:
        return task.run(*args)
    except FailedForGood as exc:
        return exc.result
