"""A poison page: analysing it outlasts the hard time limit every time, so every attempt ends with the
pool child killed. The hard limit acks the message (Celery acks a timed-out acks_late task), so the
sweeper is what tries it again; the attempt counted in PostgreSQL before the work stops it after
max_attempts, failed, with the reason on the article. Pages around it are analysed normally.

The soft limit is switched off here (0): that stands in for work stuck in C code (a parser),
which a soft limit cannot interrupt. The page itself is ordinary: ~250 000 characters of text, which
the extractor needs ~15 s for on this machine, against a 3 s hard limit.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from html import escape
from typing import Any

import pytest

from tests.reliability.corpus import CorpusServer, _relevant_text
from tests.support.reliability import WorkerPool, report, wait_for, worker_env
from workers.taskspec import FETCH_ARTICLE, SWEEP_STUCK

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.timeout(240)]

MAX_ATTEMPTS = 3
HARD_LIMIT_S = 3


def _huge_page() -> bytes:
    day = datetime(2026, 11, 20, tzinfo=UTC)
    paras = [p for i in range(300) for p in _relevant_text(i, day)[1]]
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    return (f"<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Сводный отчёт за год</title>"
            f"</head><body><article><h1>Сводный отчёт за год</h1>{body}</article></body></html>").encode()


def test_page_past_the_hard_limit_stops_after_max_attempts(db: Any, workers: WorkerPool) -> None:
    from workers.tasks.app import app

    env = worker_env(SILKWIRE_TASK_HARD_LIMIT_S=str(HARD_LIMIT_S), SILKWIRE_TASK_SOFT_LIMIT_S="0",
                     SILKWIRE_VISIBILITY_TIMEOUT_S="30", SILKWIRE_POLITENESS_REQUEUE_MAX_S="5",
                     SILKWIRE_MAX_ATTEMPTS=str(MAX_ATTEMPTS), SILKWIRE_SWEEPER_STUCK_AFTER_S="6")
    io = workers.start("io", "feeds,fetch", env, concurrency=2)
    nlp = workers.start("nlp", "nlp", env, concurrency=2)
    io.wait_children(2)
    nlp.wait_children(2)
    with CorpusServer(8, feeds=1) as server:
        server.files["/press/ru/news/annual-report"] = ("text/html; charset=utf-8", _huge_page())
        urls = [server.url(p.path) for p in server.pages] + [server.url("/press/ru/news/annual-report")]
        ids = [db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch', 'queued', now())"
                          " RETURNING id", (u,)).fetchone()["id"] for u in urls]
        poison = ids[-1]
        started = time.monotonic()
        for article_id in ids:
            app.send_task(FETCH_ARTICLE, args=[article_id], queue="fetch")

        # When beat's sweeper runs (every 2 s here; stuck after 6 s, above the hard limit, so an attempt
        # still running is never sent again) until nothing is waiting
        sweeps = 0

        def sweep() -> None:
            nonlocal sweeps
            if time.monotonic() - started > 2 * (sweeps + 1):
                app.send_task(SWEEP_STUCK, queue="feeds")
                sweeps += 1

        p = wait_for(db, lambda p: p["waiting"] == 0, 180, on_tick=sweep)
        took = time.monotonic() - started
    row = db.execute("SELECT stage, state, attempts, last_error, last_error_stage FROM articles WHERE id = %s",
                     (poison,)).fetchone()
    kills = nlp.log_count("Hard time limit")
    report("poison", {
        "articles": len(ids), "done": p["done"], "failed": p["failed"], "poison_state": row["state"],
        "poison_stage": row["stage"], "poison_last_error": row["last_error"], "hard_limit_s": HARD_LIMIT_S,
        "max_attempts": MAX_ATTEMPTS, "hard_limit_kills_logged": kills, "sweeper_runs": sweeps,
        "seconds_until_given_up": round(took, 1),
    })
    # Expect the poison page failed at analysis with the attempts named, after exactly max_attempts kills
    assert row["state"] == "failed" and row["last_error_stage"] == "analyse"
    assert f"{MAX_ATTEMPTS} attempts" in row["last_error"]
    assert kills == MAX_ATTEMPTS, nlp.log_tail()
    # and every other page analysed
    assert p["done"] == len(ids) - 1 and p["failed"] == 1
    assert db.execute("SELECT count(*) AS n FROM extractions").fetchone()["n"] == len(ids) - 1
