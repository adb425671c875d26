"""What the analysts' pages read (workers/web): named queries of queries/web.sql and the registry's, on a
read-only pool of their own. Plain functions from a connection and checked parameters to rows (dicts).

Every connection of the pool sets `default_transaction_read_only = on` before it is handed out, whatever
role the DSN names (compose gives the web service the silkwire_reader role, which can only SELECT).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from workers.db import QUERIES

Row = dict[str, Any]
# Characters of cleaned text shown on each side of a report's evidence on the event page.
WINDOW_CHARS = 240
# The participants' countries and positions on the event page come from this many of its first reports.
PEOPLE_FROM_REPORTS = 50
# Sources listed under each step of an agreement on the tracker (the rest are counted, and in the exports).
SOURCES_PER_STEP = 5
# Participant levels for the timeline filter: a participant's position (entities.position) matches the pattern.
LEVELS: dict[str, tuple[str, str]] = {
    "state": ("главы государств", r"президент|председател[ья]? (кнр|китайской народной)|глава государства|"
                                  r"генеральный секретарь|король|эмир"),
    "government": ("главы правительств", r"премьер|председател[ья]? правительства|вице-премьер"),
    "minister": ("министры", r"министр"),
    "parliament": ("парламент", r"мажилис|сенат|депутат|парламент|всекитайского собрания"),
    "regional": ("регионы", r"аким|губернатор|провинци|област"),
}


def _configure(conn: Connection[DictRow]) -> None:
    # Before any statement: the pages can never write, even through a role that could.
    conn.execute("SET default_transaction_read_only = on")


def open_pool(dsn: str, max_size: int = 4) -> ConnectionPool[Connection[DictRow]]:
    return ConnectionPool(
        dsn, connection_class=Connection[DictRow], min_size=1, max_size=max_size,
        kwargs={"row_factory": dict_row, "autocommit": True}, configure=_configure, open=True,
        name="silkwire-web", timeout=10.0)


def _rows(conn: Connection[Any], name: str, params: dict[str, Any]) -> list[Row]:
    return [dict(r) for r in conn.execute(QUERIES[name], params).fetchall()]


def event_filter(conn: Connection[Any], *, since: date | None = None, until: date | None = None,
                 types: Sequence[str] | None = None, statuses: Sequence[str] | None = None,
                 level: str | None = None, text: str | None = None) -> dict[str, Any]:
    """The timeline's filter as query parameters, its two lookups done once for the list and the chart."""
    params: dict[str, Any] = {"since": since, "until": until, "types": list(types) if types else None,
                              "statuses": list(statuses) if statuses else None, "text": text or None,
                              "text_ids": [], "level_names": None}
    if text:
        params["text_ids"] = _rows(conn, "web_title_events", {"text": text})[0]["ids"]
    if level:
        params["level_names"] = _rows(conn, "web_level_people", {"level_re": LEVELS[level][1]})[0]["names"]
    return params


def events(conn: Connection[Any], where: dict[str, Any], limit: int | None = None) -> list[Row]:
    return _rows(conn, "web_events", where | {"limit": limit})


def event_months(conn: Connection[Any], where: dict[str, Any]) -> list[Row]:
    return _rows(conn, "web_event_months", where)


def event(conn: Connection[Any], event_id: int, *, page: int = 1, per_page: int = 200) -> Row | None:
    """One canonical event with one page of its reports (each with its evidence window) and its participants.

    A story reprinted for weeks can gather thousands of reports: they come a page at a time, and the
    participants' countries and positions are read from the first pages' worth of them.
    """
    rows = _rows(conn, "web_event", {"id": event_id})
    if not rows:
        return None
    record = rows[0]
    reports = _rows(conn, "web_event_reports", {"id": event_id, "chars": WINDOW_CHARS, "limit": per_page,
                                                "offset": (page - 1) * per_page})
    first = {"id": event_id, "reports": PEOPLE_FROM_REPORTS}
    countries = {r["name"]: r["country"] for r in _rows(conn, "web_event_participant_countries", first)}
    people = _rows(conn, "web_event_people", first)
    order = {name: i for i, name in enumerate(record["participants"] or [])}
    for p in people:
        p["country"] = p["country"] or countries.get(p["name"])
    people.sort(key=lambda p: order.get(p["name"], len(order)))
    return {**record, "reports": reports, "people": people, "page": page,
            "pages": max(1, -(-int(record["report_count"]) // per_page))}


def report(conn: Connection[Any], event_id: int, article_id: int, ord_: int) -> Row | None:
    found = _rows(conn, "web_report", {"event_id": event_id, "article_id": article_id, "ord": ord_})
    return found[0] if found else None


def agreements(conn: Connection[Any], *, statuses: Sequence[str] | None = None, party: str | None = None,
               sector: str | None = None, since: date | None = None, until: date | None = None,
               limit: int | None = None) -> list[Row]:
    return _rows(conn, "registry_list_agreements", {
        "statuses": list(statuses) if statuses else None, "party": party or None, "sector": sector or None,
        "since": since, "until": until, "limit": limit, "countries": None, "types": None, "article": None,
        "feed": None})


def with_reports(conn: Connection[Any], rows: list[Row], kind: str) -> list[Row]:
    """Each record with its reports, as `silkwire export --format jsonl` writes them (kind: event or agreement)."""
    query, key = f"registry_{kind}_reports_of", f"{kind}_id"
    by_record: dict[int, list[Row]] = defaultdict(list)
    if rows:
        for r in _rows(conn, query, {"ids": [row["id"] for row in rows]}):
            by_record[r.pop(key)].append(r)
    return [{**row, "reports": by_record.get(row["id"], [])} for row in rows]


def agreement_sources(conn: Connection[Any], rows: list[Row], per_step: int = SOURCES_PER_STEP) -> list[Row]:
    """Each agreement with `sources`: the first reports of each of its steps (an agreement can have thousands)."""
    by_record: dict[int, list[Row]] = defaultdict(list)
    if rows:
        for r in _rows(conn, "web_agreement_sources", {"ids": [row["id"] for row in rows], "per_step": per_step}):
            by_record[r.pop("agreement_id")].append(r)
    return [{**row, "sources": by_record.get(row["id"], [])} for row in rows]


def feeds(conn: Connection[Any]) -> list[Row]:
    """Every feed's health: the very rows of `silkwire feeds health`."""
    return _rows(conn, "list_feeds", {})


def check_schema(conn: Connection[Any]) -> None:
    """Raise (UndefinedTable) when the registry's tables are missing; the CLI turns that into one line."""
    conn.execute(QUERIES["web_schema_ready"])
