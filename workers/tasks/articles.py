"""Article tasks: fetch one page, analyse it (clean + extract), or re-extract a stored document.

Each takes an article id, counts its attempt in Postgres first (so a page that kills its worker
still stops after `max_attempts`), and advances the article only in the transaction that stores
the result. A duplicate delivery finds the article past its stage and does nothing.
`fetch_one` and `analyse_one` are that work for one article; the batch tasks (`batches.py`) loop
over them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from psycopg.types.json import Jsonb

from workers.clean.simhash import NEAR_DUPLICATE_BITS
from workers.db import QUERIES, get_pool
from workers.db.pages import pack_page, unpack_page
from workers.db.results import store_document, store_extraction
from workers.errors import PermanentError, QuarantineError, StageError, TransientError
from workers.extract import extract_document
from workers.feeds.dates import reconcile_published
from workers.fetch.http import fetch_url
from workers.models import CleanDoc
from workers.pipeline import analyse_html
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.common import INFRA_RETRY, backoff_s
from workers.tasks.gates import host_gate, host_key
from workers.tasks.lanes import enqueue, requeue_here
from workers.tasks.registry import link_article
from workers.tasks.robots import robots_allows
from workers.taskspec import ANALYSE_ARTICLE, EXTRACT_ARTICLE, FETCH_ARTICLE
from workers.versions import FETCH_VERSION

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


def _begin(article_id: int, stage: str) -> dict[str, Any] | None:
    with get_pool().connection() as conn:
        return conn.execute(QUERIES["begin_attempt"], {"id": article_id, "stage": stage}).fetchone()


def _fail(article_id: int, stage: str, exc: BaseException, state: str = "failed") -> dict[str, Any]:
    # billiard's SoftTimeLimitExceeded prints as its repr: say its message instead.
    detail = exc.args[0] if isinstance(exc, SoftTimeLimitExceeded) and exc.args else exc
    message = f"{type(exc).__name__}: {detail}"[:2000]
    with get_pool().connection() as conn:
        conn.execute(QUERIES["article_failed"],
                     {"id": article_id, "state": state, "error": message, "stage": stage})
    log.warning("article %s", state, extra={"article_id": article_id, "stage": stage, "error": message})
    return {"state": state, "error": message}


# What a fetch does when a transient error leaves attempts (countdown, error, the article's lane): answers
# for the task, or raises Celery's Retry.
RetryLater = Callable[[float, StageError, str], dict[str, Any]]


def _retry_or_fail(retry_later: RetryLater, article: dict[str, Any], stage: str, attempts: int,
                   exc: StageError) -> dict[str, Any]:
    s, article_id = get_settings(), article["id"]
    if attempts >= s.max_attempts:
        return _fail(article_id, stage, StageError(f"gave up after {attempts} attempts: {exc}"))
    with get_pool().connection() as conn:
        conn.execute(QUERIES["article_retrying"],
                     {"id": article_id, "error": f"{type(exc).__name__}: {exc}"[:2000], "stage": stage})
    return retry_later(backoff_s(attempts, exc.retry_after_s), exc, article["lane"])


def _too_many(article_id: int, stage: str, attempts: int) -> dict[str, Any] | None:
    s = get_settings()
    if attempts > s.max_attempts:
        # Redelivered after its worker died each time: a poison input.
        return _fail(article_id, stage, StageError(f"gave up after {attempts - 1} attempts (worker lost)"))
    return None


@app.task(name=FETCH_ARTICLE, bind=True, **INFRA_RETRY)
def fetch_article(self: Task, article_id: int) -> dict[str, Any]:
    def retry_later(countdown: float, exc: StageError, lane: str) -> dict[str, Any]:
        raise self.retry(countdown=countdown, exc=exc, max_retries=None)

    out = fetch_one(article_id, retry_later)
    if "requeue_s" in out:
        requeue_here(self, (article_id,), min(out["requeue_s"], get_settings().politeness_requeue_max_s))
        return {"requeued_s": out["requeue_s"]}
    if "stored" in out:
        enqueue(analyse_article.name, article_id, out["stored"])
    return out


def fetch_one(article_id: int, retry_later: RetryLater, *, own_time_limit: bool = True) -> dict[str, Any]:
    """Fetch and store one article's page; the caller sends what comes next.

    Answers `{"stored": lane, ...}` when the page was stored (analysis is the caller's to enqueue),
    `{"requeue_s": wait}` when the host's politeness gate says wait, or what was recorded otherwise.
    A soft time limit spent on this page's robots check or fetch is recorded on it as that (not left for
    the sweeper to call a lost worker); `own_time_limit=False` (an article after others in one task)
    raises it instead, for the caller to send this article and the rest again.
    """
    s = get_settings()
    with get_pool().connection() as conn:
        article = conn.execute(QUERIES["get_article"], {"id": article_id}).fetchone()
    if article is None:
        log.warning("article vanished", extra={"article_id": article_id})
        return {"skipped": "no such article"}
    if article["stage"] != "fetch" or article["state"] not in ("queued", "pending"):
        return {"skipped": f"article is at {article['stage']}/{article['state']}"}

    gate, host = host_gate(), host_key(article["url"])
    wait = gate.acquire(host)
    if wait > 0:
        return {"requeue_s": wait}
    try:
        row = _begin(article_id, "fetch")
        if row is None:
            return {"skipped": "already past fetch"}
        attempts = row["attempts"]
        if stop := _too_many(article_id, "fetch", attempts):
            return stop
        try:
            if s.respect_robots and not robots_allows(article["url"]):
                return _fail(article_id, "fetch", PermanentError("robots.txt disallows this page"), "skipped")
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

    with get_pool().connection() as conn:
        # One statement advances (locking the article) and stores: of two copies that fetched side by side
        # only the first stores the page and sends it on (the later one would send an analysed article back).
        advanced = conn.execute(QUERIES["store_fetched_page"], {
            "article_id": article_id, "next_task": analyse_article.name, "final_url": resp.url,
            "http_status": resp.status, "headers": Jsonb(dict(resp.headers)),
            "content_type": resp.headers.get("content-type"),
            "body_packed": pack_page(resp.body), "body_bytes": len(resp.body),
            "elapsed_ms": int(resp.elapsed_s * 1000), "fetch_version": FETCH_VERSION,
        }).fetchone()
    if advanced is None:
        return {"skipped": "another delivery stored this page first"}
    return {"stored": article["lane"], "bytes": len(resp.body), "status": resp.status}


def _claim(article_id: int, query: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Count an analyse attempt and load its input in one round trip (`begin_analysis`/`begin_extraction`).

    Returns (what the task should answer instead of working, or None to go on; the loaded row).
    """
    with get_pool().connection() as conn:
        # Binary results: a page comes back as its bytes, not as hex text twice its size to decode.
        row = conn.execute(QUERIES[query], {"id": article_id}, binary=True).fetchone()
    if row is None:
        return {"skipped": "not waiting for analyse"}, {}
    return _too_many(article_id, "analyse", row["attempts"]), row


def _analysis_failed(article_id: int, exc: Exception) -> dict[str, Any]:
    """Record why analysis stopped on the article itself; bugs are logged with their traceback too."""
    if not isinstance(exc, StageError | SoftTimeLimitExceeded):
        log.exception("analysis crashed", extra={"article_id": article_id})
    return _fail(article_id, "analyse", exc, "quarantined" if isinstance(exc, QuarantineError) else "failed")


def _done(conn: Any, article_id: int) -> None:
    conn.execute(QUERIES["advance_article"], {"id": article_id, "stage": "done", "state": "done", "next_task": None})


def _link(article_id: int) -> None:
    """After the extraction is stored: link its mentions into the registry, a task of its own on the article's
    lane (`nlp` when live, `reprocess` when re-processed)."""
    with get_pool().connection() as conn:
        row = conn.execute(QUERIES["registry_lane"], {"id": article_id}).fetchone()
    enqueue(link_article.name, article_id, row["lane"] if row else "live")


@app.task(name=ANALYSE_ARTICLE, bind=True, **INFRA_RETRY)
def analyse_article(self: Task, article_id: int) -> dict[str, Any]:
    return analyse_one(article_id)


def analyse_one(article_id: int, *, own_time_limit: bool = True) -> dict[str, Any]:
    """Clean + extract one stored page and store the results, or record why not on the article.

    `own_time_limit=False` (an article after others in one task): the task's soft time limit may have
    been spent by the articles before it, so SoftTimeLimitExceeded is raised for the caller to send
    this article again rather than recorded as this page's failure.
    """
    stop, raw = _claim(article_id, "begin_analysis")
    if stop:
        return stop
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
    # Pipeline mode: the statements of the transaction go out together instead of one round trip each.
    with get_pool().connection() as conn, conn.pipeline(), conn.transaction():
        near = store_document(conn, article_id, doc, near_dup_bits=NEAR_DUPLICATE_BITS)
        store_extraction(conn, article_id, analysis.result)
        _done(conn, article_id)
    _link(article_id)
    return {"relevant": analysis.result["kz_cn"]["relevant"], "near_dup_of": near,
            "seconds": round(time.monotonic() - started, 3)}


@app.task(name=EXTRACT_ARTICLE, bind=True, **INFRA_RETRY)
def extract_article(self: Task, article_id: int) -> dict[str, Any]:
    """Re-extract from the stored cleaned text (no fetch, no clean): what `reprocess --stage extract` runs."""
    stop, d = _claim(article_id, "begin_extraction")
    if stop:
        return stop
    if not d["has_document"]:
        return _fail(article_id, "analyse", PermanentError("no cleaned document to extract from"))
    doc = CleanDoc(text=d["text"], title=d["title"], published=d["published"], language=d["language"],
                   canonical_url=d["canonical_url"], content_hash=d["content_hash"], simhash=d["simhash"])
    try:
        result = extract_document(doc, settings=get_settings())
    except Exception as exc:  # see analyse_article
        return _analysis_failed(article_id, exc)
    with get_pool().connection() as conn, conn.pipeline(), conn.transaction():
        store_extraction(conn, article_id, result)
        _done(conn, article_id)
    _link(article_id)
    return {"relevant": result["kz_cn"]["relevant"]}
