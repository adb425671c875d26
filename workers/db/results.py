"""Store a cleaned document and its extraction in one transaction, replacing earlier versions."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from workers.db.queries import QUERIES
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


def _countries(items: list[dict[str, Any]]) -> list[str]:
    return sorted({i["country"] for i in items if i.get("country")})


def store_extraction(conn: Connection[Any], article_id: int, result: dict[str, Any]) -> None:
    """Replace the extraction and its normalised rows (delete + batched insert)."""
    aid = {"article_id": article_id}
    relevance = result.get("kz_cn") or {}
    conn.execute(QUERIES["upsert_extraction"], {
        **aid, "extractor_version": result["extractor_version"],
        "relevant": bool(relevance.get("relevant")), "score": float(relevance.get("score") or 0.0),
        "result": Jsonb(result),
    })
    conn.execute(QUERIES["delete_extraction_rows"], aid)
    with conn.cursor() as cur:
        entities = [
            {**aid, "kind": kind, "name": e["name"], "country": e.get("country"),
             "position": e.get("position"), "mentions": int(e.get("mentions") or 1)}
            for kind, key in (("person", "persons"), ("organization", "organizations"))
            for e in result.get(key) or []
        ]
        if entities:
            cur.executemany(QUERIES["insert_entity"], entities)
        events = [
            {**aid, "ord": i, "type": e["type"], "status": e["status"], "date": e.get("date"),
             "location": e.get("location"), "cameo": e.get("cameo"),
             "countries": _countries(e.get("participants") or []),
             "participants": Jsonb(e.get("participants") or []), "evidence": Jsonb(e.get("evidence") or {})}
            for i, e in enumerate(result.get("events") or [])
        ]
        if events:
            cur.executemany(QUERIES["insert_event"], events)
        agreements = [
            {**aid, "ord": i, "kind": a["kind"], "level": a.get("level"), "status": a["status"],
             "title": a.get("title"), "subject": a.get("subject"),
             "countries": _countries(a.get("parties") or []),
             "parties": Jsonb(a.get("parties") or []), "evidence": Jsonb(a.get("evidence") or {})}
            for i, a in enumerate(result.get("agreements") or [])
        ]
        if agreements:
            cur.executemany(QUERIES["insert_agreement"], agreements)
        figures = [
            {**aid, "ord": i, "kind": f["kind"], "value": f.get("value"), "unit": f.get("unit"),
             "text": f.get("text")}
            for i, f in enumerate(result.get("figures") or [])
        ]
        if figures:
            cur.executemany(QUERIES["insert_figure"], figures)
        sectors = [{**aid, "sector": s} for s in result.get("sectors") or []]
        if sectors:
            cur.executemany(QUERIES["insert_sector"], sectors)
