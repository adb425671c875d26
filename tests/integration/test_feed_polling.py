"""One poll of one feed against a scripted server: conditional GET, lying 304s, redirects, errors.

The task function runs in this process (its behaviour depends on Postgres and HTTP, not on the
broker); the articles it discovers are published to the real Redis under this session's prefix.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration._tasks import answer
from tests.support.httpserver import Route, ScriptedServer
from workers.settings import get_settings

pytestmark = pytest.mark.integration


def rss(*items: str) -> bytes:
    entries = "".join(
        f"<item><title>Новость {i}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 23 Nov 2026 0{n % 10}:00:00 +0500</pubDate></item>"
        for n, (i, link) in enumerate(enumerate(items)))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Пресс-служба</title>'
            f"<link>https://example.kz/</link>{entries}</channel></rss>").encode()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def add_feed(db: Any, clean_redis: Any) -> Any:
    def add(url: str, name: str = "press") -> int:
        row = db.execute(
            "INSERT INTO feeds (name, url, kind, language, country) VALUES (%s, %s, 'rss', 'ru', 'KZ') RETURNING id",
            (name, url)).fetchone()
        return int(row["id"])
    return add


def poll(feed_id: int) -> dict[str, Any]:
    """Run one poll now, waiting out the host gate the way the re-queued task would."""
    from workers.tasks.feeds import poll_feed

    for _ in range(50):
        result = answer(poll_feed, feed_id)
        if "requeued_s" not in result:
            return result
        time.sleep(result["requeued_s"])
    raise AssertionError("host gate never opened")


def feed(db: Any, feed_id: int) -> dict[str, Any]:
    return dict(db.execute("SELECT * FROM feeds WHERE id = %s", (feed_id,)).fetchone())


def count_articles(db: Any) -> int:
    return int(db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"])


def test_unchanged_feed_costs_one_conditional_request_and_no_rows(db: Any, server: ScriptedServer,
                                                                    add_feed: Any) -> None:
    body = rss("https://press.kz/a/1", "https://press.kz/a/2?utm_source=tg#top")

    def answer(req: Any) -> Route:
        if req.headers.get("if-none-match") == '"v1"':
            return Route(status=304)
        return Route(body=body, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    feed_id = add_feed(server.route("/rss", answer))
    assert poll(feed_id)["new"] == 2
    assert {r["url"] for r in db.execute("SELECT url FROM articles")} == {"https://press.kz/a/1",
                                                                          "https://press.kz/a/2"}
    before = len(server.requests)
    assert poll(feed_id) == {"status": 304, "entries": 0, "new": 0}
    assert len(server.requests) == before + 1
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    assert count_articles(db) == 2
    state = feed(db, feed_id)
    assert state["last_status"] == 304 and state["consecutive_errors"] == 0
    assert state["next_poll_at"] > state["last_polled_at"]


def test_server_ignoring_validators_costs_no_parse_and_no_rows(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    feed_id = add_feed(server.route("/rss", Route(body=rss("https://press.kz/b/1"))))
    assert poll(feed_id)["new"] == 1
    assert poll(feed_id) == {"status": 200, "entries": 0, "new": 0}  # same body hash: not parsed
    assert count_articles(db) == 1


def test_lying_304s_are_caught_by_the_forced_full_fetch(db: Any, server: ScriptedServer, add_feed: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "forced_full_fetch_every", 3)
    current = {"body": rss("https://press.kz/c/1")}

    def liar(req: Any) -> Route:
        if req.headers.get("if-none-match"):
            return Route(status=304)  # whatever changed
        return Route(body=current["body"], headers={"ETag": '"same-forever"'})

    feed_id = add_feed(server.route("/rss", liar))
    poll(feed_id)
    current["body"] = rss("https://press.kz/c/1", "https://press.kz/c/2")
    assert poll(feed_id)["status"] == 304
    assert poll(feed_id)["status"] == 304
    assert feed(db, feed_id)["trusts_304"] is None
    # the third poll since the full one goes without validators and finds what the 304s hid
    assert poll(feed_id) == {"status": 200, "entries": 2, "new": 1}
    assert feed(db, feed_id)["trusts_304"] is False
    poll(feed_id)
    assert "if-none-match" not in server.requests[-1].headers


def test_honest_304s_are_trusted_after_a_full_fetch(db: Any, server: ScriptedServer, add_feed: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "forced_full_fetch_every", 2)
    body = rss("https://press.kz/d/1")
    feed_id = add_feed(server.route("/rss", lambda req: Route(status=304) if req.headers.get("if-none-match")
                                    else Route(body=body, headers={"ETag": '"d"'})))
    poll(feed_id)
    assert poll(feed_id)["status"] == 304
    assert poll(feed_id)["status"] == 200  # forced full fetch: same body
    assert feed(db, feed_id)["trusts_304"] is True


def test_permanent_redirect_seen_three_times_moves_the_feed(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    server.route("/new-rss", Route(body=rss("https://press.kz/e/1")))
    feed_id = add_feed(server.route("/old-rss", Route(status=301, headers={"Location": "/new-rss"})))
    for expected in (1, 2):
        poll(feed_id)
        state = feed(db, feed_id)
        assert state["url"].endswith("/old-rss") and state["permanent_redirects"] == expected
    poll(feed_id)
    assert feed(db, feed_id)["url"] == server.url("/new-rss")


def test_redirect_onto_another_feeds_url_does_not_move(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    server.route("/main", Route(body=rss("https://press.kz/f/1")))
    add_feed(server.url("/main"), name="main")
    feed_id = add_feed(server.route("/alias", Route(status=308, headers={"Location": "/main"})), name="alias")
    for _ in range(4):
        poll(feed_id)
    assert feed(db, feed_id)["url"].endswith("/alias")


def test_gone_mutes_and_due_selection_skips_it(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    feed_id = add_feed(server.route("/rss", Route(status=410)))
    poll(feed_id)
    state = feed(db, feed_id)
    assert "410" in state["muted_reason"] and state["consecutive_errors"] == 1
    db.execute("UPDATE feeds SET next_poll_at = now() - interval '1 hour'")
    from workers.tasks.feeds import poll_due_feeds

    assert poll_due_feeds.run() == 0


def test_retry_after_is_honoured_and_errors_are_recorded_not_fatal(db: Any, server: ScriptedServer,
                                                                  add_feed: Any) -> None:
    feed_id = add_feed(server.route("/rss", [Route(status=429, headers={"Retry-After": "5000"}),
                                             Route(status=503), Route(body=rss("https://press.kz/g/1"))]))
    result = poll(feed_id)
    assert result["backoff_s"] >= 5000
    state = feed(db, feed_id)
    assert state["last_status"] == 429 and state["muted_reason"] is None
    assert (state["next_poll_at"] - state["last_polled_at"]).total_seconds() >= 4999
    poll(feed_id)
    assert feed(db, feed_id)["consecutive_errors"] == 2
    assert poll(feed_id)["new"] == 1
    state = feed(db, feed_id)
    assert state["consecutive_errors"] == 0 and state["error_count"] == 2 and state["last_error"] is None
    errors = [r["error"] for r in db.execute("SELECT error FROM feed_fetches ORDER BY id")]
    assert errors[0] and "429" in errors[0] and errors[2] is None


def test_html_instead_of_a_feed_is_a_recorded_error(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    feed_id = add_feed(server.route("/rss", Route(body=b"<html><body><p>Not a feed</p></body></html>",
                                                  headers={"Content-Type": "text/html"})))
    poll(feed_id)
    state = feed(db, feed_id)
    assert state["last_error"] and "PermanentError" in state["last_error"] and state["muted_reason"] is None
    assert count_articles(db) == 0


def test_due_feeds_are_claimed_once_across_ticks(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    from workers.tasks.feeds import poll_due_feeds

    for i in range(5):
        add_feed(server.url(f"/f{i}"), name=f"f{i}")
    assert poll_due_feeds.run() == 5
    assert poll_due_feeds.run() == 0  # leased until polled or the lease runs out


def test_entries_land_once_in_feed_order_and_every_listing_feed_is_linked(db: Any, server: ScriptedServer,
                                                                         add_feed: Any) -> None:
    # Given one feed listing a page twice, and a second feed listing that page again beside a new one
    a, b, c = (f"https://example.kz/news/{n}" for n in ("a", "b", "c"))
    first = add_feed(server.route("/one.xml", Route(body=rss(a, b, a))), name="one")
    second = add_feed(server.route("/two.xml", Route(body=rss(b, c))), name="two")

    # When both are polled
    one, two = poll(first), poll(second)

    # Expect each page stored once (the reader folds the repeat), the already known page not counted as new
    assert (one["entries"], one["new"], two["entries"], two["new"]) == (2, 2, 2, 1)
    rows = db.execute("SELECT id, url, first_feed_id FROM articles ORDER BY id").fetchall()
    assert [(r["url"], r["first_feed_id"]) for r in rows] == [(a, first), (b, first), (c, second)]
    # ...and every feed that lists a page linked to it, once
    links = db.execute("SELECT a.url, f.feed_id FROM article_feeds f JOIN articles a ON a.id = f.article_id"
                       " ORDER BY a.id, f.feed_id").fetchall()
    assert [(r["url"], r["feed_id"]) for r in links] == [(a, first), (b, first), (b, second), (c, second)]


def test_an_unexpected_exception_is_the_feeds_recorded_failure(db: Any, server: ScriptedServer, add_feed: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17, finding 3: an exception no stage raises on purpose escaped poll_feed unrecorded (no error,
    no count, never muted, polled again every lease). Now it is the feed's failure like any other."""
    from workers.tasks import feeds as feed_tasks

    def broken(*_a: Any, **_k: Any) -> Any:
        raise OverflowError("a bug set off by this feed's content")

    monkeypatch.setattr(feed_tasks, "read_entries", broken)
    feed_id = add_feed(server.route("/rss", Route(body=rss("https://press.kz/u/1"))))
    result = poll(feed_id)
    assert result["error"] == "PermanentError: OverflowError: a bug set off by this feed's content"
    state = feed(db, feed_id)
    assert (state["consecutive_errors"], state["last_error"], state["poll_attempts"]) == (1, result["error"], 0)
    assert state["next_poll_at"] > state["last_polled_at"] and state["lease_until"] is None
    history = db.execute("SELECT error FROM feed_fetches WHERE feed_id = %s", (feed_id,)).fetchall()
    assert [h["error"] for h in history] == [result["error"]]


def test_a_max_age_no_int_can_hold_is_no_max_age(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    feed_id = add_feed(server.route("/rss", Route(body=rss("https://press.kz/m/1"),
                                                  headers={"Cache-Control": "max-age=" + "9" * 5000})))
    assert poll(feed_id)["new"] == 1
    state = feed(db, feed_id)
    assert (state["last_status"], state["consecutive_errors"], state["last_error"]) == (200, 0, None)


def test_values_too_long_to_store_never_fail_the_poll(db: Any, server: ScriptedServer, add_feed: Any) -> None:
    # A permanent redirect to a URL longer than the unique index on feeds.url takes, and an 8 KB ETag
    long_path = "/" + secrets.token_hex(1500)  # random: Postgres compresses "xxx…" into the index
    server.route(long_path, Route(body=rss("https://press.kz/l/1"), headers={"ETag": '"' + "e" * 8000 + '"'}))
    feed_id = add_feed(server.route("/rss", Route(status=301, headers={"Location": long_path})))
    url = feed(db, feed_id)["url"]
    for _ in range(4):  # past MOVE_AFTER_REDIRECTS
        assert poll(feed_id)["status"] == 200
    state = feed(db, feed_id)
    assert (state["url"], state["consecutive_errors"], state["last_error"], state["etag"]) == (url, 0, None, None)
    assert count_articles(db) == 1


def test_a_value_over_a_postgres_limit_is_the_feeds_failure_not_an_outage(
        db: Any, server: ScriptedServer, add_feed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg files class 54 (an index row over the btree limit...) under OperationalError, which
    INFRA_RETRY retried 40 times as an outage; it is the feed's data: recorded once, never retried."""
    import psycopg

    from workers.tasks import feeds as feed_tasks
    from workers.tasks.common import INFRA_RETRY

    assert psycopg.errors.ProgramLimitExceeded in INFRA_RETRY["dont_autoretry_for"]
    feed_id = add_feed(server.route("/rss", Route(body=rss("https://press.kz/p/1"))))
    with db.cursor() as cur:  # a real one, from Postgres itself
        try:
            cur.execute("SELECT repeat(md5(g::text), 200)::tsvector FROM generate_series(1, 200) g")
        except psycopg.errors.ProgramLimitExceeded as exc:
            real = exc

    def over_the_limit(*_a: Any, **_k: Any) -> Any:
        raise real

    monkeypatch.setattr(feed_tasks, "read_entries", over_the_limit)
    result = poll(feed_id)
    assert result["error"].startswith("PermanentError: ProgramLimitExceeded"), result
    assert feed(db, feed_id)["consecutive_errors"] == 1
