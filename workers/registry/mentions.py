"""Mentions from the extraction contract: one event or agreement object of an analysed article, with the
article's publication date, outlet and SimHash link. The same objects are stored per article (the JSON and
its rows, migration 0005), so the workers, `registry rebuild` and the bench build mentions alike."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from workers.registry.models import AgreementMention, EventMention

# The registry is of Kazakhstan–China events: a mention must involve at least one of the two.
SCOPE = frozenset({"KZ", "CN"})


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _people(items: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names in order, sorted distinct countries) of a contract list of participants or parties."""
    names: dict[str, None] = {}
    countries: set[str] = set()
    for p in items if isinstance(items, list) else []:
        if isinstance(p, Mapping):
            if p.get("name"):
                names[str(p["name"])] = None
            if p.get("country"):
                countries.add(str(p["country"]))
    return tuple(names), tuple(sorted(countries))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _evidence(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def event_mention(article_id: int, ord_: int, event: Mapping[str, Any], *, published: date, outlet: str | None,
                  near_dup_of: int | None = None) -> EventMention | None:
    """The mention of one contract event, or None when it is outside the registry (no KZ or CN side)."""
    names, countries = _people(event.get("participants"))
    if not SCOPE & set(countries) or not event.get("type"):
        return None
    return EventMention(
        article_id=article_id, ord=ord_, type=str(event["type"]), status=str(event.get("status") or "occurred"),
        published=published, event_date=_date(event.get("date")), location=event.get("location") or None,
        countries=countries, participants=names, outlet=outlet, evidence=_evidence(event.get("evidence")),
        near_dup_of=near_dup_of)


def agreement_mention(article_id: int, ord_: int, agreement: Mapping[str, Any], *, published: date,
                      outlet: str | None, near_dup_of: int | None = None) -> AgreementMention | None:
    names, countries = _people(agreement.get("parties"))
    if not SCOPE & set(countries) or not agreement.get("kind"):
        return None
    return AgreementMention(
        article_id=article_id, ord=ord_, kind=str(agreement["kind"]), status=str(agreement.get("status") or "signed"),
        published=published, subject=agreement.get("subject") or None, title=agreement.get("title") or None,
        level=agreement.get("level") or None, countries=countries, parties=names, outlet=outlet,
        evidence=_evidence(agreement.get("evidence")), near_dup_of=near_dup_of)


def article_mentions(article_id: int, result: Mapping[str, Any], *, published: date, outlet: str | None,
                     near_dup_of: int | None = None) -> tuple[list[EventMention], list[AgreementMention]]:
    """Every registry mention of one stored extraction (the contract object), numbered as its rows are."""
    if not (result.get("kz_cn") or {}).get("relevant"):
        return [], []
    events = _list(result.get("events"))
    agreements = _list(result.get("agreements"))
    ev = [event_mention(article_id, i, e, published=published, outlet=outlet, near_dup_of=near_dup_of)
          for i, e in enumerate(events) if isinstance(e, Mapping)]
    ag = [agreement_mention(article_id, i, a, published=published, outlet=outlet, near_dup_of=near_dup_of)
          for i, a in enumerate(agreements) if isinstance(a, Mapping)]
    kept = [m for m in ev if m]
    totals = signing_totals(result)
    here = signing_event(kept) if totals else None
    if here is not None:
        kept = [replace(m, totals=tuple(totals)) if m is here else m for m in kept]
    return kept, [m for m in ag if m]


def signing_totals(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The article's totals of signed documents ("52 документа на $21 млрд")."""
    totals = result.get("agreement_totals")
    return [{k: v for k, v in t.items() if k != "evidence"} | {"text": _evidence(t.get("evidence")).get("text")}
            for t in _list(totals) if isinstance(t, Mapping)]


def signing_event(mentions: Sequence[EventMention]) -> EventMention | None:
    """Where an article's signing totals belong: its signing, else the visit, talks or forum they crowned."""
    for kind in ("signing", "visit", "talks", "forum", "meeting"):
        for m in mentions:
            if m.type == kind and m.status != "negated":
                return m
    return None


def fingerprint(mention: EventMention | AgreementMention) -> str:
    """A digest of everything a mention carries (its repr: every field, evidence and totals included).

    The registry stores it with each report: an article linked again with the same fingerprints and the same
    REGISTRY_VERSION changes nothing, so a redelivery or a re-extraction that came out the same is skipped.
    """
    return hashlib.blake2b(repr(mention).encode(), digest_size=12).hexdigest()
