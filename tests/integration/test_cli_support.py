"""Builders shared by the CLI tests (no tests here): articles, pages, documents and extractions written
through the project's own named queries and `workers.db.results`, and a runner for `silkwire ...`.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from typing import Any

import pytest
from psycopg.types.json import Jsonb

from workers.clean import clean_text
from workers.db import QUERIES
from workers.db.feeds import upsert_feed
from workers.db.results import store_document, store_extraction
from workers.settings import get_settings


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `silkwire argv...` in this process; returns (exit status, stdout, stderr)."""
    from workers.cli.main import main

    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def add_feed(db: Any, name: str, url: str) -> int:
    return upsert_feed(db, name=name, url=url, source=f"src-{name}", country="KZ", category="government")[0]


def add_article(db: Any, url: str, *, feeds: tuple[int, ...] = (), first_seen: date | None = None) -> int:
    article_id = int(db.execute(QUERIES["insert_articles"], {
        "urls": [url], "feed_id": feeds[0] if feeds else None, "titles": [None], "published": [None]}).fetchone()["id"])
    for feed_id in feeds:
        db.execute(QUERIES["link_article_feeds"], {"feed_id": feed_id, "urls": [url]})
    if first_seen:
        db.execute("UPDATE articles SET first_seen_at = %s::date + time '12:00' WHERE id = %s",
                   (first_seen, article_id))
    return article_id


def add_page(db: Any, article_id: int, url: str, html: str, *, version: str = "fetch/1") -> None:
    body = html.encode("utf-8")
    # At any stage (the workers store a page only when advancing from fetch: store_fetched_page).
    db.execute("INSERT INTO raw_pages (article_id, final_url, http_status, headers, content_type, body_packed,"
               " body_bytes, elapsed_ms, fetch_version) VALUES (%(article_id)s, %(final_url)s, 200, %(headers)s,"
               " %(content_type)s, %(body_packed)s, %(body_bytes)s, 120, %(fetch_version)s)", {
        "article_id": article_id, "final_url": url,
        "headers": Jsonb({"content-type": "text/html; charset=utf-8"}), "content_type": "text/html; charset=utf-8",
        # gzip, as rows stored before migration 0004: re-processing them goes through the legacy reader
        "body_packed": gzip.compress(body), "body_bytes": len(body), "fetch_version": version,
    })


def add_document(db: Any, article_id: int, text: str, *, published: date | None = None) -> None:
    doc = clean_text(text, settings=get_settings())
    if published is not None:
        from dataclasses import replace

        doc = replace(doc, published=published)
    with db.transaction():
        store_document(db, article_id, doc, near_dup_bits=6)


def add_extraction(db: Any, article_id: int, result: dict[str, Any]) -> None:
    with db.transaction():
        store_extraction(db, article_id, result)


def set_state(db: Any, article_id: int, stage: str, state: str, error: str | None = None) -> None:
    db.execute(QUERIES["advance_article"], {"id": article_id, "stage": stage, "state": state, "next_task": None})
    if error is not None:
        db.execute(QUERIES["article_failed"], {"id": article_id, "state": state, "error": error, "stage": stage})


def result(*, version: str = "extract/1", relevant: bool = True, events: list[dict[str, Any]] | None = None,
           agreements: list[dict[str, Any]] | None = None, persons: list[dict[str, Any]] | None = None,
           title: str | None = None, published: str | None = None) -> dict[str, Any]:
    """A contract object (docs/extraction-contract.md) with only what a test needs filled in."""
    return {
        "schema": "silkwire.extraction/1", "extractor_version": version, "title": title, "published": published,
        "language": "ru", "text": "", "kz_cn": {"relevant": relevant, "score": 0.9 if relevant else 0.1},
        "persons": persons or [], "organizations": [], "events": events or [], "agreements": agreements or [],
        "agreement_totals": [], "figures": [], "sectors": [],
    }
