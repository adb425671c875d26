"""What every finished task adds to the Redis-kept counters (workers.observability.counters).

Connected to Celery's task_prerun/task_postrun signals by the app module (`install()`), so the tasks stay
unaware of metrics. Reads only what a task answers (its return value, or its state when it raised) plus,
for failed and analysed articles, one short query: the reason stored on the article and its publication
time. Names come from workers.taskspec (stdlib data), never from the tasks package.

A metric that cannot be written (Redis or PostgreSQL down) is dropped with a debug line: the task's own
outcome must never depend on its metrics.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from workers import taskspec as ts

log = logging.getLogger(__name__)

STAGE_OF: dict[str, str] = {
    ts.POLL_FEED: "poll", ts.FETCH_ARTICLE: "fetch", ts.FETCH_ARTICLES: "fetch", ts.ANALYSE_ARTICLE: "analyse",
    ts.ANALYSE_ARTICLES: "analyse", ts.EXTRACT_ARTICLE: "extract", ts.LINK_ARTICLE: "link",
    ts.POLL_DUE_FEEDS: "schedule", ts.SWEEP_STUCK: "sweep", ts.SWEEP_UNLINKED: "sweep",
}
STAGES = ("poll", "fetch", "analyse", "extract", "link")
BATCH_TASKS = frozenset({ts.FETCH_ARTICLES, ts.ANALYSE_ARTICLES})
ANALYSIS_TASKS = frozenset({ts.ANALYSE_ARTICLE, ts.ANALYSE_ARTICLES})
SINGLE_ARTICLE_TASKS = frozenset({ts.FETCH_ARTICLE, ts.ANALYSE_ARTICLE, ts.EXTRACT_ARTICLE, ts.LINK_ARTICLE})
# Outcomes that are failures for good (recorded on the article or the feed); retries and politeness
# waits are not failures.
FAILED = frozenset({"failed", "quarantined", "error"})

TASK_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, float("inf"))
# Publication (the feed's date) to extraction: minutes for a live feed, days for a backfill.
LATENCY_BUCKETS = (60, 300, 900, 1800, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400,
                   float("inf"))

_started: dict[str, float] = {}

_HTTP = re.compile(r"\bHTTP (\d{3})\b")


def reason_of(message: str | None) -> str:
    """A short, bounded reason for an error message as the stages store it ("ClassName: detail")."""
    if not message:
        return "unknown"
    text = message.lower()
    if (m := _HTTP.search(message)) is not None:
        return f"http_{m[1]}"
    for needle, reason in (("robots.txt", "robots"), ("gave up after", "gave_up"), ("deadline", "timeout"),
                           ("timeout", "timeout"), ("timelimit", "time_limit"), ("cannot resolve", "dns"),
                           ("no address for", "dns"), ("connection failed", "connect"), ("tls", "tls"),
                           ("refused", "refused"), ("exceeds", "too_large")):
        if needle in text:
            return reason
    head = message.split(":", 1)[0].strip()
    return {"QuarantineError": "quarantined", "PermanentError": "permanent", "TransientError": "transient",
            "StageError": "stage_error"}.get(head, "other")


def _outcome_of_one(task: str, out: dict[str, Any]) -> str:
    """One word for a single-item answer (feed poll or one article)."""
    if "state" in out:  # failed, quarantined, or skipped for robots.txt
        return "disallowed" if out["state"] == "skipped" else str(out["state"])
    if "error" in out:
        return "failed"
    if "requeue_s" in out or "requeued_s" in out:
        return "requeued"
    if "retry_in_s" in out:
        return "retry"
    if "skipped" in out:
        return "skipped"
    if task == ts.POLL_FEED and out.get("status") == 304:
        return "not_modified"
    return "done"


def outcomes(task: str, state: str, retval: Any, item: int | None = None) -> dict[str, list[int | None]]:
    """Outcome → the items (article ids where known, else None) a finished task reports."""
    if state == "RETRY":
        return {"retry": [item]}
    if state != "SUCCESS":
        return {"error": [item]}
    if task in BATCH_TASKS and isinstance(retval, dict):
        # fetch_articles/analyse_articles answer {outcome: [ids]}; "stored" means the fetch is done.
        merged: dict[str, list[int | None]] = {}
        for word, ids in retval.items():
            key = {"stored": "done", "retry_in_s": "retry"}.get(str(word), str(word))
            merged.setdefault(key, []).extend(ids if isinstance(ids, list) else [None])
        return merged
    if isinstance(retval, dict):
        return {_outcome_of_one(task, retval): [item]}
    return {"done": [item]}


def _reasons(outcome: str, ids: list[int | None], retval: Any) -> list[str]:
    if outcome == "error":  # the task raised: its exception's class is the reason
        return [type(retval).__name__ if isinstance(retval, BaseException) else "error"] * len(ids)
    if isinstance(retval, dict) and isinstance(retval.get("error"), str):  # one item, its message at hand
        return [reason_of(retval["error"])] * len(ids)
    known = [i for i in ids if isinstance(i, int)]
    from workers.db import metrics as db_metrics  # on first failure only: the signal module stays light

    found = [reason_of(r["last_error"]) for r in db_metrics.failure_reasons(known)] if known else []
    return found + ["unknown"] * (len(ids) - len(found))


def record(task: str, state: str, retval: Any, seconds: float | None, queue: str | None,
           item: int | None = None) -> None:
    """Add one finished task to the counters: runs, items per outcome, failures per reason, durations."""
    from workers.observability.counters import recorder

    stage = STAGE_OF.get(task, "other")
    answer = getattr(retval, "result", None)
    if state == "FAILURE" and isinstance(answer, dict):
        # FailedForGood (workers.tasks.outcome): raised only so Flower shows the failure; the failure is
        # stored and the task's answer travels with the exception. Count its items like any answer.
        retval, items_state = answer, "SUCCESS"
    else:
        items_state = state
    rec = recorder()
    if seconds is not None:
        rec.observe("task_duration_seconds", (stage, task), seconds, TASK_DURATION_BUCKETS)
    rec.inc("task_runs", (stage, task, state.lower()))
    if stage in STAGES:
        by = outcomes(task, items_state, retval, item)
        for outcome, items in by.items():
            rec.inc("stage_items", (stage, outcome), len(items))
        for outcome in sorted(FAILED & set(by)):
            for reason in _reasons(outcome, by[outcome], retval):
                rec.inc("stage_failures", (stage, reason))
        done = [i for i in by.get("done", ()) if isinstance(i, int)]
        # Re-processing extracts old articles again: their age is not the pipeline's latency.
        if task in ANALYSIS_TASKS and queue != ts.REPROCESS_QUEUE and done:
            from workers.db import metrics as db_metrics

            for seconds_ in db_metrics.latencies(done):
                rec.observe("publication_to_extraction_seconds", (), seconds_, LATENCY_BUCKETS)
    rec.flush()


def _prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


def _postrun(task_id: str | None = None, task: Any = None, args: Any = None, retval: Any = None,
             state: str | None = None, **_: Any) -> None:
    started = _started.pop(task_id, None) if task_id else None
    name = getattr(task, "name", "") or ""
    if name not in STAGE_OF:
        return
    item = args[0] if name in SINGLE_ARTICLE_TASKS and args and isinstance(args[0], int) else None
    try:
        queue = (getattr(task.request, "delivery_info", None) or {}).get("routing_key")
        record(name, state or "SUCCESS", retval, None if started is None else time.monotonic() - started,
               queue, item)
    except Exception as exc:  # metrics must never fail a task
        log.debug("task metrics not recorded", extra={"task": name, "error": str(exc)})


def install() -> None:
    """Connect the handlers (idempotent: Celery keys receivers by dispatch_uid)."""
    from celery import signals

    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="silkwire.metrics.prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="silkwire.metrics.postrun")
