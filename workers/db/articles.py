"""An article's way through the stages, as the tasks move it: claim an attempt, fail, retry, store its page,
store its analysis, sweep the lost ones. Every statement the article tasks run is here; each function is
one round trip or one transaction on this process's pool.

Stage state lives in Postgres (see docs/reliability.md): an attempt is counted before the work, so a page
that kills its worker still stops after `max_attempts`, and an article advances only in the statement or
transaction that stores the result, so a duplicate delivery finds it moved on.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from workers.db.named import QUERIES
from workers.db.pages import pack_page
from workers.db.pool import get_pool
from workers.db.results import store_document, store_extraction
from workers.models import CleanDoc, HttpResponse
from workers.versions import FETCH_VERSION

Row = dict[str, Any]


def get_article(article_id: int) -> Row | None:
    with get_pool().connection() as conn:
        return conn.execute(QUERIES["get_article"], {"id": article_id}).fetchone()


def begin_attempt(article_id: int, stage: str) -> int | None:
    """Count an attempt at `stage`; answers the attempts so far, or None when the article is not waiting there."""
    with get_pool().connection() as conn:
        row = conn.execute(QUERIES["begin_attempt"], {"id": article_id, "stage": stage}).fetchone()
    return None if row is None else int(row["attempts"])


def claim_analysis(article_id: int) -> Row | None:
    """Count an analyse attempt and load the stored page and its feed date in one round trip (None: not waiting)."""
    with get_pool().connection() as conn:
        # Binary results: a page comes back as its bytes, not as hex text twice its size to decode.
        return conn.execute(QUERIES["begin_analysis"], {"id": article_id}, binary=True).fetchone()


def claim_extraction(article_id: int) -> Row | None:
    """Count an analyse attempt and load the stored cleaned document (re-extraction); None: not waiting."""
    with get_pool().connection() as conn:
        return conn.execute(QUERIES["begin_extraction"], {"id": article_id}, binary=True).fetchone()


def mark_failed(article_id: int, stage: str, state: str, error: str) -> None:
    """Stop the article in `stage` as `state` (failed, quarantined, skipped) with its error."""
    with get_pool().connection() as conn:
        conn.execute(QUERIES["article_failed"], {"id": article_id, "state": state, "error": error, "stage": stage})


def mark_retrying(article_id: int, stage: str, error: str) -> None:
    """Keep the last transient error visible while the task retries."""
    with get_pool().connection() as conn:
        conn.execute(QUERIES["article_retrying"], {"id": article_id, "error": error, "stage": stage})


def store_page(article_id: int, resp: HttpResponse, *, next_task: str) -> bool:
    """Advance a fetched article to analysis and store its page; False when another delivery stored it first.

    One statement advances (locking the article) and stores: of two copies that fetched side by side only the
    first stores the page and sends it on (the later one would send an analysed article back).
    """
    with get_pool().connection() as conn:
        advanced = conn.execute(QUERIES["store_fetched_page"], {
            "article_id": article_id, "next_task": next_task, "final_url": resp.url,
            "http_status": resp.status, "headers": Jsonb(dict(resp.headers)),
            "content_type": resp.headers.get("content-type"),
            "body_packed": pack_page(resp.body), "body_bytes": len(resp.body),
            "elapsed_ms": int(resp.elapsed_s * 1000), "fetch_version": FETCH_VERSION,
        }).fetchone()
    return advanced is not None


def store_analysis(article_id: int, doc: CleanDoc | None, result: dict[str, Any], *,
                   near_dup_bits: int) -> int | None:
    """Store the cleaned document (unless re-extracting, `doc=None`) and the extraction, and mark the article
    done, in one transaction; answers the near duplicate found for the document, if any."""
    near = None
    # Pipeline mode: the statements of the transaction go out together instead of one round trip each.
    with get_pool().connection() as conn, conn.pipeline(), conn.transaction():
        if doc is not None:
            near = store_document(conn, article_id, doc, near_dup_bits=near_dup_bits)
        store_extraction(conn, article_id, result)
        conn.execute(QUERIES["advance_article"],
                     {"id": article_id, "stage": "done", "state": "done", "next_task": None})
    return near


def lane_of(article_id: int) -> str | None:
    """The article's lane (`live` or `reprocess`), None when it is gone."""
    with get_pool().connection() as conn:
        row = conn.execute(QUERIES["registry_lane"], {"id": article_id}).fetchone()
    return row["lane"] if row else None


def sweep_stuck(stuck_s: float, limit: int) -> list[Row]:
    """Re-claim articles queued longer than `stuck_s` (their message was lost): id, next_task, lane each."""
    with get_pool().connection() as conn:
        return conn.execute(QUERIES["sweep_stuck"], {"stuck_s": stuck_s, "limit": limit}).fetchall()


def sweep_unlinked(stuck_s: float, limit: int) -> list[Row]:
    """Analysed articles whose link message was lost: id and lane each."""
    with get_pool().connection() as conn:
        return conn.execute(QUERIES["registry_unlinked_articles"], {"stuck_s": stuck_s, "limit": limit}).fetchall()
