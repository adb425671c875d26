"""A hostile robots.txt and a page that outlasts the soft time limit, through the real `fetch_articles`
batch task on a real worker subprocess (issue 17, finding 2).

Both used to end the same wrong way: the article took the task's whole soft time limit on every
attempt, the batch was sent back each time (its neighbour with it), and the sweeper's count finally
called it "gave up after N attempts (worker lost)" though no worker was lost.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.integration.test_hostile_pages import article_html
from tests.support.httpserver import Route, ScriptedServer
from tests.support.services import wait_until
from workers.taskspec import FETCH_ARTICLES

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

HTML = {"Content-Type": "text/html; charset=utf-8"}
# A backtracking matcher needs C(40, 10) ≈ 8.5e8 steps for this pattern against 40 "a"s: minutes.
HOSTILE_ROBOTS = b"User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*b\nDisallow: /private/\n"
WORKER_ENV = {
    "SILKWIRE_TASK_SOFT_LIMIT_S": "3", "SILKWIRE_TASK_HARD_LIMIT_S": "30", "SILKWIRE_MAX_ATTEMPTS": "3",
    "SILKWIRE_VISIBILITY_TIMEOUT_S": "120", "SILKWIRE_HOST_MIN_DELAY_S": "0", "SILKWIRE_HOST_MAX_CONCURRENCY": "8",
    "SILKWIRE_READ_TIMEOUT_S": "25", "SILKWIRE_TOTAL_DEADLINE_S": "40",
}


def _articles(db: Any, urls: list[str]) -> list[int]:
    return [int(db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch', 'queued', now())"
                           " RETURNING id", (url,)).fetchone()["id"]) for url in urls]


def _rows(db: Any, ids: list[int]) -> list[dict[str, Any]]:
    rows = {r["id"]: r for r in db.execute(
        "SELECT id, stage, state, attempts, last_error FROM articles WHERE id = ANY(%s)", (ids,)).fetchall()}
    return [rows[i] for i in ids]


def _settled(db: Any, ids: list[int]) -> bool:
    return all(r["stage"] != "fetch" or r["state"] not in ("queued", "pending") for r in _rows(db, ids))


def test_hostile_robots_patterns_are_matched_in_linear_time(db: Any, clean_redis: Any, tmp_path: Path) -> None:
    from workers.tasks.app import app

    with ScriptedServer() as server:
        # Given a site whose robots.txt has a backtracking trap, a page it applies to and a plain page
        server.route("/robots.txt", Route(body=HOSTILE_ROBOTS, headers={"Content-Type": "text/plain"}))
        trap = server.route("/" + "a" * 40, Route(body=article_html("Заседание комитета"), headers=HTML))
        plain = server.route("/news/1", Route(body=article_html("Переговоры в Астане"), headers=HTML))
        private = server.route("/private/1", Route(body=article_html("Закрытая страница"), headers=HTML))
        ids = _articles(db, [trap, plain, private])
        with worker_process(tmp_path, queues="fetch", concurrency=1, env=WORKER_ENV) as worker:
            # When the three go out as one fetch batch
            sent = time.monotonic()
            app.send_task(FETCH_ARTICLES, args=[ids], queue="fetch")
            assert wait_until(lambda: _settled(db, ids) or not worker.alive, timeout_s=120), _rows(db, ids)
            took = time.monotonic() - sent
            assert worker.alive, worker.log_tail()
        trap_row, plain_row, private_row = _rows(db, ids)
        # Expect the trap page allowed (the pattern ends in "b") and fetched on its first attempt, within the
        # soft time limit the regex matcher spent on every attempt; the other two decided as robots.txt says.
        assert (trap_row["stage"], trap_row["state"], trap_row["attempts"]) == ("analyse", "queued", 0), trap_row
        assert trap_row["last_error"] is None
        assert (plain_row["stage"], plain_row["state"]) == ("analyse", "queued"), plain_row
        assert private_row["state"] == "skipped" and "robots.txt disallows" in private_row["last_error"]
        print(f"\nthree articles behind a hostile robots.txt settled in {took:.1f} s")


def test_a_spent_soft_time_limit_is_recorded_as_that(db: Any, clean_redis: Any, tmp_path: Path) -> None:
    from workers.tasks.app import app

    with ScriptedServer() as server:
        # Given a page that answers long after the soft time limit (within the network deadlines and the hard
        # limit; the margin is wide because a busy machine starts the soft-limit clock late) and a plain one
        slow = server.route("/slow", Route(body=article_html("Медленная страница"), headers=HTML, delay_s=15))
        plain = server.route("/plain", Route(body=article_html("Переговоры в Астане"), headers=HTML))
        ids = _articles(db, [slow, plain])
        with worker_process(tmp_path, queues="fetch", concurrency=1, env=WORKER_ENV) as worker:
            # When both go out as one fetch batch, the slow one first
            app.send_task(FETCH_ARTICLES, args=[ids], queue="fetch")
            assert wait_until(lambda: _settled(db, ids) or not worker.alive, timeout_s=120), _rows(db, ids)
            assert worker.alive, worker.log_tail()
        slow_row, plain_row = _rows(db, ids)
        # Expect the slow page failed once, for the soft time limit by name, and its neighbour fetched in the
        # same task (the hard limit leaves it time), never sent back with it
        assert slow_row["state"] == "failed", slow_row
        assert slow_row["attempts"] == 1, slow_row
        assert slow_row["last_error"].startswith("SoftTimeLimitExceeded: the soft time limit (3 s)"), slow_row
        assert "worker lost" not in slow_row["last_error"]
        assert (plain_row["stage"], plain_row["state"]) == ("analyse", "queued"), plain_row
        assert sum(1 for r in server.requests if r.path == "/plain") == 1
