"""The Prometheus exporter: scraped over HTTP on 127.0.0.1, parsed with prometheus_client's own parser,
figures computed from what is really in Redis and PostgreSQL at scrape time."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_cli_support import add_article, add_feed, add_page, run_cli, set_state
from workers.db import QUERIES

pytestmark = pytest.mark.integration


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _fetch(db: Any, feed_id: int, ms: int | None, status: int | None, *, hours_ago: float = 0) -> None:
    db.execute(QUERIES["record_feed_fetch"], {
        "feed_id": feed_id, "duration_ms": ms, "http_status": status, "not_modified": status == 304,
        "bytes": 1000, "entries": 10, "new_entries": 0, "error": None if status else "TransientError: timeout",
        "warnings": None, "dropped": None, "capped": None})
    if hours_ago:
        db.execute("UPDATE feed_fetches SET started_at = now() - make_interval(secs => %s)"
                   " WHERE id = (SELECT max(id) FROM feed_fetches)", (hours_ago * 3600,))


@pytest.fixture
def world(db: Any, clean_redis: Any) -> dict[str, int]:
    from workers.tasks.app import app

    akorda = add_feed(db, "akorda-ru", "https://www.akorda.kz/ru/rss")
    mfa = add_feed(db, "mfa-ru", "https://www.gov.kz:443/mfa/rss")
    db.execute("UPDATE feeds SET next_poll_at = now() + interval '1 hour' WHERE id = %s", (akorda,))
    db.execute("UPDATE feeds SET consecutive_errors = 4 WHERE id = %s", (mfa,))
    for ms in (100, 200, 300, 400):
        _fetch(db, akorda, ms, 200)
    _fetch(db, akorda, 9000, 200, hours_ago=2)  # outside the hour: not counted
    _fetch(db, mfa, 50, 503)
    _fetch(db, mfa, None, None)
    a = add_article(db, "https://www.akorda.kz/ru/news/1")
    add_page(db, a, "https://www.akorda.kz/ru/news/1", "<html><body>x</body></html>")  # elapsed 120 ms
    set_state(db, a, "analyse", "queued")
    add_article(db, "https://www.akorda.kz/ru/news/2")
    for i in range(3):
        app.send_task("silkwire.analyse_article", args=[i], queue="nlp")
    return {"akorda": akorda, "mfa": mfa}


@pytest.fixture
def server(database: str) -> Iterator[str]:
    from workers.cli.metrics_cmd import serve_http

    httpd, thread = serve_http("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/metrics"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_scrape_over_http_shows_queue_depth_articles_feeds_and_fetches(world: dict[str, int], server: str) -> None:
    with urllib.request.urlopen(server, timeout=10) as resp:
        assert resp.status == 200
        text = resp.read().decode("utf-8")
    s = _samples(text)

    def v(name: str, **labels: str) -> float:
        return s[(name, frozenset(labels.items()))]

    assert v("silkwire_queue_depth", queue="nlp") == 3
    assert v("silkwire_queue_depth", queue="fetch") == 0
    assert v("silkwire_articles", stage="analyse", state="queued") == 1
    assert v("silkwire_articles", stage="fetch", state="queued") == 1
    assert v("silkwire_feed_errors", feed="mfa-ru") == 4
    assert v("silkwire_feed_errors", feed="akorda-ru") == 0
    assert v("silkwire_feeds_due") == 1
    # the four polls of the last hour: 100..400 ms
    akorda = {"kind": "feed", "host": "www.akorda.kz"}
    assert v("silkwire_fetch_duration_seconds_count", **akorda) == 4
    assert v("silkwire_fetch_duration_seconds_sum", **akorda) == pytest.approx(1.0)
    assert v("silkwire_fetch_duration_seconds", **akorda, quantile="0.5") == pytest.approx(0.25)
    assert v("silkwire_fetch_duration_seconds", **akorda, quantile="0.95") == pytest.approx(0.385)
    assert v("silkwire_fetch_duration_seconds_count", kind="page", host="www.akorda.kz") == 1
    assert v("silkwire_fetch_duration_seconds_count", kind="feed", host="www.gov.kz") == 1  # port dropped
    assert v("silkwire_fetch_status_total", host="www.akorda.kz", status="200") == 4
    assert v("silkwire_fetch_status_total", host="www.gov.kz", status="503") == 1
    assert v("silkwire_fetch_status_total", host="www.gov.kz", status="error") == 1
    assert v("silkwire_source_up", source="postgres") == 1 and v("silkwire_source_up", source="redis") == 1


def test_each_scrape_reads_current_state(world: dict[str, int], server: str, clean_redis: Any) -> None:
    def depth() -> float:
        with urllib.request.urlopen(server, timeout=10) as resp:
            return _samples(resp.read().decode())[("silkwire_queue_depth", frozenset({("queue", "nlp")}))]

    assert depth() == 3
    clean_redis.delete(os.environ["SILKWIRE_KEY_PREFIX"] + "nlp")
    assert depth() == 0


def test_once_prints_one_scrape(world: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "metrics", "serve", "--once")
    assert code == 0, err
    assert _samples(out)[("silkwire_queue_depth", frozenset({("queue", "nlp")}))] == 3


def test_a_database_that_is_down_is_reported_not_fatal(clean_redis: Any) -> None:
    from prometheus_client import generate_latest

    from workers.observability.metrics import make_registry
    from workers.settings import get_settings

    # port 1 on loopback: connection refused at once
    settings = get_settings().model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/none"})
    s = _samples(generate_latest(make_registry(settings)).decode())
    assert s[("silkwire_source_up", frozenset({("source", "postgres")}))] == 0
    assert s[("silkwire_source_up", frozenset({("source", "redis")}))] == 1
    assert ("silkwire_queue_depth", frozenset({("queue", "nlp")})) in s
    assert not any(name == "silkwire_articles" for name, _ in s)
