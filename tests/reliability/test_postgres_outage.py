"""PostgreSQL unreachable for 20 s in the middle of a batch: tasks retry with backoff (INFRA_RETRY) and
everything completes. A TCP proxy stands between the workers and the real server and cuts it off;
the machine's cluster is never stopped."""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg.conninfo
import pytest

from tests.reliability.corpus import CorpusServer
from tests.reliability.proxy import FlakyProxy
from tests.support.reliability import (
    WorkerPool,
    duplicate_report,
    import_feeds,
    report,
    table_counts,
    wait_for,
    worker_env,
)
from tests.support.settings import SETTINGS
from workers.taskspec import POLL_DUE_FEEDS

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.timeout(300)]

OUTAGE_S = float(os.environ.get("SILKWIRE_REL_PG_OUTAGE_S", "20"))


def test_postgres_gone_for_20s_mid_batch_everything_completes(db: Any, workers: WorkerPool,
                                                             outage_corpus: CorpusServer) -> None:
    from workers.tasks.app import app

    n = len(outage_corpus.pages)
    with FlakyProxy(5432) as proxy:
        dsn = psycopg.conninfo.make_conninfo(SETTINGS.database_url, port=proxy.port)
        env = worker_env(SILKWIRE_DATABASE_URL=dsn)
        io = workers.start("io", "feeds,fetch", env, concurrency=4, loglevel="INFO")
        nlp = workers.start("nlp", "nlp", env, concurrency=2, loglevel="INFO")
        io.wait_children(4)
        nlp.wait_children(2)
        import_feeds(db, outage_corpus)
        started = time.monotonic()
        app.send_task(POLL_DUE_FEEDS, queue="feeds")

        # When PostgreSQL disappears (connections dropped, new ones reset) a quarter of the way through
        before = wait_for(db, lambda p: p["done"] >= n // 4, 180)
        proxy.down()
        t_down = time.monotonic()
        time.sleep(OUTAGE_S)
        during = wait_for(db, lambda p: True, 1)
        proxy.up()
        t_up = time.monotonic()

        # Expect every article to complete once it is back
        p = wait_for(db, lambda p: p["done"] + p["failed"] >= n and p["waiting"] == 0, 240)
        recovered_s = time.monotonic() - t_up
        total_s = time.monotonic() - started
    retries = io.log_count("Retry in") + nlp.log_count("Retry in")
    dups = duplicate_report(db)
    counts = table_counts(db)
    report("postgres_outage", {
        "n_in": n, "n_out_done": p["done"], "failed": p["failed"], "outage_s": round(t_up - t_down, 1),
        "done_at_outage_start": before["done"], "done_at_outage_end": during["done"],
        "connections_refused_during_outage": proxy.refused, "task_retries_logged": retries,
        "seconds_to_finish_after_restore": round(recovered_s, 1), "total_s": round(total_s, 1),
        "duplicates": dups, "rows": counts,
    })
    assert p["done"] == n and p["failed"] == 0, db.execute(
        "SELECT id, state, last_error FROM articles WHERE state <> 'done' LIMIT 5").fetchall()
    assert set(dups.values()) == {0}, dups
    assert counts["raw_pages"] == counts["documents"] == counts["extractions"] == n
    # the outage was real: workers were refused and tasks went through retries
    assert proxy.refused > 0 and retries > 0
