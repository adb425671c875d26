"""Typed outcomes of a task's work on one item, and what the task boundary makes of them for Flower."""

from __future__ import annotations

import pytest

from workers.tasks.outcome import (
    Done,
    Failed,
    FailedForGood,
    RequeueAfter,
    RetryIn,
    Skipped,
    Stored,
    finish,
    finish_batch,
    result,
    word,
)


def test_what_flower_shows_for_each_outcome() -> None:
    assert finish(Stored("live", 120, 200), "article 1") == {"stored": "live", "bytes": 120, "status": 200}
    assert finish(Done({"relevant": True}), "article 1") == {"relevant": True}
    assert finish(RequeueAfter(2.5), "article 1") == {"requeued_s": 2.5}
    assert finish(RetryIn(12.345, "HTTP 503"), "article 1") == {"retry_in_s": 12.3}
    assert finish(Skipped("robots.txt disallows", word="disallowed"), "article 1") == {
        "skipped": "robots.txt disallows"}
    # a transient feed error is polled again by its schedule: not a failure for Flower
    assert finish(Failed("TransientError: HTTP 503", permanent=False, state=None, retry_in_s=600), "feed 3") == {
        "error": "TransientError: HTTP 503", "backoff_s": 600}


def test_a_failure_for_good_is_raised_with_its_reason_and_keeps_the_answer() -> None:
    with pytest.raises(FailedForGood, match=r"^article 7: PermanentError: HTTP 404$") as failed:
        finish(Failed("PermanentError: HTTP 404"), "article 7")
    assert failed.value.result == {"state": "failed", "error": "PermanentError: HTTP 404"}
    with pytest.raises(FailedForGood, match=r"^feed 3: PermanentError: HTTP 410 \(muted: gone") as failed:
        finish(Failed("PermanentError: HTTP 410", state=None, retry_in_s=300, note="muted: gone: 410"), "feed 3")
    assert failed.value.result == {"error": "PermanentError: HTTP 410", "backoff_s": 300}


def test_a_batch_fails_when_any_article_failed_for_good_and_says_what_became_of_the_rest() -> None:
    assert finish_batch({"stored": [1, 2]}, {}) == {"stored": [1, 2]}
    with pytest.raises(FailedForGood) as failed:
        finish_batch({"stored": [1], "failed": [2], "quarantined": [3]},
                     {2: "PermanentError: HTTP 404", 3: "QuarantineError: undecodable"})
    assert str(failed.value) == ("article 2: PermanentError: HTTP 404; article 3: QuarantineError: undecodable"
                                 " (outcomes: {'stored': [1], 'failed': [2], 'quarantined': [3]})")


def test_batch_words() -> None:
    assert [word(o) for o in (Stored("live", 1, 200), Done(), RequeueAfter(1), RetryIn(1, "x"), Skipped("x"),
                              Skipped("x", word="disallowed"), Failed("x"), Failed("x", state="quarantined"))] == [
        "stored", "done", "requeued", "retry_in_s", "skipped", "disallowed", "failed", "quarantined"]
    assert result(Failed("x", state="quarantined")) == {"state": "quarantined", "error": "x"}
