"""Store the registry: link one article's mentions into canonical events and agreements, or rebuild all.

The stored records are the connected components of the link relation over every relevant mention (what a
rebuild computes), and linking one article keeps them so without relinking its neighbourhood:
- its mentions unchanged since they were linked (same fingerprints, same rules' version): nothing to do;
- else the records its old mentions belonged to are recomputed without them (a component can only split),
  and its new mentions are tried against every mention in their link window and reprint relations, joining
  (and merging) the records of those they link to (`workers.registry.cluster.absorb`).
So one link costs its window's mentions plus the records it touches, not a relink of the window's articles.
All under one transaction-scoped advisory lock: linkers run one at a time, so two articles about one visit
linked at once make one event, and a redelivered task recomputes the same rows.
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
    agreements_link,
    assign_ids,
    events_link,
    link_agreements,
    link_events,
    summarise_agreement,
    summarise_event,
)
from workers.registry import agreements as agreement_rules
from workers.registry import events as event_rules
from workers.registry.cluster import absorb
from workers.registry.mentions import article_mentions, fingerprint
from workers.registry.models import Key
from workers.versions import REGISTRY_VERSION

# pg_advisory_xact_lock key of the registry (any constant no other lock in the database uses).
LOCK_KEY = 0x5_11C_4E61_5715
Mentions = tuple[list[EventMention], list[AgreementMention]]


@dataclass(frozen=True)
class _Kind:
    between: str
    ids_of: str
    members: str
    delete: str
    next_id: str
    gap_days: int
    pick: Callable[[Mentions], Sequence[Any]]
    link: Callable[[Sequence[Any]], list[list[Any]]]
    pair: Callable[[Any, Any], bool]
    type_of: Callable[[Any], str]
    store: Callable[[Connection[Any], int, Sequence[Any], Callable[[Any], str | None]], None]


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


def _store_event(conn: Connection[Any], event_id: int, group: Sequence[EventMention],
                 hash_of: Callable[[Any], str | None]) -> None:
    ev = summarise_event(group)
    conn.execute(QUERIES["registry_insert_event"], {
        "id": event_id, "type": ev.type, "status": ev.status, "event_date": ev.event_date, "location": ev.location,
        "countries": list(ev.countries), "participants": Jsonb(list(ev.participants)),
        "first_article_id": ev.first_report[0], "first_ord": ev.first_report[1],
        "first_report_at": ev.first_report_at, "last_report_at": ev.last_report_at,
        "report_count": len(ev.reports), "totals": Jsonb(list(ev.totals)), "version": REGISTRY_VERSION})
    # executemany: psycopg pipelines the rows (one round trip, not one per report of a large event)
    conn.cursor().executemany(QUERIES["registry_insert_event_report"], [{
        "article_id": m.article_id, "ord": m.ord, "event_id": event_id, "status": m.status, "report_date": m.day,
        "published": m.published, "outlet": m.outlet, "location": m.location, "evidence": Jsonb(m.evidence),
        "version": REGISTRY_VERSION, "mention_hash": hash_of(m)} for m in ev.reports])


def _store_agreement(conn: Connection[Any], agreement_id: int, group: Sequence[AgreementMention],
                     hash_of: Callable[[Any], str | None]) -> None:
    ag = summarise_agreement(group)
    conn.execute(QUERIES["registry_insert_agreement"], {
        "id": agreement_id, "kind": ag.kind, "status": ag.status, "level": ag.level, "subject": ag.subject,
        "title": ag.title, "countries": list(ag.countries), "parties": Jsonb(list(ag.parties)),
        "first_article_id": ag.first_report[0], "first_ord": ag.first_report[1],
        "first_report_at": ag.reports[0].published, "last_report_at": ag.reports[-1].published,
        "report_count": len(ag.reports), "version": REGISTRY_VERSION})
    cur = conn.cursor()
    cur.executemany(QUERIES["registry_insert_agreement_step"], [{
        "agreement_id": agreement_id, "step": step.step, "step_date": step.step_date,
        "report_count": len(step.reports)} for step in ag.steps])
    cur.executemany(QUERIES["registry_insert_agreement_report"], [{
        "article_id": m.article_id, "ord": m.ord, "agreement_id": agreement_id, "step": m.status,
        "published": m.published, "outlet": m.outlet, "evidence": Jsonb(m.evidence), "version": REGISTRY_VERSION,
        "mention_hash": hash_of(m)} for m in ag.reports])


EVENTS = _Kind(
    between="registry_event_articles_between", ids_of="registry_event_ids_of", members="registry_event_members",
    delete="registry_delete_events", next_id="registry_next_event_id",
    gap_days=event_rules.MAX_GAP_DAYS, pick=lambda m: m[0], link=link_events, pair=events_link,
    type_of=lambda m: m.type, store=_store_event)
AGREEMENTS = _Kind(
    between="registry_agreement_articles_between", ids_of="registry_agreement_ids_of",
    members="registry_agreement_members",
    delete="registry_delete_agreements", next_id="registry_next_agreement_id",
    gap_days=agreement_rules.MAX_GAP_DAYS, pick=lambda m: m[1], link=link_agreements, pair=agreements_link,
    type_of=lambda m: m.kind, store=_store_agreement)


def _replace(conn: Connection[Any], kind: _Kind, groups: Sequence[Sequence[Any]], old: dict[Key, int],
             gone: Iterable[int], article_ids: Sequence[int],
             hash_of: Callable[[Any], str | None] = fingerprint) -> list[int]:
    conn.execute(QUERIES[kind.delete], {"ids": sorted(set(gone)), "article_ids": list(article_ids)})

    def next_id() -> int:
        return int(conn.execute(QUERIES[kind.next_id]).fetchone()["id"])  # type: ignore[index]

    ids = assign_ids([[old.get(m.key) for m in g] for g in groups], next_id)
    for record_id, group in zip(ids, groups, strict=True):
        kind.store(conn, record_id, group, hash_of)
    return ids


def _members(conn: Connection[Any], kind: _Kind, record_ids: Iterable[int], cache: dict[int, Mentions],
             held: dict[Key, tuple[int, str | None]], linking: int) -> tuple[dict[int, list[Any]], bool]:
    """The current mentions of these records' reports, by record, and whether another article's is stale.

    Stale: its article was re-extracted since its own link (which is still to come) and the mention changed
    or is gone; a gone one is left out. The article `linking` is being linked now, so never stale. Each
    report's record id and stored fingerprint go into `held`.
    """
    rows = _rows(conn, kind.members, {"ids": sorted(set(record_ids))})
    _load(conn, {r["article_id"] for r in rows}, cache)
    current = {m.key: m for a in {r["article_id"] for r in rows} for m in kind.pick(cache[a])}
    out: dict[int, list[Any]] = {}
    stale = False
    for r in sorted(rows, key=lambda r: (r["article_id"], r["ord"])):
        key = (r["article_id"], r["ord"])
        m = current.get(key)
        # (a NULL fingerprint: linked before fingerprints were kept, by the full relink of its window; not stale)
        stale |= r["article_id"] != linking and (
            m is None or (r["mention_hash"] is not None and r["mention_hash"] != fingerprint(m)))
        if m is not None:
            out.setdefault(r["id"], []).append(m)
            held[key] = (r["id"], r["mention_hash"])
    return out, stale


def _candidates(conn: Connection[Any], kind: _Kind, new: Sequence[Any], cache: dict[int, Mentions]) -> list[Any]:
    """Every mention the new ones may link to: same type within the link window of their days, and reprints."""
    if not new:
        return []
    article_id = new[0].article_id
    span = timedelta(days=kind.gap_days)
    near = {r["article_id"] for r in _rows(conn, kind.between, {
        "since": min(m.day for m in new) - span, "until": max(m.day for m in new) + span,
        "types": sorted({kind.type_of(m) for m in new})})}
    # reprints link whatever their dates: the article's original, its reprints and the original's other reprints
    originals = {m.near_dup_of for m in new if m.near_dup_of is not None}
    reprints = {r["article_id"] for r in _rows(conn, "registry_reprints_of", {"ids": sorted({article_id} | originals)})}
    ids = (near | originals | reprints) - {article_id}
    _load(conn, ids, cache)
    return [m for a in sorted(ids) for m in kind.pick(cache[a])]


def _unchanged(new: Sequence[Any], stored: dict[Key, dict[str, Any]]) -> bool:
    return stored.keys() == {m.key for m in new} and all(
        stored[m.key]["registry_version"] == REGISTRY_VERSION and stored[m.key]["mention_hash"] == fingerprint(m)
        for m in new)


def _link_kind(conn: Connection[Any], kind: _Kind, article_id: int, cache: dict[int, Mentions]) -> list[int]:
    """Link one article's mentions of one kind; answers the records written."""
    new = list(kind.pick(cache[article_id]))
    stored = {(r["article_id"], r["ord"]): r for r in _rows(conn, kind.ids_of, {"ids": [article_id]})}
    if _unchanged(new, stored):
        return []
    held: dict[Key, tuple[int, str | None]] = {}  # record id and fingerprint of each member loaded
    left = {r["id"] for r in stored.values()}
    # The records the article's old mentions belonged to, without them: each splits into its components.
    before, stale_left = _members(conn, kind, left, cache, held, article_id)
    parts = kind.link([m for ms in before.values() for m in ms if m.article_id != article_id])
    part_of = {m.key: i for i, g in enumerate(parts) for m in g}
    # The linked mentions in reach. Ones analysed but not linked yet stay out: their own link will try them
    # against everything linked by then, this article included (so every edge is tried once, by the later).
    candidates = _candidates(conn, kind, new, cache)
    record_of = _old_ids(conn, kind, {c.article_id for c in candidates})

    def unit(c: Any) -> tuple[str, int]:
        return ("part", part_of[c.key]) if c.key in part_of else ("record", record_of[c.key])

    joined = absorb(new, [c for c in candidates if c.key in part_of or c.key in record_of], kind.pair, unit)
    taken = {which for _, units in joined for what, which in units if what == "record"}
    whole, stale_taken = _members(conn, kind, taken, cache, held, article_id)
    if stale_left or stale_taken:
        # A member re-extracted since its link (its own link still queued) may no longer hold its record
        # together: recompute the components of everything touched from what each member says now.
        groups = kind.link(new + [m for g in parts for m in g] + [m for ms in whole.values() for m in ms])
    else:  # records are components: the new mentions only merge them (absorb), and unmerged parts stay apart
        groups, merged = [], set()
        for mine, units in joined:
            group = list(mine)
            for what, which in units:
                if what == "part":
                    group += parts[which]
                    merged.add(which)
                else:
                    group += whole.get(which, [])
            groups.append(group)
        groups += [g for i, g in enumerate(parts) if i not in merged]
        groups = sorted((sorted(g, key=lambda m: m.key) for g in groups), key=lambda g: g[0].key)
    # Every member of a group is the article's or a member of a record just loaded: their ids are at hand.
    old = {key: record_id for key, (record_id, _) in held.items()}

    def hash_of(m: Any) -> str | None:
        # Others' reports keep the fingerprint of their own last link, so a stale one stays stale for its link.
        return fingerprint(m) if m.article_id == article_id else held[m.key][1]

    return _replace(conn, kind, groups, old, left | taken, [article_id], hash_of)


def link_article(conn: Connection[Any], article_id: int) -> dict[str, list[int]]:
    """Bring the canonical events and agreements up to date with the article's current extraction (its caller
    holds the transaction). Answers the ids of the records it wrote, by kind (none when nothing changed).
    """
    conn.execute(QUERIES["registry_lock"], {"key": LOCK_KEY})
    cache: dict[int, Mentions] = {}
    _load(conn, [article_id], cache)
    return {name: _link_kind(conn, kind, article_id, cache)
            for name, kind in (("events", EVENTS), ("agreements", AGREEMENTS))}


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
