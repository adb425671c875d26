"""Linking event mentions into canonical events, and the canonical record of a group.

Two mentions report one event when they are the same type (a visit and the talks held during it stay two
events), their dates fit (below), their locations do not contradict, and they share a named participant,
or, when either names only states, the same pair of countries. A reprint (SimHash near duplicate) of an
article is one more report of the event at the same place in the list (same type and position), whatever
else differs; its other events link by the rules above.

Dates (`day`: the event's own date, else the publication date, which is what the extraction gives for most
reports). Reports of a past event follow it within a day or two and a state visit spans up to three days,
so two such days fit within DAYS_SAME. An announcement without a date of its own (planned or called off,
dated by its publication) precedes the event: ministries announce state visits one to two weeks ahead, so
it fits an event from DAYS_SAME before to DAYS_AHEAD after its publication. Two visits of one president
are weeks apart, so they stay two events; two announcements of one visit fit within DAYS_AHEAD - 7.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from workers.registry.cluster import components
from workers.registry.models import CanonicalEvent, EventMention

DAYS_SAME = 3
DAYS_AHEAD = 21
# Location names at the level of a country say nothing against a city ("в Китае" and "в Пекине").
COUNTRY_PLACES = frozenset({"китай", "кнр", "казахстан", "рк", "китайская народная республика",
                            "республика казахстан"})
# Participants that are states, not people or bodies: they match every report of a bilateral event.
STATE_NAMES = frozenset({"китай", "кнр", "казахстан", "рк", "китайская народная республика",
                         "республика казахстан"})
# The widest gap `events_link` accepts between two mentions' days: loading this far around suffices.
MAX_GAP_DAYS = DAYS_AHEAD


def _norm(name: str | None) -> str:
    return " ".join((name or "").lower().replace("ё", "е").split())


def _undated_announcement(m: EventMention) -> bool:
    return m.status in ("planned", "negated") and m.event_date is None


def _dates_fit(a: EventMention, b: EventMention) -> bool:
    gap = (b.day - a.day).days
    pa, pb = _undated_announcement(a), _undated_announcement(b)
    if pa and pb:
        return abs(gap) <= DAYS_AHEAD - 7
    if pa:
        return -DAYS_SAME <= gap <= DAYS_AHEAD
    if pb:
        return -DAYS_SAME <= -gap <= DAYS_AHEAD
    return abs(gap) <= DAYS_SAME


def _place(location: str | None) -> str | None:
    """A comparable place: the first five letters of its first word (Пекин, Пекине); None for a country."""
    loc = _norm(location)
    if not loc or loc in COUNTRY_PLACES:
        return None
    return loc.split()[0][:5]


def _named(m: EventMention) -> set[str]:
    return {n for n in map(_norm, m.participants) if n and n not in STATE_NAMES}


def events_link(a: EventMention, b: EventMention) -> bool:
    """Do `a` and `b` report one event? Symmetric."""
    if a.type != b.type:
        return False
    if a.article_id == b.article_id:
        return False  # one article lists one encounter once (extraction contract)
    if a.ord == b.ord and (a.near_dup_of == b.article_id or b.near_dup_of == a.article_id or (
            a.near_dup_of is not None and a.near_dup_of == b.near_dup_of)):
        return True  # the same place in a reprint: the same event, however its text was retouched
    if not _dates_fit(a, b):
        return False
    pa, pb = _place(a.location), _place(b.location)
    if pa and pb and pa != pb:
        return False
    na, nb = _named(a), _named(b)
    if na and nb:
        return bool(na & nb)
    both = {"KZ", "CN"}
    return both <= set(a.countries) and both <= set(b.countries)


def link_events(mentions: Sequence[EventMention]) -> list[list[EventMention]]:
    return components(mentions, events_link, block=lambda m: m.type, max_gap_days=MAX_GAP_DAYS)


def _order(m: EventMention) -> tuple[object, ...]:
    return (m.published, m.article_id, m.ord)


def summarise_event(group: Sequence[EventMention]) -> CanonicalEvent:
    """One canonical event from its reports: status, best date and location, participants, first report."""
    reports = sorted(group, key=_order)
    occurred = [m for m in reports if m.status == "occurred"]
    # A report that it happened makes it occurred; otherwise the latest report says planned or called off.
    status = "occurred" if occurred else reports[-1].status
    # Best date: the most reported explicit date of the reports that agree with the status, else the earliest
    # day such a report gives (the publication of the first report of an occurred event).
    basis = occurred or reports
    dated = Counter(m.event_date for m in basis if m.event_date)
    best_date = (max(dated.items(), key=lambda kv: (kv[1], -kv[0].toordinal()))[0] if dated
                 else min(m.day for m in basis))
    places = Counter(m.location for m in basis if m.location and _place(m.location))
    if not places:
        places = Counter(m.location for m in basis if m.location)
    first_at = {loc: i for i, loc in reversed(list(enumerate(m.location for m in basis)))}
    location = (max(places.items(), key=lambda kv: (kv[1], -first_at[kv[0]]))[0] if places else None)
    participants: dict[str, None] = {}
    countries: set[str] = set()
    for m in reports:
        participants.update(dict.fromkeys(m.participants))
        countries.update(m.countries)
    return CanonicalEvent(
        type=reports[0].type, status=status, event_date=best_date, location=location,
        countries=tuple(sorted(countries)), participants=tuple(participants), first_report=reports[0].key,
        first_report_at=reports[0].published, last_report_at=reports[-1].published, reports=tuple(reports),
        totals=tuple(t | {"article_id": m.article_id} for m in reports for t in m.totals))
