"""End to end: analysis sends each article to linking (silkwire.link_article) through the real queue, and the
registry the workers build is the one `registry rebuild` computes from the stored extractions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.integration.registry_data import snapshot
from tests.support.services import wait_until
from workers.cli.demo_cmd import import_replay_feeds
from workers.db import QUERIES
from workers.db.registry import rebuild
from workers.taskspec import LINK_ARTICLE

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _settled(db: Any) -> bool:
    waiting = db.execute("SELECT count(*) AS n FROM articles WHERE state IN ('queued', 'pending')").fetchone()["n"]
    polled = db.execute("SELECT count(*) AS n FROM feeds WHERE last_polled_at IS NULL").fetchone()["n"] == 0
    return polled and waiting == 0 and db.execute(QUERIES["registry_unlinked"]).fetchone()["unlinked"] == 0


def test_the_replay_corpus_is_linked_as_it_is_analysed(db: Any, celery_worker: Any, replay: Any) -> None:
    from workers.tasks.feeds import poll_due_feeds

    # Given the replay feeds; when beat ticks once and the worker drains (linking included)
    import_replay_feeds(db, replay)
    poll_due_feeds.delay()
    assert wait_until(lambda: _settled(db), timeout_s=180), "pipeline or linking did not finish"
    # Expect every in-scope mention reported by one canonical record, fewer records than mentions where
    # outlets report one event, and exactly what a rebuild computes
    counts = db.execute(QUERIES["registry_counts"]).fetchone()
    mentions = db.execute("SELECT count(*) AS n FROM events e JOIN extractions x USING (article_id)"
                          " WHERE x.relevant AND e.countries && ARRAY['KZ', 'CN']").fetchone()["n"]
    assert counts["event_reports"] == mentions > 0
    assert 0 < counts["canonical_events"] <= mentions
    assert counts["canonical_agreements"] > 0
    before = snapshot(db)
    with db.transaction():
        rebuild(db)
    assert snapshot(db) == before


def test_linking_follows_the_article_on_its_lane(db: Any, clean_redis: Any) -> None:
    from tests.integration.registry_data import add_report, result
    from tests.integration.test_lanes import messages
    from workers.tasks.articles import _link

    live = add_report(db, 1, date(2026, 10, 20), result())
    again = add_report(db, 2, date(2026, 10, 20), result())
    db.execute("UPDATE articles SET lane = 'reprocess' WHERE id = %s", (again,))
    _link(live)
    _link(again)
    assert messages(clean_redis, "nlp") == [(LINK_ARTICLE, [live])]
    assert messages(clean_redis, "reprocess") == [(LINK_ARTICLE, [again])]


def test_the_sweep_sends_articles_whose_linking_was_lost(db: Any, clean_redis: Any) -> None:
    from tests.integration.registry_data import add_report, event, restore, result
    from tests.integration.test_lanes import messages
    from workers.db.registry import link_article
    from workers.tasks.registry import sweep_unlinked

    # Given one article analysed long ago and never linked, one linked, one analysed just now
    lost = add_report(db, 1, date(2026, 12, 20), result([event("visit")]))  # another visit: linked on its own
    linked = add_report(db, 2, date(2026, 10, 20), result([event("visit")]))
    recent = add_report(db, 3, date(2026, 10, 20), result([event("talks")]))
    with db.transaction():
        link_article(db, linked)
    db.execute("UPDATE extractions SET extracted_at = now() - interval '2 hours' WHERE article_id <> %s", (recent,))
    # When the sweep runs, expect only the lost one sent to linking
    assert sweep_unlinked.run() == 1
    assert messages(clean_redis, "nlp") == [(LINK_ARTICLE, [lost])]
    # and, once linking ran, nothing more; a re-extraction whose linking was lost is found by its stale report
    with db.transaction():
        link_article(db, lost)
    assert sweep_unlinked.run() == 0
    restore(db, linked, result([event("talks")]))
    db.execute("UPDATE extractions SET extracted_at = now() - interval '2 hours' WHERE article_id = %s", (linked,))
    assert sweep_unlinked.run() == 1
