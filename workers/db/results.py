"""Store a cleaned document and its extraction in one transaction, replacing earlier versions."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from workers.db.named import QUERIES
from workers.models import CleanDoc
from workers.versions import CLEAN_VERSION

# Reprints follow a release within days: SimHashes are compared only this far back.
NEAR_DUP_WINDOW_DAYS = 21
# The band index (migration 0002) finds every SimHash at most this many bits away (7 bands, pigeonhole).
MAX_INDEXED_NEAR_DUP_BITS = 6


def store_document(conn: Connection[Any], article_id: int, doc: CleanDoc, *, near_dup_bits: int) -> int | None:
    """Upsert the document; returns the earliest article whose SimHash is within `near_dup_bits`, if any."""
    if not 0 <= near_dup_bits <= MAX_INDEXED_NEAR_DUP_BITS:
        raise ValueError(f"near_dup_bits must be 0..{MAX_INDEXED_NEAR_DUP_BITS}: the band index finds no more")
    row = conn.execute(QUERIES["find_near_duplicate"], {
        "article_id": article_id, "content_hash": doc.content_hash, "simhash": doc.simhash,
        "max_bits": near_dup_bits, "window_days": NEAR_DUP_WINDOW_DAYS,
    }).fetchone()
    near = row["article_id"] if row else None
    conn.execute(QUERIES["upsert_document"], {
        "article_id": article_id, "title": doc.title, "published": doc.published, "language": doc.language,
        "canonical_url": doc.canonical_url, "text": doc.text, "content_hash": doc.content_hash,
        "simhash": doc.simhash, "near_dup_of": near, "clean_version": CLEAN_VERSION,
    })
    return near


def store_extraction(conn: Connection[Any], article_id: int, result: dict[str, Any]) -> None:
    """Replace the extraction and its normalised rows (delete, then rows derived in Postgres from the JSON)."""
    aid = {"article_id": article_id}
    relevance = result.get("kz_cn") or {}
    conn.execute(QUERIES["upsert_extraction"], {
        **aid, "extractor_version": result["extractor_version"],
        "relevant": bool(relevance.get("relevant")), "score": float(relevance.get("score") or 0.0),
        "result": Jsonb(result),
    })
    conn.execute(QUERIES["delete_extraction_rows"], aid)
    conn.execute(QUERIES["insert_extraction_rows"], aid)
