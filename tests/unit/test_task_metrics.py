"""How a finished task's answer becomes counter increments: outcome words, bounded failure reasons, and
histogram buckets kept in Redis (read back cumulative)."""

from __future__ import annotations

import pytest

from workers.observability.counters import bucket_of, zero_histogram
from workers.observability.task_metrics import outcomes, reason_of
from workers.taskspec import ANALYSE_ARTICLE, FETCH_ARTICLES, POLL_FEED


@pytest.mark.parametrize(("message", "reason"), [
    ("PermanentError: HTTP 404 from https://example.kz/a", "http_404"),
    ("TransientError: www.akorda.kz: timeout (ReadTimeout)", "timeout"),
    ("TransientError: cannot resolve 'www.gov.kz': [Errno -3]", "dns"),
    ("QuarantineError: 12 replacement characters in utf-8 text", "quarantined"),
    ("StageError: gave up after 5 attempts: TransientError: HTTP 503 from x", "http_503"),
    ("StageError: gave up after 6 attempts (worker lost)", "gave_up"),
    ("PermanentError: no stored page to analyse", "permanent"),
    ("ValueError: something new", "other"),
    (None, "unknown"),
])
def test_reasons_are_few_and_stable(message: str | None, reason: str) -> None:
    assert reason_of(message) == reason


def test_batch_answers_count_each_article_under_its_outcome() -> None:
    got = outcomes(FETCH_ARTICLES, "SUCCESS", {"stored": [1, 2], "failed": [3], "retry_in_s": [4],
                                               "requeued": [5, 6]})
    assert got == {"done": [1, 2], "failed": [3], "retry": [4], "requeued": [5, 6]}


def test_single_answers_and_task_states() -> None:
    assert outcomes(POLL_FEED, "SUCCESS", {"status": 304, "entries": 3, "new": 0}) == {"not_modified": [None]}
    assert outcomes(POLL_FEED, "SUCCESS", {"error": "TransientError: HTTP 503", "backoff_s": 60}) == {
        "failed": [None]}
    assert outcomes(ANALYSE_ARTICLE, "SUCCESS", {"state": "quarantined", "error": "x"}, 7) == {"quarantined": [7]}
    assert outcomes(ANALYSE_ARTICLE, "SUCCESS", {"requeued_s": 3.0}, 7) == {"requeued": [7]}
    assert outcomes(ANALYSE_ARTICLE, "RETRY", None, 7) == {"retry": [7]}
    assert outcomes(ANALYSE_ARTICLE, "FAILURE", RuntimeError("x"), 7) == {"error": [7]}


def test_buckets() -> None:
    assert bucket_of(0.3, (0.1, 0.5, float("inf"))) == "0.5"
    assert bucket_of(9.0, (0.1, 0.5, float("inf"))) == "+Inf"
    assert bucket_of(9.0, (0.1, 0.5)) == "+Inf"
    assert zero_histogram((1, 2, float("inf"))) == ([("1.0", 0.0), ("2.0", 0.0), ("+Inf", 0.0)], 0.0)
