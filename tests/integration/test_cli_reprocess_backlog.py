"""`silkwire reprocess` keeps the `reprocess` backlog bounded, and says so when nothing consumes it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.support.settings import SETTINGS
from workers.tasks.reprocess import Stage, requeue

pytestmark = pytest.mark.integration

QUEUE = f"{SETTINGS.key_prefix}reprocess"


def _articles(db: Any, n: int) -> list[int]:
    return [r["id"] for r in db.execute(
        "INSERT INTO articles (url, stage, state) SELECT 'https://a.kz/' || g, 'done', 'done'"
        " FROM generate_series(1, %s) g RETURNING id", (n,)).fetchall()]


def test_backlog_stays_bounded_while_a_consumer_drains(db: Any, clean_redis: Any) -> None:
    ids = _articles(db, 60)
    depths: list[int] = []
    stop = threading.Event()

    def slow_consumer() -> None:
        while not stop.is_set():
            depths.append(int(clean_redis.llen(QUEUE)))
            clean_redis.rpop(QUEUE)
            time.sleep(0.01)

    thread = threading.Thread(target=slow_consumer, daemon=True)
    thread.start()
    try:
        assert requeue(db, Stage.extract, ids, batch_size=10, max_backlog=10, stall_s=30) == 60
    finally:
        stop.set()
        thread.join()
    assert max(depths) <= 10 + 10  # the backlog allowed plus the batch just sent
    states = db.execute("SELECT state, lane, count(*) AS n FROM articles GROUP BY 1, 2").fetchall()
    assert states == [{"state": "queued", "lane": "reprocess", "n": 60}]


def test_a_stalled_backlog_is_reported_and_the_rest_still_sent(
        db: Any, clean_redis: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _articles(db, 30)
    assert requeue(db, Stage.extract, ids, batch_size=10, max_backlog=10, stall_s=0.5) == 30
    assert int(clean_redis.llen(QUEUE)) == 30
    assert "is a worker consuming it?" in capsys.readouterr().err
