"""Re-processing stays on its lane from stage to stage, and the sweeper re-sends exactly the waiting task."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.services import ROOT
from tests.support.settings import SETTINGS
from workers.devtools.replay import load_manifest
from workers.taskspec import ANALYSE_ARTICLE, EXTRACT_ARTICLE, FETCH_ARTICLE

pytestmark = pytest.mark.integration

PREFIX = SETTINGS.key_prefix


def messages(redis_client: Any, queue: str) -> list[tuple[str, list[Any]]]:
    out = []
    for raw in redis_client.lrange(f"{PREFIX}{queue}", 0, -1):
        m = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(m["body"]))
        out.append((m["headers"]["task"], args))
    return out


@pytest.fixture
def page_url(replay: Any) -> str:
    manifest, _ = load_manifest(ROOT / "seeds" / "replay")
    return str(replay.url(manifest["page"][0]["path"]))


def test_a_refetch_on_the_reprocess_lane_sends_its_analysis_there_too(
        db: Any, clean_redis: Any, page_url: str) -> None:
    from workers.tasks.articles import fetch_article

    article_id = db.execute(
        "INSERT INTO articles (url, stage, state, lane, next_task, queued_at)"
        " VALUES (%s, 'fetch', 'queued', 'reprocess', 'silkwire.fetch_article', now()) RETURNING id",
        (page_url,)).fetchone()["id"]
    result = fetch_article.run(article_id)
    assert result.get("status") == 200, result
    assert messages(clean_redis, "reprocess") == [(ANALYSE_ARTICLE, [article_id])]
    assert messages(clean_redis, "nlp") == []
    row = db.execute("SELECT stage, next_task FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row == {"stage": "analyse", "next_task": ANALYSE_ARTICLE}


def test_sweeper_resends_the_waiting_task_on_its_lane(db: Any, clean_redis: Any) -> None:
    from workers.tasks.sweeper import sweep_stuck

    rows = [("https://a.kz/1", "fetch", FETCH_ARTICLE, "live"),
            ("https://a.kz/2", "analyse", EXTRACT_ARTICLE, "reprocess"),
            ("https://a.kz/3", "analyse", ANALYSE_ARTICLE, "live")]
    ids = [db.execute(
        "INSERT INTO articles (url, stage, state, next_task, lane, queued_at)"
        " VALUES (%s, %s, 'queued', %s, %s, now() - interval '2 hours') RETURNING id", row).fetchone()["id"]
        for row in rows]
    fresh = db.execute("INSERT INTO articles (url, state, queued_at) VALUES ('https://a.kz/4', 'queued', now())"
                       " RETURNING id").fetchone()["id"]
    assert sweep_stuck.run() == 3
    assert messages(clean_redis, "fetch") == [(FETCH_ARTICLE, [ids[0]])]
    assert messages(clean_redis, "reprocess") == [(EXTRACT_ARTICLE, [ids[1]])]
    assert messages(clean_redis, "nlp") == [(ANALYSE_ARTICLE, [ids[2]])]
    assert fresh not in [a[0] for _, a in messages(clean_redis, "fetch")]
    assert sweep_stuck.run() == 0  # re-claimed: not sent again on the next tick


def test_enqueue_many_sends_every_message_on_its_lane_in_order(clean_redis: Any) -> None:
    from workers.tasks.lanes import enqueue_many

    sends = [(FETCH_ARTICLE, i, "live") for i in range(1, 301)]
    sends.append((EXTRACT_ARTICLE, 7, "reprocess"))
    assert enqueue_many(iter(sends)) == 301
    # LPUSH puts the newest first; workers BRPOP from the other end, so they take them in send order
    assert messages(clean_redis, "fetch")[::-1] == [(FETCH_ARTICLE, [i]) for i in range(1, 301)]
    assert messages(clean_redis, "reprocess") == [(EXTRACT_ARTICLE, [7])]


def test_enqueue_many_sends_nothing_when_building_the_batch_fails(clean_redis: Any) -> None:
    from workers.tasks.lanes import enqueue_many

    def sends() -> Any:
        yield (FETCH_ARTICLE, 1, "live")
        yield (FETCH_ARTICLE, 2, "live")
        raise RuntimeError("the caller failed half-way")

    with pytest.raises(RuntimeError):
        enqueue_many(sends())
    assert messages(clean_redis, "fetch") == []  # the articles stay queued in Postgres for the sweeper
