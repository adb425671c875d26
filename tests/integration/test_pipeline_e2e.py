"""End to end through the real queue: replay feeds → poll → fetch → clean → extract → PostgreSQL.

A real Celery worker consumes the real Redis broker; pages come from the replay server on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.services import ROOT, wait_until
from workers.cli.demo_cmd import import_replay_feeds
from workers.devtools.replay import load_manifest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MANIFEST, _ = load_manifest(ROOT / "seeds" / "replay")


def _drained(db: Any, feeds: int, polls: int = 1) -> bool:
    row = db.execute(
        "SELECT (SELECT count(*) FROM feed_fetches) AS polls,"
        " (SELECT count(*) FROM articles WHERE state IN ('queued', 'pending')) AS waiting").fetchone()
    return row["polls"] >= feeds * polls and row["waiting"] == 0


def test_replay_corpus_lands_once_with_entities(db: Any, celery_worker: Any, replay: Any) -> None:
    from workers.tasks.feeds import poll_due_feeds, poll_feed

    # Given the replay feeds in the registry
    feeds = import_replay_feeds(db, replay)
    pages = {replay.url(p["path"]): p for p in MANIFEST["page"] if p.get("feed")}
    missing = {replay.url(m["path"]) for m in MANIFEST["missing"]}

    # When beat ticks once and the worker drains
    poll_due_feeds.delay()
    assert wait_until(lambda: _drained(db, feeds), timeout_s=180), "pipeline did not drain"

    # Expect every linked page exactly once (the utm/#fragment duplicate folded), the dead link failed
    rows = {r["url"]: r for r in db.execute("SELECT * FROM articles").fetchall()}
    assert set(rows) == set(pages) | missing
    for url in missing:
        assert rows[url]["state"] == "failed" and rows[url]["last_error_stage"] == "fetch"
        assert "404" in rows[url]["last_error"]
    for url in pages:
        assert rows[url]["state"] == "done", (url, rows[url]["last_error"])
    analysed = db.execute(
        "SELECT a.url, e.relevant, e.extractor_version, d.text, d.language, d.published,"
        " (SELECT count(*) FROM entities n WHERE n.article_id = a.id AND n.kind = 'person') AS persons"
        " FROM articles a JOIN extractions e ON e.article_id = a.id JOIN documents d ON d.article_id = a.id"
    ).fetchall()
    assert len(analysed) == len(pages)
    for row in analysed:
        page = pages[row["url"]]
        assert row["language"] == "ru"
        assert "\ufffd" not in row["text"]  # the windows-1251 and KOI8-R pages decoded, not replaced
        assert row["relevant"] is page["relevant"], page["path"]
        assert row["published"].isoformat() == page["published"], page["path"]
    assert sum(r["persons"] for r in analysed) > 0
    # the feeds that list an article are recorded, the duplicate link included
    links = db.execute("SELECT count(*) AS n FROM article_feeds").fetchone()["n"]
    assert links == len(rows)

    # When every feed is polled again
    before = len(replay.request_log)
    for f in db.execute("SELECT id FROM feeds").fetchall():
        poll_feed.delay(f["id"])
    assert wait_until(lambda: _drained(db, feeds, polls=2), timeout_s=60)

    # Expect conditional requests only and no new rows
    again = replay.request_log[before:]
    assert len(again) == feeds
    assert all("If-None-Match" in headers or "if-none-match" in headers for _, _, _, headers in again)
    assert db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"] == len(rows)
    statuses = [r["http_status"] for r in db.execute(
        "SELECT http_status FROM feed_fetches ORDER BY id DESC LIMIT %s", (feeds,)).fetchall()]
    assert statuses == [304] * feeds
