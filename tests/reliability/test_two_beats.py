"""Two beats ticking at once: two processes claim due feeds concurrently, many times a second, while
real workers poll. Each feed must be polled once per due time: consecutive polls of a feed are at
least its interval apart, and claims, feed_fetches rows and requests to the feed agree one to one."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.reliability.corpus import CorpusServer
from tests.support.reliability import WorkerPool, report, worker_env
from tests.support.services import ROOT

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.timeout(180)]

INTERVAL_S = 4
DURATION_S = float(os.environ.get("SILKWIRE_REL_BEATS_S", "16"))
TICKER = """
import sys, time
from workers.tasks.feeds import poll_due_feeds
end, claims, ticks = time.monotonic() + float(sys.argv[1]), 0, 0
while time.monotonic() < end:
    claims += poll_due_feeds()  # the task body, as a beat tick runs it: claim due feeds, send poll_feed
    ticks += 1
    time.sleep(0.02)
print(claims, ticks)
"""


def test_two_concurrent_beats_poll_each_feed_once_per_due_time(db: Any, workers: WorkerPool) -> None:
    env = worker_env(SILKWIRE_POLL_MIN_INTERVAL_S=str(INTERVAL_S), SILKWIRE_POLL_MAX_INTERVAL_S=str(INTERVAL_S),
                     SILKWIRE_POLL_JITTER_FRACTION="0")
    io = workers.start("io", "feeds", env, concurrency=4)
    io.wait_children(4)
    with CorpusServer(12, feeds=4) as server:
        src = db.execute("INSERT INTO sources (name) VALUES ('beats') RETURNING id").fetchone()["id"]
        for k, path in enumerate(server.feed_paths):
            db.execute("INSERT INTO feeds (source_id, name, url, kind, poll_interval_s) VALUES (%s, %s, %s, 'rss', %s)",
                       (src, f"beats-{k}", server.url(path), INTERVAL_S))
        tickers = [subprocess.Popen([sys.executable, "-c", TICKER, str(DURATION_S)], env=env, cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outs = [t.communicate(timeout=DURATION_S + 60) for t in tickers]
        assert all(t.returncode == 0 for t in tickers), [err.decode()[-2000:] for _, err in outs]
        claims, ticks = (sum(int(out.split()[i]) for out, _ in outs) for i in (0, 1))
        # every claimed poll has run
        deadline = time.monotonic() + 30
        while db.execute("SELECT count(*) AS n FROM feed_fetches").fetchone()["n"] < claims:
            assert time.monotonic() < deadline, "claimed polls never ran"
            time.sleep(0.2)
        time.sleep(1)
        rows = db.execute("SELECT f.url, ff.started_at FROM feed_fetches ff JOIN feeds f ON f.id = ff.feed_id"
                          " ORDER BY f.url, ff.started_at").fetchall()
        requests = {path: server.requests_for(path) for path in server.feed_paths}
    polls: dict[str, list[Any]] = {}
    for r in rows:
        polls.setdefault(r["url"].removeprefix(server.base_url), []).append(r["started_at"])
    gaps = [(b - a).total_seconds() for times in polls.values() for a, b in itertools.pairwise(times)]
    report("two_beats", {
        "beat_processes": 2, "ticks": ticks, "duration_s": DURATION_S, "interval_s": INTERVAL_S,
        "claims": claims, "feed_fetches": len(rows), "feed_requests": requests,
        "polls_per_feed": {k: len(v) for k, v in polls.items()},
        "min_gap_between_polls_s": round(min(gaps), 3) if gaps else None,
    })
    # Expect one poll per claim, one request per poll, never two polls of a feed within its interval
    assert ticks > 100 and len(rows) == claims
    assert requests == {path: len(polls.get(path, [])) for path in server.feed_paths}
    assert all(g >= INTERVAL_S for g in gaps), gaps
    # and each feed was due about DURATION_S / INTERVAL_S times, so polled about that often (not starved)
    assert all(len(v) >= DURATION_S // INTERVAL_S - 1 for v in polls.values()) and len(polls) == 4
