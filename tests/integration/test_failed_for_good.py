"""A page that fails for good ends its task as FAILURE (what Flower counts), with the reason, acked once:
a real worker subprocess under acks_late, the article's failure stored, nothing left to redeliver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.support.httpserver import Route, ScriptedServer
from tests.support.services import wait_until
from workers.settings import get_settings
from workers.taskspec import FETCH_ARTICLE, FETCH_QUEUE

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_404_fails_the_fetch_task_for_good_and_is_acked_not_redelivered(db: Any, clean_redis: Any,
                                                                            tmp_path: Path) -> None:
    from workers.tasks.app import app

    prefix = get_settings().key_prefix
    with ScriptedServer() as server:
        url = server.route("/gone", Route(status=404, body=b"no such page"))
        article_id = int(db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch',"
                                    " 'queued', now()) RETURNING id", (url,)).fetchone()["id"])
        with worker_process(tmp_path, queues=FETCH_QUEUE, concurrency=1, extra=("--loglevel=INFO",)) as worker:
            # When the fetch of a page that 404s runs on a real worker
            app.send_task(FETCH_ARTICLE, args=[article_id], queue=FETCH_QUEUE)

            def state() -> str:
                return str(db.execute("SELECT state FROM articles WHERE id = %s", (article_id,)).fetchone()["state"])

            assert wait_until(lambda: state() == "failed" or not worker.alive, timeout_s=60), worker.log_tail()
            assert worker.alive, worker.log_tail()

            # Expect the task's message acked (nothing unacked, nothing queued), once
            def settled() -> bool:
                return (clean_redis.hlen(f"{prefix}unacked") == 0 and clean_redis.llen(f"{prefix}{FETCH_QUEUE}") == 0
                        and f"{FETCH_ARTICLE}[" in worker.log_tail(10**6))

            assert wait_until(settled, timeout_s=30), worker.log_tail()
            log = worker.log_tail(10**6)
            # ... and the task failed with its reason, as expected (FailedForGood in `throws`: no traceback)
            assert f"raised expected: FailedForGood('article {article_id}: PermanentError:" in log, log
            assert "404" in log and "Traceback" not in log, log
            assert [r.path for r in server.requests if r.path == "/gone"] == ["/gone"]  # once: no retry, no redelivery
    row = db.execute("SELECT attempts, last_error FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row["attempts"] == 1 and "404" in row["last_error"]
