"""Store the registry: link one article's mentions into canonical events and agreements, or rebuild all.

Linking one article recomputes only the groups it touches: the groups of its mentions and of the canonical
records its earlier reports belonged to, grown by loading every article whose mentions fall within the link
window of a group until no more come in (then the groups are whole connected components, exactly what a
rebuild computes). All under one transaction-scoped advisory lock: linkers run one at a time, so two articles
about one visit linked at once make one event, and a redelivered task recomputes the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from workers.db.named import QUERIES
from workers.db.pool import get_pool
from workers.registry import (
    AgreementMention,
    EventMention,
    assign_ids,
    link_agreements,
    link_events,
    summarise_agreement,
    summarise_event,
)
from workers.registry import agreements as agreement_rules
from workers.registry import events as event_rules
from workers.registry.mentions import article_mentions
from workers.registry.models import Key
from workers.versions import REGISTRY_VERSION

# pg_advisory_xact_lock key of the registry (any constant no other lock in the database uses).
LOCK_KEY = 0x5_11C_4E61_5715
Mentions = tuple[list[EventMention], list[AgreementMention]]


@dataclass(frozen=True)
class _Kind:
    between: str
    ids_of: str
    report_articles: str
    delete: str
    next_id: str
    gap_days: int
    pick: Callable[[Mentions], Sequence[Any]]
    link: Callable[[Sequence[Any]], list[list[Any]]]
    type_of: Callable[[Any], str]
    store: Callable[[Connection[Any], int, Sequence[Any]], None]


def _rows(conn: Connection[Any], name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return list(conn.execute(QUERIES[name], params).fetchall())


def _load(conn: Connection[Any], ids: Iterable[int], cache: dict[int, Mentions]) -> None:
    wanted = sorted(set(ids) - set(cache))
    for i in wanted:
        cache[i] = ([], [])  # no relevant extraction: no mentions
    for row in _rows(conn, "registry_articles", {"ids": wanted}):
        cache[row["article_id"]] = article_mentions(
            row["article_id"], row["result"], published=row["published"], outlet=row["outlet"],
            near_dup_of=row["near_dup_of"])


def _old_ids(conn: Connection[Any], kind: _Kind, article_ids: Iterable[int]) -> dict[Key, int]:
    return {(r["article_id"], r["ord"]): r["id"] for r in _rows(conn, kind.ids_of, {"ids": sorted(set(article_ids))})}


def _report_articles(conn: Connection[Any], kind: _Kind, ids: Iterable[int]) -> set[int]:
    return {r["article_id"] for r in _rows(conn, kind.report_articles, {"ids": sorted(set(ids))})}


def _store_event(conn: Connection[Any], event_id: int, group: Sequence[EventMention]) -> None:
    ev = summarise_event(group)
    conn.execute(QUERIES["registry_insert_event"], {
        "id": event_id, "type": ev.type, "status": ev.status, "event_date": ev.event_date, "location": ev.location,
        "countries": list(ev.countries), "participants": Jsonb(list(ev.participants)),
        "first_article_id": ev.first_report[0], "first_ord": ev.first_report[1],
        "first_report_at": ev.first_report_at, "last_report_at": ev.last_report_at,
        "report_count": len(ev.reports), "totals": Jsonb(list(ev.totals)), "version": REGISTRY_VERSION})
    for m in ev.reports:
        conn.execute(QUERIES["registry_insert_event_report"], {
            "article_id": m.article_id, "ord": m.ord, "event_id": event_id, "status": m.status,
            "report_date": m.day, "published": m.published, "outlet": m.outlet, "location": m.location,
            "evidence": Jsonb(m.evidence), "version": REGISTRY_VERSION})


def _store_agreement(conn: Connection[Any], agreement_id: int, group: Sequence[AgreementMention]) -> None:
    ag = summarise_agreement(group)
    conn.execute(QUERIES["registry_insert_agreement"], {
        "id": agreement_id, "kind": ag.kind, "status": ag.status, "level": ag.level, "subject": ag.subject,
        "title": ag.title, "countries": list(ag.countries), "parties": Jsonb(list(ag.parties)),
        "first_article_id": ag.first_report[0], "first_ord": ag.first_report[1],
        "first_report_at": ag.reports[0].published, "last_report_at": ag.reports[-1].published,
        "report_count": len(ag.reports), "version": REGISTRY_VERSION})
    for step in ag.steps:
        conn.execute(QUERIES["registry_insert_agreement_step"], {
            "agreement_id": agreement_id, "step": step.step, "step_date": step.step_date,
            "report_count": len(step.reports)})
    for m in ag.reports:
        conn.execute(QUERIES["registry_insert_agreement_report"], {
            "article_id": m.article_id, "ord": m.ord, "agreement_id": agreement_id, "step": m.status,
            "published": m.published, "outlet": m.outlet, "evidence": Jsonb(m.evidence), "version": REGISTRY_VERSION})


EVENTS = _Kind(
    between="registry_event_articles_between", ids_of="registry_event_ids_of",
    report_articles="registry_event_report_articles", delete="registry_delete_events",
    next_id="registry_next_event_id", gap_days=event_rules.MAX_GAP_DAYS, pick=lambda m: m[0], link=link_events,
    type_of=lambda m: m.type, store=_store_event)
AGREEMENTS = _Kind(
    between="registry_agreement_articles_between", ids_of="registry_agreement_ids_of",
    report_articles="registry_agreement_report_articles", delete="registry_delete_agreements",
    next_id="registry_next_agreement_id", gap_days=agreement_rules.MAX_GAP_DAYS, pick=lambda m: m[1],
    link=link_agreements, type_of=lambda m: m.kind, store=_store_agreement)


def _groups_touching(conn: Connection[Any], kind: _Kind, article_id: int, cache: dict[int, Mentions],
                     old: dict[Key, int]) -> list[list[Any]]:
    """The whole groups containing the article's mentions or its earlier records' reports."""
    seeds = {article_id} | _report_articles(conn, kind, old.values())
    loaded: set[int] = set()
    pending = set(seeds)
    groups: list[list[Any]] = []
    while pending:
        _load(conn, pending, cache)
        loaded |= pending
        mentions = [m for a in sorted(loaded) for m in kind.pick(cache[a])]
        groups = [g for g in kind.link(mentions) if any(m.article_id in seeds for m in g)]
        if not groups:
            break
        members = [m for g in groups for m in g]
        span = timedelta(days=kind.gap_days)
        near = {r["article_id"] for r in _rows(conn, kind.between, {
            "since": min(m.day for m in members) - span, "until": max(m.day for m in members) + span,
            "types": sorted({kind.type_of(m) for m in members})})}
        articles = {m.article_id for m in members}
        earlier = _report_articles(conn, kind, _old_ids(conn, kind, articles).values())
        # reprints link whatever their dates: the originals and the reprints of every member's article
        reprints = {m.near_dup_of for m in members if m.near_dup_of is not None} | {
            r["article_id"] for r in _rows(conn, "registry_reprints_of", {"ids": sorted(articles)})}
        pending = (near | earlier | reprints) - loaded
    return groups


def _replace(conn: Connection[Any], kind: _Kind, groups: Sequence[Sequence[Any]], old: dict[Key, int],
             gone: Iterable[int], article_ids: Sequence[int]) -> list[int]:
    conn.execute(QUERIES[kind.delete], {"ids": sorted(set(gone)), "article_ids": list(article_ids)})

    def next_id() -> int:
        return int(conn.execute(QUERIES[kind.next_id]).fetchone()["id"])  # type: ignore[index]

    ids = assign_ids([[old.get(m.key) for m in g] for g in groups], next_id)
    for record_id, group in zip(ids, groups, strict=True):
        kind.store(conn, record_id, group)
    return ids


def link_article(conn: Connection[Any], article_id: int) -> dict[str, list[int]]:
    """Recompute the canonical events and agreements the article touches (its caller holds the transaction).

    Answers the ids of the records it wrote, by kind.
    """
    conn.execute(QUERIES["registry_lock"], {"key": LOCK_KEY})
    cache: dict[int, Mentions] = {}
    out = {}
    for name, kind in (("events", EVENTS), ("agreements", AGREEMENTS)):
        mine = _old_ids(conn, kind, [article_id])
        groups = _groups_touching(conn, kind, article_id, cache, mine)
        old = _old_ids(conn, kind, {m.article_id for g in groups for m in g})
        gone = set(mine.values()) | {old[m.key] for g in groups for m in g if m.key in old}
        out[name] = _replace(conn, kind, groups, old, gone, [article_id])
    return out


def link_article_now(article_id: int) -> dict[str, list[int]]:
    """`link_article` in a transaction of its own on this process's pool (what the link task runs)."""
    with get_pool().connection() as conn, conn.transaction():
        return link_article(conn, article_id)


def rebuild(conn: Connection[Any]) -> dict[str, int]:
    """Recompute the whole registry from the stored extractions, keeping the ids of the records that stay."""
    conn.execute(QUERIES["registry_lock"], {"key": LOCK_KEY})
    ids = [r["article_id"] for r in _rows(conn, "registry_all_articles", {})]
    cache: dict[int, Mentions] = {}
    _load(conn, ids, cache)
    counts = {}
    olds = {name: _old_ids(conn, kind, ids) for name, kind in (("events", EVENTS), ("agreements", AGREEMENTS))}
    conn.execute(QUERIES["registry_clear"])
    for name, kind in (("events", EVENTS), ("agreements", AGREEMENTS)):
        groups = kind.link([m for a in ids for m in kind.pick(cache[a])])
        counts[name] = len(_replace(conn, kind, groups, olds[name], [], []))
    return counts
