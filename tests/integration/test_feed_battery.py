"""Feedparser's own test battery (~2,100 hostile and odd feeds) polled through the real `silkwire.poll_feed`
task by a real worker subprocess: each feed is parsed or rejected with a recorded error, never a crash.

The worker consumes `feeds` only: the battery's entries link to example.org and the like, and their
`fetch_article` messages must wait in the queue, never reach the network (not even DNS).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.support.httpserver import Route, ScriptedServer
from tests.support.services import require_shared, wait_until
from workers.taskspec import POLL_FEED

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

FOLDERS = ("wellformed", "illformed", "encoding", "entities")
# feedparser's tests declare the HTTP headers they were served with in a comment ("Header: Content-type: ...").
_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)


def _battery_files() -> list[Path]:
    root = require_shared("data", "feedparser-tests", "tests")
    return sorted(p for folder in FOLDERS for p in (root / folder).rglob("*") if p.is_file())


def _route(body: bytes) -> Route:
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in _HEADER.findall(body[:2000])}
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/xml"
    return Route(body=body, headers=headers)


def _reason(error: str) -> str:
    # "PermanentError: not a feed: ..." -> "PermanentError: not a feed"; numbers and URLs vary per file.
    head = ":".join(error.split(":", 2)[:2])
    return re.sub(r"\d+", "N", re.sub(r"https?://\S+", "URL", head))[:90]


def test_every_battery_feed_is_parsed_or_rejected_through_the_real_task(
    db: Any, clean_redis: Any, tmp_path: Path
) -> None:
    from workers.tasks.app import app

    files = _battery_files()
    assert len(files) > 2000, f"expected feedparser's ~2,100 test feeds, found {len(files)}"
    root = files[0].parents[1]
    with ScriptedServer() as server:
        # Given every battery file served on 127.0.0.1 and registered as a due feed
        urls = {server.route("/" + p.relative_to(root).as_posix(), _route(p.read_bytes())): p for p in files}
        with db.transaction():
            source = db.execute("INSERT INTO sources (name) VALUES ('feedparser battery') RETURNING id").fetchone()
            with db.cursor() as cur:
                cur.executemany("INSERT INTO feeds (source_id, name, url, kind) VALUES (%s, %s, %s, 'rss')",
                                [(source["id"], f"battery {i}", url) for i, url in enumerate(urls)])
        feed_ids = [r["id"] for r in db.execute("SELECT id FROM feeds ORDER BY id").fetchall()]

        # When a feeds-only worker (no host delay: one local server plays 2,100 sites) polls each one
        with worker_process(tmp_path, queues="feeds", concurrency=4,
                            env={"SILKWIRE_HOST_MIN_DELAY_S": "0", "SILKWIRE_HOST_MAX_CONCURRENCY": "64"}) as worker:
            for feed_id in feed_ids:
                app.send_task(POLL_FEED, args=[feed_id], queue="feeds")

            def polled() -> int:
                return int(db.execute("SELECT count(DISTINCT feed_id) AS n FROM feed_fetches").fetchone()["n"])

            finished = wait_until(lambda: polled() == len(feed_ids) or not worker.alive, timeout_s=600, interval_s=2)
            assert worker.alive, f"the worker died:\n{worker.log_tail()}"
            assert finished, f"{polled()} of {len(feed_ids)} feeds polled:\n{worker.log_tail()}"
            log = worker.log_tail(10**7)

        # Expect each feed either parsed (a fetch row without error, entries counted) or rejected with its error
        rows = db.execute("""
            SELECT f.id, f.url, f.last_error, f.last_status, f.consecutive_errors,
                   count(x.id) AS polls, count(x.id) FILTER (WHERE x.error IS NOT NULL AND f.last_error IS NOT NULL)
                   AS failed_polls, max(x.entries) AS entries
            FROM feeds f JOIN feed_fetches x ON x.feed_id = f.id GROUP BY f.id ORDER BY f.id""").fetchall()
        assert len(rows) == len(feed_ids)
        counts: Counter[str] = Counter()
        for r in rows:
            assert r["polls"] == 1, (urls[r["url"]].name, r)  # exactly one poll each: no retry loops
            if r["last_error"] is None:
                assert r["last_status"] == 200 and r["entries"] is not None, (urls[r["url"]].name, r)
                counts["parsed"] += 1
            else:
                assert r["consecutive_errors"] == 1 and r["failed_polls"] == 1, (urls[r["url"]].name, r)
                counts["rejected: " + _reason(r["last_error"])] += 1
        # A task that raised instead of recording its outcome would leave this in the worker log.
        assert "raised unexpected" not in log, log[-4000:]
        assert all(req.path.startswith(tuple(f"/{f}/" for f in FOLDERS)) for req in server.requests)

        # and no article was fetched: every link waits at stage fetch, nothing stored from the network
        articles = db.execute("SELECT count(*) AS n, count(*) FILTER (WHERE stage = 'fetch' AND state = 'queued')"
                              " AS waiting FROM articles").fetchone()
        assert articles["n"] == articles["waiting"]
        assert db.execute("SELECT count(*) AS n FROM raw_pages").fetchone()["n"] == 0
        entries = db.execute("SELECT coalesce(sum(entries), 0) AS n FROM feed_fetches").fetchone()["n"]

    print(f"\nfeed battery through poll_feed: {len(rows)} feeds, {entries} entries, {articles['n']} new articles")
    for reason, n in counts.most_common():
        print(f"  {n:5d}  {reason}")
    assert counts["parsed"] > len(rows) // 2
