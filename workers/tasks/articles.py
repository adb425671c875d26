"""Article tasks: fetch one page, analyse it (clean + extract), or re-extract a stored document.

Each takes an article id, counts its attempt in Postgres first (so a page that kills its worker
still stops after `max_attempts`), and advances the article only in the transaction that stores
the result (`workers.db.articles` runs every statement). A duplicate delivery finds the article past
its stage and does nothing. `fetch_one` and `analyse_one` are that work for one article and answer a
typed outcome (`workers.tasks.outcome`); the single-article tasks here and the batch tasks
(`batches.py`) turn it into what Flower shows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from workers.clean.simhash import NEAR_DUPLICATE_BITS
from workers.dates import reconcile_published
from workers.db import articles as db
from workers.db.pages import unpack_page
from workers.errors import PermanentError, QuarantineError, StageError, TransientError
from workers.extract import extract_document
from workers.fetch.http import fetch_url
from workers.fetch.politeness import host_key
from workers.models import CleanDoc
from workers.pipeline import analyse_html
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.common import INFRA_RETRY, backoff_s, host_gate, robots_allows
from workers.tasks.lanes import enqueue, requeue_here
from workers.tasks.outcome import (
    Done,
    Failed,
    FailedForGood,
    Outcome,
    RequeueAfter,
    Skipped,
    Stored,
    finish,
)
from workers.tasks.registry import link_article
from workers.taskspec import ANALYSE_ARTICLE, EXTRACT_ARTICLE, FETCH_ARTICLE

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# Options of every article task: a failure stored for good is raised only for Flower (see outcome.py).
ARTICLE_TASK = {"bind": True, "throws": (FailedForGood,), **INFRA_RETRY}


def _fail(article_id: int, stage: str, exc: BaseException, state: str = "failed") -> Failed:
    # billiard's SoftTimeLimitExceeded prints as its repr: say its message instead.
    detail = exc.args[0] if isinstance(exc, SoftTimeLimitExceeded) and exc.args else exc
    message = f"{type(exc).__name__}: {detail}"[:2000]
    db.mark_failed(article_id, stage, state, message)
    log.warning("article %s", state, extra={"article_id": article_id, "stage": stage, "error": message})
    return Failed(message, state=state)


# What a fetch does when a transient error leaves attempts (countdown, error, the article's lane): answers
# for the task, or raises Celery's Retry.
RetryLater = Callable[[float, StageError, str], Outcome]


def _retry_or_fail(retry_later: RetryLater, article: dict[str, Any], stage: str, attempts: int,
                   exc: StageError) -> Outcome:
    if attempts >= get_settings().max_attempts:
        return _fail(article["id"], stage, StageError(f"gave up after {attempts} attempts: {exc}"))
    db.mark_retrying(article["id"], stage, f"{type(exc).__name__}: {exc}"[:2000])
    return retry_later(backoff_s(attempts, exc.retry_after_s), exc, article["lane"])


def _too_many(article_id: int, stage: str, attempts: int) -> Failed | None:
    if attempts > get_settings().max_attempts:
        # Redelivered after its worker died each time: a poison input.
        return _fail(article_id, stage, StageError(f"gave up after {attempts - 1} attempts (worker lost)"))
    return None


@app.task(name=FETCH_ARTICLE, **ARTICLE_TASK)
def fetch_article(self: Task, article_id: int) -> dict[str, Any]:
    def retry_later(countdown: float, exc: StageError, lane: str) -> Outcome:
        raise self.retry(countdown=countdown, exc=exc, max_retries=None)

    out = fetch_one(article_id, retry_later)
    if isinstance(out, RequeueAfter):
        requeue_here(self, (article_id,), min(out.seconds, get_settings().politeness_requeue_max_s))
    elif isinstance(out, Stored):
        enqueue(analyse_article.name, article_id, out.lane)
    return finish(out, f"article {article_id}")


def fetch_one(article_id: int, retry_later: RetryLater, *, own_time_limit: bool = True) -> Outcome:
    """Fetch and store one article's page; the caller sends what comes next.

    Answers Stored when the page was stored (analysis is the caller's to enqueue), RequeueAfter when the
    host's politeness gate says wait, or what was recorded otherwise. A soft time limit spent on this page's
    robots check or fetch is recorded on it as that (not left for the sweeper to call a lost worker);
    `own_time_limit=False` (an article after others in one task) raises it instead, for the caller to send
    this article and the rest again.
    """
    s = get_settings()
    article = db.get_article(article_id)
    if article is None:
        log.warning("article vanished", extra={"article_id": article_id})
        return Skipped("no such article")
    if article["stage"] != "fetch" or article["state"] not in ("queued", "pending"):
        return Skipped(f"article is at {article['stage']}/{article['state']}")

    gate, host = host_gate(), host_key(article["url"])
    wait = gate.acquire(host)
    if wait > 0:
        return RequeueAfter(wait)
    try:
        attempts = db.begin_attempt(article_id, "fetch")
        if attempts is None:
            return Skipped("already past fetch")
        if stop := _too_many(article_id, "fetch", attempts):
            return stop
        try:
            if s.respect_robots and not robots_allows(article["url"]):
                refused = _fail(article_id, "fetch", PermanentError("robots.txt disallows this page"), "skipped")
                return Skipped(refused.reason, word="disallowed")
            resp = fetch_url(article["url"], settings=s, max_bytes=s.max_page_bytes, accept=PAGE_ACCEPT)
        except TransientError as exc:
            return _retry_or_fail(retry_later, article, "fetch", attempts, exc)
        except PermanentError as exc:
            return _fail(article_id, "fetch", exc)
        except SoftTimeLimitExceeded:
            if not own_time_limit:
                raise
            spent = f"the soft time limit ({s.task_soft_limit_s} s) ran out fetching this page"
            return _fail(article_id, "fetch", SoftTimeLimitExceeded(spent))
    finally:
        gate.release(host)

    if not db.store_page(article_id, resp, next_task=analyse_article.name):
        return Skipped("another delivery stored this page first")
    return Stored(article["lane"], len(resp.body), resp.status)


def _analysis_failed(article_id: int, exc: Exception) -> Failed:
    """Record why analysis stopped on the article itself; bugs are logged with their traceback too."""
    if not isinstance(exc, StageError | SoftTimeLimitExceeded):
        log.exception("analysis crashed", extra={"article_id": article_id})
    return _fail(article_id, "analyse", exc, "quarantined" if isinstance(exc, QuarantineError) else "failed")


def _claimed(article_id: int, row: dict[str, Any] | None) -> Outcome | None:
    """What to answer instead of analysing: not waiting for analysis, or out of attempts."""
    if row is None:
        return Skipped("not waiting for analyse")
    return _too_many(article_id, "analyse", row["attempts"])


def _link(article_id: int) -> None:
    """After the extraction is stored: link its mentions into the registry, a task of its own on the article's
    lane (`nlp` when live, `reprocess` when re-processed)."""
    enqueue(link_article.name, article_id, db.lane_of(article_id) or "live")


@app.task(name=ANALYSE_ARTICLE, **ARTICLE_TASK)
def analyse_article(self: Task, article_id: int) -> dict[str, Any]:
    return finish(analyse_one(article_id), f"article {article_id}")


def analyse_one(article_id: int, *, own_time_limit: bool = True) -> Outcome:
    """Clean + extract one stored page and store the results, or record why not on the article.

    `own_time_limit=False` (an article after others in one task): the task's soft time limit may have
    been spent by the articles before it, so SoftTimeLimitExceeded is raised for the caller to send
    this article again rather than recorded as this page's failure.
    """
    raw = db.claim_analysis(article_id)
    if stop := _claimed(article_id, raw):
        return stop
    assert raw is not None
    if not raw["has_page"]:
        return _fail(article_id, "analyse", PermanentError("no stored page to analyse"))
    started = time.monotonic()
    try:
        s = get_settings()
        page = unpack_page(raw["body_packed"], max_bytes=s.max_page_bytes)
        analysis = analyse_html(page, settings=s, url=raw["final_url"], headers=raw["headers"])
    except SoftTimeLimitExceeded as exc:
        if not own_time_limit:
            raise
        return _analysis_failed(article_id, exc)
    except Exception as exc:  # a bad page, or a bug on one page, is recorded on that page
        return _analysis_failed(article_id, exc)
    # The stored date is cross-checked with the feed's; the extraction object stays what the CLI prints.
    doc = replace(analysis.doc, published=reconcile_published(analysis.doc.published, raw["feed_published_at"]))
    near = db.store_analysis(article_id, doc, analysis.result, near_dup_bits=NEAR_DUPLICATE_BITS)
    _link(article_id)
    return Done({"relevant": analysis.result["kz_cn"]["relevant"], "near_dup_of": near,
                 "seconds": round(time.monotonic() - started, 3)})


@app.task(name=EXTRACT_ARTICLE, **ARTICLE_TASK)
def extract_article(self: Task, article_id: int) -> dict[str, Any]:
    """Re-extract from the stored cleaned text (no fetch, no clean): what `reprocess --stage extract` runs."""
    return finish(extract_one(article_id), f"article {article_id}")


def extract_one(article_id: int) -> Outcome:
    d = db.claim_extraction(article_id)
    if stop := _claimed(article_id, d):
        return stop
    assert d is not None
    if not d["has_document"]:
        return _fail(article_id, "analyse", PermanentError("no cleaned document to extract from"))
    doc = CleanDoc(text=d["text"], title=d["title"], published=d["published"], language=d["language"],
                   canonical_url=d["canonical_url"], content_hash=d["content_hash"], simhash=d["simhash"])
    try:
        result = extract_document(doc, settings=get_settings())
    except Exception as exc:  # see analyse_one
        return _analysis_failed(article_id, exc)
    db.store_analysis(article_id, None, result, near_dup_bits=NEAR_DUPLICATE_BITS)
    _link(article_id)
    return Done({"relevant": result["kz_cn"]["relevant"]})
