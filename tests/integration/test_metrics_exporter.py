"""The Prometheus exporter: scraped over HTTP on 127.0.0.1, parsed with prometheus_client's own parser.
Gauges are what is in Redis and PostgreSQL at scrape time; counters and histograms are what real tasks
did (a real Celery worker on the replay corpus), and they survive a second exporter (a restart)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_cli_support import add_article, add_feed, add_page, run_cli, set_state
from tests.support.settings import SETTINGS
from workers.taskspec import ANALYSE_ARTICLE, FETCH_ARTICLES, POLL_FEED

pytestmark = pytest.mark.integration


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture
def world(db: Any, clean_redis: Any) -> dict[str, int]:
    from workers.tasks.app import app

    akorda = add_feed(db, "akorda-ru", "https://www.akorda.kz/ru/rss")
    mfa = add_feed(db, "mfa-ru", "https://www.gov.kz:443/mfa/rss")
    db.execute("UPDATE feeds SET next_poll_at = now() + interval '1 hour' WHERE id = %s", (akorda,))
    db.execute("UPDATE feeds SET consecutive_errors = 4 WHERE id = %s", (mfa,))
    a = add_article(db, "https://www.akorda.kz/ru/news/1")
    add_page(db, a, "https://www.akorda.kz/ru/news/1", "<html><body>x</body></html>")  # elapsed 120 ms
    set_state(db, a, "analyse", "queued")
    add_article(db, "https://www.akorda.kz/ru/news/2")
    for i in range(3):
        app.send_task(ANALYSE_ARTICLE, args=[i], queue="nlp")
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


def _scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200
        return _samples(resp.read().decode("utf-8"))


def _types(text: str) -> dict[str, str]:
    return {family.name: family.type for family in text_string_to_metric_families(text)}


def test_scrape_over_http_shows_queues_articles_backlog_feeds_and_redis(world: dict[str, int], server: str) -> None:
    s = _scrape(server)

    def v(name: str, **labels: str) -> float:
        return s[(name, frozenset(labels.items()))]

    assert v("silkwire_queue_depth", queue="nlp") == 3
    assert v("silkwire_queue_depth", queue="fetch") == 0
    assert v("silkwire_articles", stage="analyse", state="queued") == 1
    assert v("silkwire_articles", stage="fetch", state="queued") == 1
    assert v("silkwire_stage_backlog", stage="fetch") == 1 and v("silkwire_stage_backlog", stage="analyse") == 1
    assert v("silkwire_stage_backlog_oldest_seconds", stage="fetch") >= 0
    assert v("silkwire_feed_consecutive_errors", feed="mfa-ru") == 4
    assert v("silkwire_feed_consecutive_errors", feed="akorda-ru") == 0
    assert v("silkwire_feeds", state="enabled") == 2 and v("silkwire_feeds", state="failing") == 1
    assert v("silkwire_feeds", state="muted") == 0
    assert v("silkwire_redis_memory_used_bytes") > 0
    assert ("silkwire_redis_memory_max_bytes", frozenset()) in s
    # no work done yet: the counters exist at zero, so rate() and alerts have a series from the start
    assert v("silkwire_stage_items_total", stage="analyse", outcome="done") == 0
    assert v("silkwire_publication_to_extraction_seconds_count") == 0
    for source in ("postgres", "redis", "counters"):
        assert v("silkwire_source_up", source=source) == 1


def test_families_have_prometheus_types(world: dict[str, int], server: str) -> None:
    from workers.observability.metrics import FAMILIES

    with urllib.request.urlopen(server, timeout=10) as resp:
        types = _types(resp.read().decode("utf-8"))
    # prometheus_client's parser names a counter family without its _total suffix
    assert types["silkwire_stage_items"] == "counter"
    assert types["silkwire_stage_failures"] == "counter"
    assert types["silkwire_task_runs"] == "counter"
    assert types["silkwire_task_duration_seconds"] == "histogram"
    assert types["silkwire_publication_to_extraction_seconds"] == "histogram"
    for gauge in ("silkwire_queue_depth", "silkwire_articles", "silkwire_stage_backlog",
                  "silkwire_stage_backlog_oldest_seconds", "silkwire_feeds", "silkwire_feed_consecutive_errors",
                  "silkwire_redis_memory_used_bytes", "silkwire_source_up"):
        assert types[gauge] == "gauge", gauge
    exported = {name.removesuffix("_total") for name in FAMILIES}
    assert set(types) <= exported, set(types) - exported


@pytest.mark.slow
def test_counters_follow_real_work_and_survive_an_exporter_restart(db: Any, celery_worker: Any, replay: Any,
                                                                   server: str) -> None:
    from tests.support.services import wait_until
    from workers.cli.demo_cmd import import_replay_feeds
    from workers.tasks.feeds import poll_due_feeds, poll_feed

    feeds = import_replay_feeds(db, replay)
    poll_due_feeds.delay()

    def drained(polls: int) -> bool:
        row = db.execute("SELECT (SELECT count(*) FROM feed_fetches) AS polls, (SELECT count(*) FROM articles"
                         " WHERE state IN ('queued', 'pending')) AS waiting").fetchone()
        return bool(row["polls"] >= feeds * polls and row["waiting"] == 0)

    assert wait_until(lambda: drained(1), timeout_s=180), "pipeline did not drain"
    # the metrics of a task are written as it ends: the last may land just after the database says done
    done = db.execute("SELECT count(*) FILTER (WHERE state = 'done') AS done,"
                      " count(*) FILTER (WHERE state = 'failed' AND last_error LIKE '%%HTTP 404%%') AS gone,"
                      " count(*) FILTER (WHERE state = 'done' AND feed_published_at IS NOT NULL) AS dated"
                      " FROM articles").fetchone()
    key = ("silkwire_stage_items_total", frozenset({("stage", "analyse"), ("outcome", "done")}))
    assert wait_until(lambda: _scrape(server).get(key) == done["done"], timeout_s=30)
    first = _scrape(server)

    def v(s: dict[Any, float], name: str, **labels: str) -> float:
        return s.get((name, frozenset(labels.items())), 0.0)

    assert done["done"] > 0 and done["gone"] > 0
    assert v(first, "silkwire_stage_items_total", stage="poll", outcome="done") == feeds
    assert v(first, "silkwire_stage_items_total", stage="fetch", outcome="done") == done["done"]
    assert v(first, "silkwire_stage_items_total", stage="fetch", outcome="failed") == done["gone"]
    assert v(first, "silkwire_stage_failures_total", stage="fetch", reason="http_404") == done["gone"]
    assert v(first, "silkwire_publication_to_extraction_seconds_count") == done["dated"]
    # a poll the host's politeness gate sent back is a run of its own, not a failure
    polls = feeds + v(first, "silkwire_stage_items_total", stage="poll", outcome="requeued")
    assert v(first, "silkwire_task_duration_seconds_count", stage="poll", task=POLL_FEED) == polls
    assert v(first, "silkwire_task_runs_total", stage="poll", task=POLL_FEED, state="success") == polls
    assert v(first, "silkwire_task_runs_total", stage="fetch", task=FETCH_ARTICLES, state="failure") >= 1
    assert v(first, "silkwire_last_extraction_timestamp_seconds") > 0

    # When every feed is polled again (304s) and a second exporter (a restart) is scraped
    for f in db.execute("SELECT id FROM feeds").fetchall():
        poll_feed.delay(f["id"])
    assert wait_until(lambda: drained(2), timeout_s=60)
    not_modified = ("silkwire_stage_items_total", frozenset({("stage", "poll"), ("outcome", "not_modified")}))
    from workers.cli.metrics_cmd import serve_http

    httpd, thread = serve_http("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{httpd.server_port}/metrics"
        assert wait_until(lambda: _scrape(url).get(not_modified) == feeds, timeout_s=30)
        second = _scrape(url)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    # Expect every counter where it was or higher, the work of the first run still counted
    for sample, value in first.items():
        if sample[0].endswith(("_total", "_count", "_bucket", "_sum")):
            assert second.get(sample, 0.0) >= value, sample
    assert v(second, "silkwire_stage_items_total", stage="fetch", outcome="done") == done["done"]


def test_each_scrape_reads_current_state(world: dict[str, int], server: str, clean_redis: Any) -> None:
    def depth() -> float:
        with urllib.request.urlopen(server, timeout=10) as resp:
            return _samples(resp.read().decode())[("silkwire_queue_depth", frozenset({("queue", "nlp")}))]

    assert depth() == 3
    clean_redis.delete(SETTINGS.key_prefix + "nlp")
    assert depth() == 0


def test_once_prints_one_scrape(world: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "metrics", "serve", "--once")
    assert code == 0, err
    assert _samples(out)[("silkwire_queue_depth", frozenset({("queue", "nlp")}))] == 3
    assert "# TYPE silkwire_stage_items_total counter" in out


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
    assert ("silkwire_stage_items_total", frozenset({("stage", "fetch"), ("outcome", "done")})) in s
    assert not any(name == "silkwire_articles" for name, _ in s)


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, "metrics", "serve", "--port", str(port))
    assert code == 1 and not out
    assert err.strip().splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
