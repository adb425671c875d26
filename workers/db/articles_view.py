"""Reading articles and their results back for operators and analysts: one article with everything the
stages stored, and the filtered listings of mentions, canonical records and full-text search.
"""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from workers.db import QUERIES
from workers.listings import SNIPPET_MARKS

Row = dict[str, Any]
EXCERPT_CHARS = 600


def _rows(conn: Connection[Any], name: str, params: dict[str, Any]) -> list[Row]:
    return [dict(r) for r in conn.execute(QUERIES[name], params).fetchall()]


def find_article(conn: Connection[Any], ref: str) -> Row | None:
    """An article by id ('42') or by URL (listed, final or canonical); None when there is none."""
    ref = ref.strip()
    article_id = int(ref) if ref.isdigit() else None
    row = conn.execute(QUERIES["article_find"], {"id": article_id, "url": None if article_id else ref}).fetchone()
    return dict(row) if row else None


def article_detail(conn: Connection[Any], article: Row, *, excerpt_chars: int = EXCERPT_CHARS) -> Row:
    """The article with its stage outputs, feeds, event and agreement mentions (and their canonical ids)."""
    params = {"id": article["id"], "excerpt_chars": excerpt_chars}
    outputs = conn.execute(QUERIES["article_stage_outputs"], params).fetchone()
    return {**article, **dict(outputs or {}),
            "feeds": _rows(conn, "article_feeds_of", params),
            "events": _rows(conn, "article_event_mentions", params),
            "agreements": _rows(conn, "article_agreement_mentions", params)}


def event_mentions(conn: Connection[Any], filters: dict[str, Any]) -> list[Row]:
    """Per-article event rows; filters: since, until, countries, types, party, relevant_only, article, feed, limit."""
    return _rows(conn, "list_events", filters)


def agreement_mentions(conn: Connection[Any], filters: dict[str, Any]) -> list[Row]:
    """Per-article agreement rows, with the same filters as `event_mentions`."""
    return _rows(conn, "list_agreements", filters)


def search_documents(conn: Connection[Any], filters: dict[str, Any],
                     marks: tuple[str, str] = SNIPPET_MARKS) -> list[Row]:
    """Ranked full-text hits with snippets, matches between `marks` (the CLI's «» unless asked otherwise);
    filters: query, prefix, since, until, relevant_only, countries, types, party, limit."""
    return _rows(conn, "search_documents", {"mark_start": marks[0], "mark_stop": marks[1], **filters})


def canonical_events(conn: Connection[Any], filters: dict[str, Any]) -> list[Row]:
    """Canonical events; filters: id, since, until, countries, types, party, article, feed, limit."""
    return _rows(conn, "registry_list_events", filters)


def canonical_agreements(conn: Connection[Any], filters: dict[str, Any]) -> list[Row]:
    """Canonical agreements; filters: since, until, countries, types, party, article, feed, limit."""
    return _rows(conn, "registry_list_agreements", {"statuses": None, "sector": None, **filters})


_REPORTS_OF = {"event": "registry_event_reports_of", "agreement": "registry_agreement_reports_of"}


def reports_of(conn: Connection[Any], kind: str, ids: list[int]) -> list[Row]:
    """Every report of these canonical records (kind: event or agreement), in publication order."""
    return _rows(conn, _REPORTS_OF[kind], {"ids": ids})
