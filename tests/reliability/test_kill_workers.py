"""kill -9 in the middle of a batch: a pool child, then a whole worker (main process).

A killed child's message comes back at once (acks_late + reject_on_worker_lost); a killed main
process leaves its reserved messages unacked in Redis, and they come back when the visibility timeout
(short here: 45 s) expires and a live worker's restore scan runs. The sweeper is not run, so the
broker alone recovers the work. Then: exactly N analysed articles and no duplicate rows.
"""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

import pytest

from tests.reliability.corpus import CorpusServer
from tests.support.reliability import (
    Worker,
    WorkerPool,
    alive,
    duplicate_report,
    import_feeds,
    in_flight,
    progress,
    report,
    table_counts,
    wait_for,
    worker_env,
    working_child,
)
from tests.support.settings import SETTINGS
from workers.taskspec import ANALYSE_ARTICLE, ANALYSE_ARTICLES, POLL_DUE_FEEDS

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.timeout(360)]

VISIBILITY_S = 30
FAST_DELIVERY = {
    # visibility > hard limit + countdown cap: (30 - 12) // 2 = 9 s cap, politeness waits ≤ 5 s
    "SILKWIRE_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S),
    "SILKWIRE_TASK_SOFT_LIMIT_S": "10",
    "SILKWIRE_TASK_HARD_LIMIT_S": "12",
    "SILKWIRE_POLITENESS_REQUEUE_MAX_S": "5",
}


ANALYSIS = (ANALYSE_ARTICLES, ANALYSE_ARTICLE)  # a poll's batches; single retries


def _unacked(redis_client: Any, tasks: tuple[str, ...]) -> list[str]:
    """Delivery tags of messages for `tasks` delivered and not acknowledged (kombu's unacked hash)."""
    key = SETTINGS.key_prefix + "unacked"
    return sorted(tag.decode() for tag, raw in redis_client.hgetall(key).items()
                  if json.loads(raw)[0]["headers"]["task"] in tasks)


def _kill_child_mid_task(db: Any, nlp: Worker, n: int, tries: int = 5) -> tuple[int, list[int], float]:
    """SIGKILL an NLP pool child while it runs a task, until the worker reports the lost task.

    A child can finish its task between being seen running and the kill; killed idle, it loses
    nothing and the pool just replaces it, so pick another (CI caught one such miss)."""
    for _ in range(tries):
        victim = working_child(nlp.children())
        assert victim is not None, f"no NLP child ran a task within 10 s: {progress(db)}"
        child_inflight = in_flight(db)
        t_child = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        try:
            wait_for(db, lambda p: nlp.log_count("WorkerLostError") > 0, 5)
            return victim, child_inflight, t_child
        except TimeoutError:
            assert progress(db)["done"] < n, "the batch finished before a child could be killed mid-task"
            nlp.wait_children(2)
    raise AssertionError(f"{tries} children killed while running, and no WorkerLostError: {nlp.log_tail()}")


def test_kill_pool_child_and_worker_mid_batch_loses_and_duplicates_nothing(
        db: Any, workers: WorkerPool, corpus: CorpusServer, clean_redis: Any) -> None:
    from workers.tasks.app import app

    n = len(corpus.pages)
    env = worker_env(**FAST_DELIVERY)
    io = workers.start("io", "feeds,fetch", env, concurrency=4)
    nlp = workers.start("nlp", "nlp", env, concurrency=2)
    io.wait_children(4)
    nlp.wait_children(2)
    import_feeds(db, corpus)
    started = time.monotonic()
    app.send_task(POLL_DUE_FEEDS, queue="feeds")

    # When a pool child is killed while analysing, a quarter of the way through
    wait_for(db, lambda p: p["done"] >= n // 4 and p["analysing"] > 0, 180)
    victim, child_inflight, t_child = _kill_child_mid_task(db, nlp, n)
    replacement = [c for c in nlp.wait_children(2) if c != victim]
    child_done_at: dict[str, float] = {}

    def note_child_work() -> None:
        # the requeued message goes to the back of the queue (kombu restores it leftmost; BRPOP takes right)
        if "t" not in child_done_at and all(r["state"] == "done" for r in db.execute(
                "SELECT state FROM articles WHERE id = ANY(%s)", (child_inflight,))):
            child_done_at["t"] = time.monotonic() - t_child

    # When the whole NLP worker is killed (main process, SIGKILL) past the half, and a new one started
    wait_for(db, lambda p: p["done"] >= n // 2 and p["analysing"] > 0, 180, on_tick=note_child_work)
    t_main = time.monotonic()
    replacement_alive = [pid for pid in replacement if alive(pid) and pid in nlp.children()]
    orphans = nlp.kill_main()
    time.sleep(0.5)
    orphans_alive = [pid for pid in orphans if alive(pid)]
    main_inflight = in_flight(db)
    abandoned = _unacked(clean_redis, ANALYSIS)
    nlp2 = workers.start("nlp2", "nlp", env, concurrency=2)

    # Expect everything else to finish first, then the abandoned messages back after the visibility timeout
    p = wait_for(db, lambda p: p["done"] + p["failed"] >= n and p["waiting"] == 0, 240, on_tick=note_child_work)
    note_child_work()
    recover_s = time.monotonic() - t_main
    total_s = time.monotonic() - started
    last_done = db.execute("SELECT max(updated_at) - min(updated_at) AS span FROM articles").fetchone()["span"]
    dups = duplicate_report(db)
    counts = table_counts(db)
    lost_logged = nlp.log_count("WorkerLostError") + nlp2.log_count("WorkerLostError")
    report("kill_workers", {
        "n_in": n, "n_out_done": p["done"], "failed": p["failed"], "duplicates": dups, "rows": counts,
        "child_killed_attempted_not_stored": child_inflight, "children_after_kill": replacement,
        "child_in_flight_done_after_s": round(child_done_at.get("t", -1), 1), "worker_lost_errors_logged": lost_logged,
        "main_killed_attempted_not_stored": main_inflight,
        "abandoned_unacked_analyse_deliveries": len(abandoned), "orphan_children_alive_after_0_5s": orphans_alive,
        "visibility_timeout_s": VISIBILITY_S, "seconds_to_recover_after_main_kill": round(recover_s, 1),
        "total_s": round(total_s, 1), "first_to_last_update": str(last_done),
        "recovered_by": "broker: reject_on_worker_lost (child), visibility timeout restore (main); no sweeper",
        "replacement_children_still_up_at_main_kill": replacement_alive,
        "children_killed_for_slow_start": nlp.log_count("Timed out waiting for UP"),
    })
    assert p["done"] == n and p["failed"] == 0
    assert counts["articles"] == counts["raw_pages"] == counts["documents"] == counts["extractions"] == n
    assert set(dups.values()) == {0}, dups
    # the replacement child started and stayed (no start-up timeout loop)
    assert replacement_alive and nlp.log_count("Timed out waiting for UP") == 0, nlp.log_tail()
    # the killed worker left deliveries unacked; with no sweeper, only the visibility-timeout restore
    # could bring them back, and it did: they are gone from the unacked index and every article is done
    assert abandoned, "the main process was killed holding no message: the test proved nothing"
    assert not set(abandoned) & set(_unacked(clean_redis, ANALYSIS))
