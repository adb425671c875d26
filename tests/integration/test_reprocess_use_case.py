"""The re-processing use case (workers/tasks/reprocess.py) with a publisher and queue depth given in:
what a run would do, the batches reset before their messages go, and the outcome with each failure's reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_cli_support import add_article, set_state
from workers import taskspec
from workers.tasks import reprocess as use_case
from workers.tasks.reprocess import Selection, Stage

pytestmark = pytest.mark.integration


def test_plan_requeue_and_wait_report_each_failure(db: Any) -> None:
    ids = [add_article(db, f"https://www.akorda.kz/ru/{n}") for n in range(5)]
    set_state(db, ids[0], "fetch", "failed", "PermanentError: HTTP 404")
    set_state(db, ids[1], "analyse", "quarantined", "QuarantineError: undecodable")

    selected = use_case.select(db, Selection(Stage.fetch, only_failed=True))
    assert selected == ids[:2]
    plan = use_case.plan(db, Stage.fetch, selected)
    assert [(p["id"], p["state"], p["restart_stage"], p["task"]) for p in plan] == [
        (ids[0], "failed", "fetch", taskspec.FETCH_ARTICLE), (ids[1], "quarantined", "fetch", taskspec.FETCH_ARTICLE)]

    # Given a publisher that records what it is sent, and a queue that always has room
    sent: list[tuple[str, int, str]] = []
    states_when_sent: list[str] = []

    def publish(sends: Any) -> int:
        batch = list(sends)
        states_when_sent.extend(r["state"] for r in db.execute(
            "SELECT state FROM articles WHERE id = ANY(%s)", ([s[1] for s in batch],)).fetchall())
        sent.extend(batch)
        return len(batch)

    assert use_case.requeue(db, Stage.fetch, ids, publish=publish, depth=lambda: 0, batch_size=2) == 5
    assert sent == [(taskspec.FETCH_ARTICLE, i, taskspec.REPROCESS_QUEUE) for i in ids]
    assert set(states_when_sent) == {"queued"}  # reset (committed) before each batch was published

    # When the workers settle them: three done, one failed for good, one quarantined
    for i in ids[:3]:
        set_state(db, i, "done", "done")
    set_state(db, ids[3], "fetch", "failed", "PermanentError: HTTP 410")
    set_state(db, ids[4], "analyse", "quarantined", "QuarantineError: not a text page")
    seen: list[tuple[int, int]] = []
    outcome = use_case.wait(db, ids, lambda done, total: seen.append((done, total)), poll_s=0)

    assert outcome.counts == {"done": 3, "failed": 1, "quarantined": 1} and outcome.failed == 2
    assert [(f["id"], f["state"], f["stage"], f["reason"]) for f in outcome.failures] == [
        (ids[3], "failed", "fetch", "PermanentError: HTTP 410"),
        (ids[4], "quarantined", "analyse", "QuarantineError: not a text page")]
    assert seen == [(5, 5)]
