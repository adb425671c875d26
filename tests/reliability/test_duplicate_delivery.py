"""At-least-once delivery made safe: the same fetch_article / analyse_article message delivered 5 times,
concurrently, to real prefork workers, leaves exactly one result per article."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.reliability.corpus import CorpusServer
from tests.support.reliability import (
    WorkerPool,
    duplicate_report,
    report,
    table_counts,
    wait_for,
    worker_env,
)
from tests.support.settings import SETTINGS
from workers.taskspec import ANALYSE_ARTICLE, FETCH_ARTICLE

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.timeout(240)]

COPIES = 5
N = 16


def _queues_drained(redis_client: Any) -> bool:
    prefix = SETTINGS.key_prefix
    waiting = sum(redis_client.llen(f"{prefix}{q}") for q in ("fetch", "nlp", "feeds"))
    return waiting == 0 and redis_client.hlen(f"{prefix}unacked") == 0


def _drain(db: Any, redis_client: Any, timeout_s: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    p = wait_for(db, lambda p: p["waiting"] == 0, timeout_s)
    while not _queues_drained(redis_client):
        assert time.monotonic() < deadline, "duplicate messages were never consumed"
        time.sleep(0.2)
    return p


def test_same_message_five_times_concurrently_stores_one_result(db: Any, workers: WorkerPool,
                                                                  clean_redis: Any) -> None:
    from workers.tasks.app import app

    env = worker_env()
    io = workers.start("io", "fetch", env, concurrency=4)
    nlp = workers.start("nlp", "nlp", env, concurrency=2, loglevel="INFO")
    io.wait_children(4)
    nlp.wait_children(2)
    with CorpusServer(N, feeds=1) as server:
        ids = [db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch', 'queued', now())"
                          " RETURNING id", (server.url(p.path),)).fetchone()["id"] for p in server.pages]

        # When every fetch message is published 5 times back to back (copies run side by side), and a
        # page's second and later GETs are slow (a copy that began before the first one committed ends late)
        server.repeat_delay_s = 1.5
        started = time.monotonic()
        for article_id in ids:
            for _ in range(COPIES):
                app.send_task(FETCH_ARTICLE, args=[article_id], queue="fetch")
        p = _drain(db, clean_redis, 150)
        fetch_s = time.monotonic() - started
        after_fetch = table_counts(db)
        fetch_dups = duplicate_report(db)
        page_gets = [server.requests_for(page.path) for page in server.pages]
        analyses_fetch_phase = nlp.log_count("'relevant'")

        # When every article is put back before analysis and analyse_article is published 5 times each
        db.execute("UPDATE articles SET stage = 'analyse', state = 'queued', attempts = 0 WHERE id = ANY(%s)",
                   (ids,))
        for article_id in ids:
            for _ in range(COPIES):
                app.send_task(ANALYSE_ARTICLE, args=[article_id], queue="nlp")
        p = _drain(db, clean_redis, 150)
        after_analyse = table_counts(db)
        analyse_dups = duplicate_report(db)

    errors = io.log_count("ERROR") + nlp.log_count("ERROR")
    report("duplicate_delivery", {
        "articles": N, "copies": COPIES, "done": p["done"], "failed": p["failed"],
        "fetch_phase_s": round(fetch_s, 1), "page_gets_min_max": [min(page_gets), max(page_gets)],
        "rows_after_fetch_phase": after_fetch, "rows_after_analyse_phase": after_analyse,
        "duplicates_fetch_phase": fetch_dups, "duplicates_analyse_phase": analyse_dups,
        "worker_error_lines": errors, "analyses_run_in_fetch_phase": analyses_fetch_phase,
    })
    # Expect one result per article after each phase, and the re-analysis replacing, not adding
    assert p["done"] == N and p["failed"] == 0
    assert after_fetch["raw_pages"] == after_fetch["documents"] == after_fetch["extractions"] == N
    assert set(fetch_dups.values()) == {0}, fetch_dups
    # a late copy of the fetch never sends an analysed article back to analysis
    assert analyses_fetch_phase == N
    assert set(analyse_dups.values()) == {0}, analyse_dups
    assert after_analyse == after_fetch
    assert errors == 0, io.log_tail() + nlp.log_tail()
