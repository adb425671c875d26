"""What a task's work on one item (an article, a feed) came to, as types, and how the task boundary reports it.

`fetch_one`, `analyse_one` and the feed poll answer one of these; the caller steers by its type (store and
send on, wait, retry, record). Only the Celery task turns it into what Flower shows: the dict a task returns
(`result`), or, for work that failed for good, `FailedForGood` raised after the failure was stored, so
Flower's Failed column and the task row show it with its reason. Retries and politeness waits are not failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stored:
    """A fetched page stored; analysis is the caller's to send, on `lane`."""

    lane: str
    bytes: int
    status: int


@dataclass(frozen=True)
class Done:
    """The item's work finished (analysis stored, feed polled); `details` is what Flower shows."""

    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RequeueAfter:
    """The host's politeness gate says wait: the message goes back on its queue (not a retry, not a failure)."""

    seconds: float


@dataclass(frozen=True)
class RetryIn:
    """A transient error with attempts left: tried again after `seconds` (a single-article task raises Retry)."""

    seconds: float
    reason: str


@dataclass(frozen=True)
class Skipped:
    """Nothing to do (gone, moved on, another delivery did it) or deliberately not done (robots.txt)."""

    reason: str
    word: str = "skipped"  # the batch result's key: `skipped`, or `disallowed` for robots.txt


@dataclass(frozen=True)
class Failed:
    """The item's failure, already recorded in Postgres. `permanent`: it will not be tried again by itself
    (a page that 404s, a poison page, a feed muted or refused for good); a transient feed error is polled
    again after `retry_in_s` by the feed's own schedule."""

    reason: str
    permanent: bool = True
    state: str | None = "failed"  # the article's state: failed or quarantined (None for a feed)
    retry_in_s: float | None = None
    note: str | None = None  # said after the reason in Flower (why a feed was muted)


Outcome = Stored | Done | RequeueAfter | RetryIn | Skipped | Failed


class FailedForGood(Exception):
    """Raised at the task boundary after a failure was stored, only so Celery and Flower show FAILURE with the
    reason. Declared in the tasks' `throws`: logged as expected (no traceback), never retried, and acked like
    any finished task under acks_late (the failure is in Postgres; a redelivery would find nothing to do)."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result or {}  # the dict the task would have answered: for tests and logs


def word(outcome: Outcome) -> str:
    """One word for what happened to an item: the key a batch task groups its ids under."""
    match outcome:
        case Stored():
            return "stored"
        case Done():
            return "done"
        case RequeueAfter():
            return "requeued"
        case RetryIn():
            return "retry_in_s"
        case Skipped(word=w):
            return w
        case Failed(state=state):
            return state or "failed"


def result(outcome: Outcome) -> dict[str, Any]:
    """The dict a single-item task answers (what Flower shows in its Result column)."""
    match outcome:
        case Stored(lane=lane, bytes=size, status=status):
            return {"stored": lane, "bytes": size, "status": status}
        case Done(details=details):
            return dict(details)
        case RequeueAfter(seconds=s):
            return {"requeued_s": s}
        case RetryIn(seconds=s):
            return {"retry_in_s": round(s, 1)}
        case Skipped(reason=reason):
            return {"skipped": reason}
        case Failed(reason=reason, state=state, retry_in_s=retry):
            return {**({"state": state} if state else {}), "error": reason,
                    **({"backoff_s": retry} if retry is not None else {})}


def finish(outcome: Outcome, item: str) -> dict[str, Any]:
    """At the task boundary: the result dict, or FailedForGood when the item failed for good."""
    answer = result(outcome)
    if isinstance(outcome, Failed) and outcome.permanent:
        note = f" ({outcome.note})" if outcome.note else ""
        raise FailedForGood(f"{item}: {outcome.reason}{note}", answer)
    return answer


def finish_batch(outcomes: dict[str, list[int]], failures: dict[int, str]) -> dict[str, list[int]]:
    """A batch task's answer (ids by outcome word), or FailedForGood naming each article that failed for good
    with its reason, followed by the whole answer so Flower's row still tells what happened to the rest."""
    answer = dict(outcomes)
    if failures:
        reasons = "; ".join(f"article {i}: {reason}" for i, reason in failures.items())
        raise FailedForGood(f"{reasons} (outcomes: {answer})", answer)
    return answer
