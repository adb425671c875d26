"""Batch tasks (`fetch_articles`, `analyse_articles`): each article in a batch is claimed, recorded and
stored on its own, and only the unfinished rest of a batch is ever sent again."""

from __future__ import annotations

import json
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from tests.integration.test_hostile_pages import article_html
from tests.integration.test_lanes import messages
from tests.support.httpserver import Route, ScriptedServer
from tests.support.settings import SETTINGS
from workers.tasks.outcome import FailedForGood, Skipped, Stored
from workers.taskspec import ANALYSE_ARTICLES, FETCH_ARTICLE, FETCH_ARTICLES, LINK_ARTICLE

pytestmark = pytest.mark.integration

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def server() -> Any:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def no_politeness_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Redis gate with no delay between starts: every page here is on 127.0.0.1."""
    from workers.fetch.politeness import HostGate
    from workers.tasks import articles
    from workers.tasks.common import redis_client

    gate = HostGate(redis_client(), min_delay_s=0, max_concurrency=4, lease_s=60, key_prefix=SETTINGS.key_prefix)
    monkeypatch.setattr(articles, "host_gate", lambda: gate)


def _articles(db: Any, urls: list[str], stage: str = "fetch") -> list[int]:
    return [int(db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, %s, 'queued', now())"
                           " RETURNING id", (url, stage)).fetchone()["id"]) for url in urls]


def _states(db: Any, ids: list[int]) -> list[tuple[str, str]]:
    rows = {r["id"]: (r["stage"], r["state"]) for r in db.execute(
        "SELECT id, stage, state FROM articles WHERE id = ANY(%s)", (ids,)).fetchall()}
    return [rows[i] for i in ids]


def _fetched(db: Any, server: ScriptedServer, n: int) -> list[int]:
    """n articles whose pages are stored and waiting for analysis (fetched by the batch task itself)."""
    from workers.tasks.articles import fetch_one

    urls = [server.route(f"/a{i}", Route(body=article_html(f"Заседание комитета номер {i}"), headers=HTML))
            for i in range(n)]
    ids = _articles(db, urls)
    for article_id in ids:
        assert isinstance(fetch_one(article_id, lambda *_: Skipped("no retry here")), Stored), article_id
    return ids


def test_a_fetch_batch_stores_each_page_records_each_failure_and_sends_one_analysis_batch(
        db: Any, clean_redis: Any, server: ScriptedServer, no_politeness_wait: None) -> None:
    from workers.tasks.batches import fetch_articles

    ok = [server.route(f"/ok{i}", Route(body=article_html(f"Переговоры {i}"), headers=HTML)) for i in range(2)]
    gone = server.route("/gone", Route(status=404, body=b"no"))
    ids = _articles(db, [ok[0], gone, ok[1]])

    # The 404 fails for good: the batch ends as FAILURE for Flower, naming the article and its reason,
    # after the rest of the batch was stored and sent on.
    with pytest.raises(FailedForGood, match=rf"^article {ids[1]}: PermanentError: .*404") as failed:
        fetch_articles.run(ids)

    assert failed.value.result == {"stored": [ids[0], ids[2]], "failed": [ids[1]]}
    assert _states(db, ids) == [("analyse", "queued"), ("fetch", "failed"), ("analyse", "queued")]
    assert messages(clean_redis, "nlp") == [(ANALYSE_ARTICLES, [[ids[0], ids[2]]])]
    assert messages(clean_redis, "fetch") == []
    # A second delivery of the same batch finds nothing to do and sends nothing more.
    assert fetch_articles.run(ids) == {"skipped": ids}
    assert len(messages(clean_redis, "nlp")) == 1


def test_a_politeness_wait_sends_the_rest_of_the_batch_back_as_one_message(
        db: Any, clean_redis: Any, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.fetch.politeness import HostGate
    from workers.tasks import articles
    from workers.tasks.batches import fetch_articles
    from workers.tasks.common import redis_client

    # A real gate that wants a minute between starts on one host: the first page goes, the rest wait.
    gate = HostGate(redis_client(), min_delay_s=60, max_concurrency=4, lease_s=60, key_prefix=SETTINGS.key_prefix)
    monkeypatch.setattr(articles, "host_gate", lambda: gate)
    urls = [server.route(f"/p{i}", Route(body=article_html(f"Визит {i}"), headers=HTML)) for i in range(4)]
    ids = _articles(db, urls)

    result = fetch_articles.run(ids)

    assert result == {"stored": [ids[0]], "requeued": ids[1:]}
    assert [r.path for r in server.requests if r.path.startswith("/p")] == ["/p0"]
    assert messages(clean_redis, "fetch") == [(FETCH_ARTICLES, [ids[1:]])]
    assert messages(clean_redis, "nlp") == [(ANALYSE_ARTICLES, [[ids[0]]])]
    assert _states(db, ids[1:]) == [("fetch", "queued")] * 3  # not counted as attempts


def test_a_transient_error_retries_that_article_alone(
        db: Any, clean_redis: Any, server: ScriptedServer, no_politeness_wait: None) -> None:
    from workers.tasks.batches import fetch_articles

    flaky = server.route("/flaky", Route(status=503, body=b"busy"))
    ok = server.route("/fine", Route(body=article_html("Форум"), headers=HTML))
    ids = _articles(db, [flaky, ok])

    result = fetch_articles.run(ids)

    assert result["stored"] == [ids[1]] and list(result["retry_in_s"]) == [ids[0]]
    # The retry is the article's own single task with a countdown, not the batch again.
    assert messages(clean_redis, "fetch") == [(FETCH_ARTICLE, [ids[0]])]
    queued = clean_redis.lrange(f"{SETTINGS.key_prefix}fetch", 0, -1)
    assert all(json.loads(raw)["headers"].get("eta") for raw in queued)  # sent with its backoff countdown
    row = db.execute("SELECT state, attempts, last_error FROM articles WHERE id = %s", (ids[0],)).fetchone()
    assert row["state"] == "queued" and row["attempts"] == 1 and "503" in row["last_error"]


def test_an_analysis_batch_fails_only_the_bad_page(
        db: Any, clean_redis: Any, server: ScriptedServer, no_politeness_wait: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.tasks import articles
    from workers.tasks.batches import analyse_articles

    ids = _fetched(db, server, 3)
    real = articles.analyse_html

    def crash_on_second(page: bytes, **kw: Any) -> Any:
        if "номер 1" in page.decode():
            raise ValueError("a bug on this one page")
        return real(page, **kw)

    monkeypatch.setattr(articles, "analyse_html", crash_on_second)
    with pytest.raises(FailedForGood, match=rf"^article {ids[1]}: ValueError: a bug on this one page") as failed:
        analyse_articles.run(ids)

    assert failed.value.result == {"done": [ids[0], ids[2]], "failed": [ids[1]]}
    assert _states(db, ids) == [("done", "done"), ("analyse", "failed"), ("done", "done")]
    assert db.execute("SELECT count(*) AS n FROM extractions WHERE article_id = ANY(%s)",
                      (ids,)).fetchone()["n"] == 2
    # Delivered again (acks_late after a lost worker): the finished ones are not analysed twice.
    assert analyse_articles.run(ids) == {"skipped": ids}


def test_a_soft_time_limit_fails_the_page_that_had_the_whole_budget_and_resends_a_later_one(
        db: Any, clean_redis: Any, server: ScriptedServer, no_politeness_wait: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.tasks import articles
    from workers.tasks.batches import analyse_articles

    ids = _fetched(db, server, 3)
    real = articles.analyse_html
    slow_page = {"номер 0"}

    def time_runs_out(page: bytes, **kw: Any) -> Any:
        if any(marker in page.decode() for marker in slow_page):
            raise SoftTimeLimitExceeded()
        return real(page, **kw)

    monkeypatch.setattr(articles, "analyse_html", time_runs_out)
    # First in its batch: it had the task's whole time, so the page is what was too slow.
    with pytest.raises(FailedForGood, match="SoftTimeLimitExceeded") as failed:
        analyse_articles.run(ids[:1])
    assert failed.value.result == {"failed": [ids[0]]}
    # Second in its batch: the time may have gone to the first, so it and the rest go out again.
    slow_page = {"номер 2"}
    assert analyse_articles.run(ids[1:]) == {"done": [ids[1]], "requeued": [ids[2]]}
    # (the analysed article's linking, silkwire.link_article, goes out too)
    assert [m for m in messages(clean_redis, "nlp") if m[0] != LINK_ARTICLE] == [
        (ANALYSE_ARTICLES, [[ids[2]]])]
    assert _states(db, ids) == [("analyse", "failed"), ("done", "done"), ("analyse", "queued")]


def test_a_poll_sends_its_new_articles_in_batches_in_feed_order(
        db: Any, clean_redis: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.settings import get_settings
    from workers.tasks.batches import fetch_sends

    monkeypatch.setattr(get_settings(), "batch_size", 8)
    assert list(fetch_sends(list(range(1, 21)), "live")) == [
        (FETCH_ARTICLES, list(range(1, 9)), "live"),
        (FETCH_ARTICLES, list(range(9, 17)), "live"),
        (FETCH_ARTICLES, list(range(17, 21)), "live")]
    monkeypatch.setattr(get_settings(), "batch_size", 1)
    assert list(fetch_sends([5, 6], "live")) == [(FETCH_ARTICLE, 5, "live"),
                                                (FETCH_ARTICLE, 6, "live")]


def test_a_page_robots_txt_disallows_is_recorded_and_the_batch_goes_on(
        db: Any, clean_redis: Any, server: ScriptedServer, no_politeness_wait: None) -> None:
    from workers.tasks.batches import fetch_articles

    server.route("/robots.txt", Route(body=b"User-agent: *\nDisallow: /private/\n",
                                      headers={"Content-Type": "text/plain"}))
    urls = [server.route("/private/memo", Route(body=article_html("Меморандум"), headers=HTML)),
            server.route("/news/visit", Route(body=article_html("Визит"), headers=HTML))]
    ids = _articles(db, urls)

    assert fetch_articles.run(ids) == {"disallowed": [ids[0]], "stored": [ids[1]]}
    assert _states(db, ids) == [("fetch", "skipped"), ("analyse", "queued")]
    assert "/private/memo" not in [r.path for r in server.requests]
