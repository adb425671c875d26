"""The registry under real workers: two worker processes linking every report of one visit at once (each
message delivered twice) make one canonical event, the same registry a rebuild computes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.integration._procs import worker_process
from tests.integration.registry_data import add_report, event, memo, result, snapshot
from tests.support.services import wait_until
from workers.db.registry import rebuild
from workers.taskspec import LINK_ARTICLE

pytestmark = pytest.mark.integration

OUTLETS = ("Акорда", "Степной вестник", "Шёлковый путь", "Деловой Казахстан", "Казинформ", "Синьхуа")


def _waiting_on_locks(database: str) -> int:
    with psycopg.connect(database, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND wait_event_type = 'Lock'").fetchone()
    return int(row[0]) if row else 0


def test_two_workers_linking_one_visit_at_once_make_one_event(db: Any, database: str, clean_redis: Any,
                                                              tmp_path: Path) -> None:
    from workers.tasks.app import app

    # Given eight analysed reports of one visit (and its memorandum), none linked yet
    ids = [add_report(db, i, date(2026, 10, 20 + i % 2), result(
        [event("visit"), event("talks")], [memo("signed")]), outlet=OUTLETS[i % len(OUTLETS)]) for i in range(8)]
    queue = f"{app.conf.broker_transport_options['global_keyprefix']}nlp"
    with worker_process(tmp_path, queues="nlp", concurrency=2) as one, \
            worker_process(tmp_path, queues="nlp", concurrency=2) as two:
        # When four of them are linked at the same moment: a table lock held here stops each linker at its first
        # write, so all four have begun (and read the registry) before any of them writes
        with psycopg.connect(database) as blocker:
            blocker.execute("LOCK TABLE registry_events IN SHARE ROW EXCLUSIVE MODE")
            for article_id in ids[:4]:
                app.send_task(LINK_ARTICLE, args=(article_id,), queue="nlp")
            assert wait_until(lambda: _waiting_on_locks(database) >= 4 or not (one.alive and two.alive),
                              timeout_s=180), one.log_tail() + two.log_tail()
        # then the rest, and every one again (a redelivery)
        for article_id in ids[4:] + ids:
            app.send_task(LINK_ARTICLE, args=(article_id,), queue="nlp")
        linked = lambda: db.execute(  # noqa: E731
            "SELECT count(*) AS n FROM registry_event_reports").fetchone()["n"] == 2 * len(ids)
        assert wait_until(lambda: (clean_redis.llen(queue) == 0 and linked()) or not (one.alive and two.alive),
                          timeout_s=180), one.log_tail() + two.log_tail()
        assert one.alive and two.alive, one.log_tail() + two.log_tail()
    # (the workers stop warm: every task they had begun has finished)
    # Expect no task failed, one visit and one talks with every report, one memorandum, and what a rebuild computes
    logs = one.log_path.read_text(errors="replace") + two.log_path.read_text(errors="replace")
    assert "raised unexpected" not in logs and "Error" not in logs, logs[-4000:]
    registry = snapshot(db)
    assert sorted((e["type"], e["report_count"]) for e in registry["events"]) == [("talks", 8), ("visit", 8)]
    assert [a["report_count"] for a in registry["agreements"]] == [8]
    with db.transaction():
        rebuild(db)
    assert snapshot(db) == registry
