"""Integration-test helper (no tests here): articles with a stored extraction, as the workers leave them,
for the registry tests, and the registry read back as comparable sets."""

from __future__ import annotations

from datetime import date
from typing import Any

from workers.db.results import store_extraction

TOKAYEV, XI = "Касым-Жомарт Токаев", "Си Цзиньпин"
MINEN, NEA = "Министерство энергетики Республики Казахстан", "Национальное энергетическое управление КНР"


def people(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "country": "CN" if n in (XI, NEA) else "KZ"} for n in names]


def event(type_: str, status: str = "occurred", *, location: str | None = "Пекин", when: str | None = None,
          who: tuple[str, ...] = (TOKAYEV, XI), text: str = "") -> dict[str, Any]:
    return {"type": type_, "status": status, "date": when, "location": location, "participants": people(*who),
            "cameo": None, "evidence": {"start": 0, "end": len(text), "text": text or f"{type_} {status}"}}


def memo(status: str = "signed", subject: str = "сотрудничество в области возобновляемой энергетики"
         ) -> dict[str, Any]:
    return {"kind": "memorandum", "level": "interagency", "status": status, "title": None, "subject": subject,
            "parties": people(MINEN, NEA), "evidence": {"text": f"меморандум {status}"}}


def result(events: list[dict[str, Any]] = (), agreements: list[dict[str, Any]] = (),  # type: ignore[assignment]
           totals: list[dict[str, Any]] = (), relevant: bool = True) -> dict[str, Any]:  # type: ignore[assignment]
    return {"extractor_version": "extract/test", "kz_cn": {"relevant": relevant, "score": 0.9},
            "persons": [], "organizations": [], "events": list(events), "agreements": list(agreements),
            "agreement_totals": list(totals), "figures": [], "sectors": []}


def add_report(db: Any, n: int, published: date, res: dict[str, Any], *, outlet: str = "Акорда",
               near_dup_of: int | None = None) -> int:
    """An analysed article: its row, a document (publication day, SimHash link) and the stored extraction."""
    source = db.execute("INSERT INTO sources (name) VALUES (%s) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
                        " RETURNING id", (outlet,)).fetchone()["id"]
    feed = db.execute("INSERT INTO feeds (name, url, source_id) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE"
                      " SET source_id = EXCLUDED.source_id RETURNING id",
                      (f"feed-{outlet}", f"http://127.0.0.1/{source}/rss.xml", source)).fetchone()["id"]
    article_id = int(db.execute(
        "INSERT INTO articles (url, first_feed_id, stage, state) VALUES (%s, %s, 'done', 'done') RETURNING id",
        (f"http://127.0.0.1/news/{n}", feed)).fetchone()["id"])
    db.execute("INSERT INTO documents (article_id, title, published, text, content_hash, simhash, near_dup_of,"
               " clean_version) VALUES (%s, %s, %s, %s, %s, %s, %s, 'clean/1')",
               (article_id, f"report {n}", published, f"text {n}", f"hash{n}", n, near_dup_of))
    restore(db, article_id, res)
    return article_id


def restore(db: Any, article_id: int, res: dict[str, Any]) -> None:
    """Store (or re-store, as a re-extraction does) the article's extraction and its rows."""
    with db.transaction():
        store_extraction(db, article_id, res)


def link(db: Any, article_id: int) -> dict[str, list[int]]:
    """What the link task does, in a transaction of its own: the ids of the records written, by kind."""
    from workers.db.registry import link_article

    with db.transaction():
        return link_article(db, article_id)


def snapshot(db: Any) -> dict[str, Any]:
    """The registry as comparable data: each record with its id and its reports' (article, ord)."""
    events = db.execute(
        "SELECT e.id, e.type, e.status, e.event_date, e.location, e.countries, e.participants, e.report_count,"
        " e.first_article_id, e.first_ord, e.totals,"
        " (SELECT array_agg(ARRAY[r.article_id, r.ord] ORDER BY r.article_id, r.ord) FROM registry_event_reports r"
        "  WHERE r.event_id = e.id) AS reports FROM registry_events e ORDER BY e.id").fetchall()
    agreements = db.execute(
        "SELECT g.id, g.kind, g.status, g.subject, g.countries, g.parties, g.report_count,"
        " (SELECT jsonb_agg(jsonb_build_array(s.step, s.step_date, s.report_count) ORDER BY s.step)"
        "  FROM registry_agreement_steps s WHERE s.agreement_id = g.id) AS steps,"
        " (SELECT array_agg(ARRAY[r.article_id, r.ord] ORDER BY r.article_id, r.ord) FROM registry_agreement_reports r"
        "  WHERE r.agreement_id = g.id) AS reports FROM registry_agreements g ORDER BY g.id").fetchall()
    return {"events": [dict(r) for r in events], "agreements": [dict(r) for r in agreements]}


def clear_registry(db: Any) -> None:
    db.execute("DELETE FROM registry_events")
    db.execute("DELETE FROM registry_agreements")


__all__ = ["add_report", "clear_registry", "event", "link", "memo", "people", "restore", "result", "snapshot"]
