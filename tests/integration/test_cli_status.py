"""`silkwire status`: real queue depths from Redis (priority sub-queues included), workers, articles,
failures grouped by reason, due and failing feeds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.test_cli_support import add_article, add_feed, run_cli, set_state
from workers.taskspec import POLL_FEED

pytestmark = pytest.mark.integration


def _publish(queue: str, n: int, *, priority: int | None = None) -> None:
    from workers.tasks.app import app

    for i in range(n):
        app.send_task(POLL_FEED, args=[i], queue=queue, priority=priority)


@pytest.fixture
def state(db: Any) -> dict[str, int]:
    ok = add_feed(db, "akorda-ru", "https://www.akorda.kz/ru/rss")
    broken = add_feed(db, "mfa-ru", "https://www.gov.kz/mfa/rss")
    muted = add_feed(db, "old-ru", "https://old.example.kz/rss")
    db.execute("UPDATE feeds SET next_poll_at = now() + interval '1 hour' WHERE id = %s", (ok,))
    db.execute("UPDATE feeds SET consecutive_errors = 3, last_status = 503, last_error = %s WHERE id = %s",
               ("TransientError: HTTP 503 Service Unavailable " + "x" * 80, broken))
    db.execute("UPDATE feeds SET muted_reason = 'gone (410) 5 times' WHERE id = %s", (muted,))
    for i in range(3):
        a = add_article(db, f"https://www.akorda.kz/ru/news/{i}")
        set_state(db, a, "fetch", "failed",
                  f"PermanentError: HTTP 404 Not Found (the server has no such page): /ru/news/{i}")
    a = add_article(db, "https://www.akorda.kz/ru/news/q")
    set_state(db, a, "analyse", "quarantined", "QuarantineError: cannot decode the page")
    for i in range(2):
        a = add_article(db, f"https://www.akorda.kz/ru/news/d{i}")
        set_state(db, a, "done", "done")
    add_article(db, "https://www.akorda.kz/ru/news/new")  # fetch/queued
    return {"ok": ok, "broken": broken, "muted": muted}


def test_status_json_reports_real_queue_depths_and_pipeline_state(
        state: dict[str, int], clean_redis: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given messages on queues nobody consumes, one of them in kombu's priority sub-queue
    _publish("fetch", 3)
    _publish("fetch", 1, priority=9)
    _publish("reprocess", 2)

    code, out, err = run_cli(capsys, "status", "--output", "json")

    assert code == 0, err
    st = json.loads(out)
    assert st["queues"] == {"feeds": 0, "fetch": 4, "nlp": 0, "reprocess": 2}
    assert isinstance(st["workers"], list)
    articles = {(r["stage"], r["state"]): r["count"] for r in st["articles"]}
    assert articles == {("fetch", "failed"): 3, ("analyse", "quarantined"): 1, ("done", "done"): 2,
                        ("fetch", "queued"): 1}
    # the three 404s differ only after 60 characters: one group
    failures = {(r["stage"], r["state"], r["reason"]): r["count"] for r in st["failures"]}
    assert len(failures) == 2
    [(key_404, n_404)] = [(k, n) for k, n in failures.items() if "404" in k[2]]
    assert n_404 == 3 and key_404[:2] == ("fetch", "failed") and len(key_404[2]) == 60
    assert failures[("analyse", "quarantined", "QuarantineError: cannot decode the page")] == 1
    feeds = st["feeds"]
    assert (feeds["total"], feeds["due"], feeds["failing"], feeds["muted"]) == (3, 1, 1, 1)
    assert [f["id"] for f in feeds["failing_feeds"]] == [state["broken"], state["muted"]]
    assert feeds["failing_feeds"][0]["last_error"].startswith("TransientError: HTTP 503")


def test_status_sees_a_running_worker(db: Any, celery_worker: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "status", "-o", "json")
    assert code == 0, err
    assert celery_worker.hostname in json.loads(out)["workers"]


def test_status_table(state: dict[str, int], clean_redis: Any, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    _publish("nlp", 2)
    code, out, _ = run_cli(capsys, "status")
    assert code == 0
    lines = out.splitlines()
    assert any("nlp" in line and line.rstrip(" │").endswith("2") for line in lines)
    assert "Feeds: 3 total, 1 due now, 1 failing, 1 muted" in out
    assert "mfa-ru" in out and "QuarantineError" in out
