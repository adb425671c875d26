"""Monitoring through the real stack: a worker subprocess runs the replay corpus and Flower 2.x, started
the way compose starts it (`workers.tasks.layout.flower_args`, basic auth), sees every task with its
arguments, and the fetch of the replay's dead link as a FAILURE with its reason.

Flower learns about tasks only from events it receives while running, so it is up (and receiving the
worker's heartbeats) before the first task is sent.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration._procs import Proc, child_env, free_port, worker_process
from tests.support.services import ROOT, wait_until
from workers.cli.demo_cmd import import_replay_feeds
from workers.devtools.replay import load_manifest
from workers.tasks.layout import flower_args
from workers.taskspec import ANALYSE_ARTICLES, FEEDS_QUEUE, FETCH_ARTICLES, POLL_DUE_FEEDS, POLL_FEED

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

MANIFEST, _ = load_manifest(ROOT / "seeds" / "replay")
AUTH = ("silkwire", "flower-test-pass")
OUR_TASKS = (POLL_DUE_FEEDS, POLL_FEED, FETCH_ARTICLES, ANALYSE_ARTICLES)
BATCH_TASKS = (FETCH_ARTICLES, ANALYSE_ARTICLES)


def _get(base: str, path: str, auth: tuple[str, str] | None = AUTH, **params: Any) -> httpx.Response:
    return httpx.get(base + path, auth=auth, params=params, timeout=10)


def _up(base: str, flower: Proc) -> bool:
    assert flower.alive, f"flower exited:\n{flower.log_tail()}"
    try:
        return _get(base, "/healthcheck", auth=None).status_code == 200
    except httpx.HTTPError:
        return False


def _metric_lines(base: str, prefix: str) -> list[str]:
    return [line for line in _get(base, "/metrics", auth=None).text.splitlines() if line.startswith(prefix)]


def _worker_online(base: str, name: str) -> bool:
    # Set from the worker's heartbeat events: proves Flower's event receiver hears our broker prefix.
    return any(f'worker="{name}"' in line and not line.rstrip().endswith(" 0.0")
               for line in _metric_lines(base, "flower_worker_online"))


def _drained(db: Any, feeds: int) -> bool:
    row = db.execute(
        "SELECT (SELECT count(DISTINCT feed_id) FROM feed_fetches) AS polled,"
        " (SELECT count(*) FROM articles) AS articles,"
        " (SELECT count(*) FROM articles WHERE state IN ('queued', 'pending')) AS waiting").fetchone()
    return row["polled"] >= feeds and row["articles"] > 0 and row["waiting"] == 0


def _tasks(base: str) -> dict[str, dict[str, Any]]:
    response = _get(base, "/api/tasks")
    response.raise_for_status()
    return {t["uuid"]: t for t in response.json().values() if t.get("name") in OUR_TASKS}


def _args(task: dict[str, Any]) -> tuple[Any, ...]:
    # Flower shows args as the worker's repr of them: "[3]" or "(3,)".
    return tuple(ast.literal_eval(task["args"])) if task.get("args") else ()


def _batch_outcomes(task: dict[str, Any]) -> dict[str, list[int]]:
    """A batch's ids by outcome: its result, or for a FAILURE (an article failed for good) the answer its
    exception carries after the reasons ("article 9: PermanentError: ... (outcomes: {...})")."""
    if task["state"] == "SUCCESS":
        return dict(ast.literal_eval(task["result"]))
    found = re.search(r"\(outcomes: (\{.*\})\)", task.get("exception") or "")
    assert found, task
    return dict(ast.literal_eval(found[1]))


def _work_done(tasks: dict[str, dict[str, Any]]) -> Counter[tuple[str, Any]]:
    """(task name, article or feed id) of every piece of work a task did: not a requeue, not a skip.

    A batch task answers its ids by outcome ({'stored': [4, 5], 'requeued': [6, 7]}); a poll answers
    for the feed id it was given."""
    done: Counter[tuple[str, Any]] = Counter()
    for t in tasks.values():
        if t["state"] not in ("SUCCESS", "FAILURE"):
            continue
        if t["name"] in BATCH_TASKS:
            outcomes = _batch_outcomes(t)
            for outcome, ids in outcomes.items():
                if outcome not in ("requeued", "skipped"):
                    done.update((t["name"], i) for i in ids)
            continue
        result = str(t.get("result"))
        if "'requeued_s'" not in result and "'skipped'" not in result:
            args = _args(t)
            done[(t["name"], args[0] if args else None)] += 1
    return done


def test_flower_sees_the_whole_pipeline(db: Any, clean_redis: Any, replay: Any, tmp_path: Path) -> None:
    from workers.tasks.app import app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    flower = Proc([sys.executable, "-m", "celery", *flower_args(), "--address=127.0.0.1",
                   f"--port={port}", f"--basic-auth={AUTH[0]}:{AUTH[1]}"],
                  child_env(), tmp_path / "flower.log")
    try:
        # Given Flower up and hearing a real worker subprocess on this session's broker prefix
        assert wait_until(lambda: _up(base, flower), timeout_s=60, interval_s=0.5), flower.log_tail()
        with worker_process(tmp_path, queues="feeds,fetch,nlp,reprocess", concurrency=2, extra=("-E",)) as worker:
            assert wait_until(lambda: _worker_online(base, worker.name) or not worker.alive,
                              timeout_s=120, interval_s=1), f"worker never seen by Flower:\n{flower.log_tail()}"
            assert worker.alive, worker.log_tail()

            # When the replay feeds are imported and beat's tick is sent
            feeds = import_replay_feeds(db, replay)
            app.send_task(POLL_DUE_FEEDS, queue=FEEDS_QUEUE)
            assert wait_until(lambda: _drained(db, feeds), timeout_s=180, interval_s=1), worker.log_tail()
            assert worker.alive, worker.log_tail()

            feed_ids = {r["id"] for r in db.execute("SELECT id FROM feeds").fetchall()}
            article_ids = {r["id"] for r in db.execute("SELECT id FROM articles").fetchall()}
            fetched_ids = {r["article_id"] for r in db.execute("SELECT article_id FROM raw_pages").fetchall()}
            done_ids = {r["id"] for r in db.execute("SELECT id FROM articles WHERE state = 'done'").fetchall()}
            dead_ids = {r["id"] for r in db.execute("SELECT id FROM articles WHERE state = 'failed'").fetchall()}
            assert done_ids and fetched_ids >= done_ids and article_ids > fetched_ids  # the 404 link is not fetched
            expected = {POLL_DUE_FEEDS: {None}, POLL_FEED: feed_ids,
                        FETCH_ARTICLES: article_ids, ANALYSE_ARTICLES: fetched_ids}
            # each piece of work exactly once: one poll per feed, one fetch per article, one analysis per page
            want = Counter({(name, arg): 1 for name, args in expected.items() for arg in args})

            # Expect Flower's task list to show every piece of work, succeeded, named by its id
            seen: Counter[tuple[str, Any]] = Counter()

            def flower_caught_up() -> bool:
                nonlocal seen
                seen = _work_done(_tasks(base))
                return seen == want

            assert wait_until(flower_caught_up, timeout_s=60, interval_s=1), (seen, want)
            tasks = _tasks(base)
            by_name = Counter(t["name"] for t in tasks.values())
            states = Counter((t["name"], t["state"]) for t in tasks.values())
            # Every task that was sent also finished: nothing stuck in RECEIVED/STARTED. The one failure is the
            # fetch batch holding the dead link, failed for good with its article and reason; the rest of its
            # batch was stored all the same (counted in `seen` above).
            failed = [t for t in tasks.values() if t["state"] == "FAILURE"]
            assert states[(FETCH_ARTICLES, "FAILURE")] == len(failed) == len(dead_ids) == 1, states
            assert all(state in ("SUCCESS", "FAILURE") for (_, state) in states), states
            (dead,) = dead_ids
            assert dead in _args(failed[0])[0], failed[0]
            reason = failed[0]["exception"]
            assert re.search(rf"FailedForGood\(.*article {dead}: PermanentError: .*404", reason), failed[0]
            # The task list shows each task's ids, answer and failure by default (layout.FLOWER_TASKS_COLUMNS).
            page = _get(base, "/tasks").text
            shown = re.findall(r'<th data-column="([a-z_]+)"', page)
            assert {"args", "result", "exception"} <= set(shown), shown
            assert {t.get("worker") for t in tasks.values()} == {worker.name}
            print(f"\nflower: {dict(by_name)}; feeds {len(feed_ids)}, articles {len(article_ids)}, "
                  f"fetched {len(fetched_ids)}, analysed {len(done_ids)}")

            workers = _get(base, "/api/workers", refresh="1")
            assert workers.status_code == 200
            assert worker.name in workers.json()

            events = _metric_lines(base, "flower_events_total")
            for name in OUR_TASKS:
                finished = sum(float(line.rsplit(" ", 1)[1]) for line in events if f'task="{name}"' in line
                               and ('type="task-succeeded"' in line or 'type="task-failed"' in line))
                # one finish event per task Flower lists (each listed task ended above); a batch holds several
                # items, so the count of items is no bound here, the count of tasks is
                assert finished >= by_name[name] > 0, (name, by_name, events)

            assert _get(base, "/healthcheck", auth=None).text.strip() == "OK"
            assert _get(base, "/api/tasks", auth=None).status_code == 401
            assert _get(base, "/api/tasks", auth=(AUTH[0], "wrong")).status_code == 401
            assert worker.alive, worker.log_tail()
    finally:
        flower.stop()
