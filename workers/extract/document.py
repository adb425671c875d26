"""Extract stage entry: CleanDoc in, the contract object (docs/extraction-contract.md, no "path") out.

Never raises: odd input gives a valid object with empty lists and a "skipped" reason.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from workers.extract import agreements as agr
from workers.extract import entities, events, figures, gazetteer, nlp, relevance, sectors
from workers.extract.records import Agreement, Evidence, Figure, Total
from workers.models import CleanDoc
from workers.settings import Settings
from workers.versions import EXTRACT_VERSION

log = logging.getLogger(__name__)

SCHEMA = "silkwire.extraction/1"
_CYR = re.compile(r"[а-яёА-ЯЁ]")
_KAZAKH = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_LATIN = re.compile(r"[a-zA-Z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def detect_language(text: str) -> str | None:
    """Cheap script-based guess: 'ru', 'kk', 'zh', 'en' (any Latin script) or None for no letters."""
    sample = text[:20_000]
    cyr = len(_CYR.findall(sample))
    kaz = len(_KAZAKH.findall(sample))
    lat = len(_LATIN.findall(sample))
    cjk = len(_CJK.findall(sample))
    total = cyr + kaz + lat + cjk
    if total == 0:
        return None
    if cjk / total > 0.3:
        return "zh"
    if (cyr + kaz) / total >= 0.5:
        return "kk" if kaz / max(1, cyr + kaz) > 0.02 else "ru"
    return "en"


def _empty(doc: CleanDoc, text: str, language: str | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "extractor_version": EXTRACT_VERSION,
        "title": doc.title,
        "published": doc.published.isoformat() if doc.published else None,
        "language": language,
        "text": text,
        "kz_cn": {"relevant": False, "score": 0.0},
        "persons": [],
        "organizations": [],
        "events": [],
        "agreements": [],
        "agreement_totals": [],
        "figures": [],
        "sectors": [],
    }


def extract_document(doc: CleanDoc, *, settings: Settings) -> dict[str, Any]:
    """`settings` gives the text cap (`max_text_chars`) and where the gazetteer lives (`seeds_dir`)."""
    text = doc.text if isinstance(doc.text, str) else ""
    cap = settings.max_text_chars
    truncated = len(text) > cap
    if truncated:
        text = text[:cap]
    language = detect_language(text)
    out = _empty(doc, text, language or doc.language)
    if truncated:
        out["truncated"] = True
    if not text.strip():
        return out
    if language != "ru":
        out["skipped"] = f"language {language or 'unknown'} is not Russian"
        return out
    try:
        _fill(out, doc, text, gazetteer.default(settings.seeds_dir))
    except Exception as exc:  # one odd document must never take a worker down
        log.exception("extraction failed")
        fresh = _empty(doc, text, language)
        if truncated:
            fresh["truncated"] = True
        fresh["skipped"] = f"extraction error: {type(exc).__name__}"
        return fresh
    return out


def _fill(out: dict[str, Any], doc: CleanDoc, text: str, gaz: gazetteer.Gazetteer) -> None:
    a = nlp.analyse(text)
    ents = entities.analyse_entities(a, gaz)
    evs = events.find_events(a, ents, gaz, doc.published)
    agreements, totals = agr.find(a, ents, gaz, evs)
    evs = events.finalize(evs, agreements, a)
    figs = figures.find(a, set())
    excluded = {i for o in ents.orgs for i in range(o.first, o.last)}
    excluded |= {i for p in ents.persons for f, la in p.tokens for i in range(f, la)}
    secs = sectors.find(a, excluded)
    conj = frozenset(i for i, t in enumerate(a.tokens) if t.lemma == "и")
    relevant, score = relevance.score(ents, evs, agreements, conj, relevance.project_across(a, ents))
    out["kz_cn"] = {"relevant": relevant, "score": score}
    out["persons"] = [
        {"name": p.name, "country": p.country, "position": p.position, "mentions": p.mentions}
        for p in ents.persons if p.named
    ]
    orgs: dict[str, dict[str, Any]] = {}
    for o in ents.orgs:
        if o.name in orgs:
            orgs[o.name]["mentions"] += 1
        else:
            orgs[o.name] = {"name": o.name, "country": o.country, "mentions": 1}
    out["organizations"] = list(orgs.values())
    out["events"] = events.to_dicts(evs, a)
    out["agreements"] = [_agreement(g) for g in agreements]
    out["agreement_totals"] = [_total(t) for t in totals]
    out["figures"] = [_figure(f) for f in figs]
    out["sectors"] = secs


# The contract's shapes: key order as the contract lists them.
def _evidence(e: Evidence) -> dict[str, Any]:
    return {"start": e.start, "end": e.end, "text": e.text}


def _agreement(g: Agreement) -> dict[str, Any]:
    return {
        "kind": g.kind,
        "level": g.level,
        "status": g.status,
        "title": g.title,
        "subject": g.subject,
        "parties": [{"name": p.name, "country": p.country} for p in g.parties],
        "evidence": _evidence(g.evidence),
    }


def _total(t: Total) -> dict[str, Any]:
    return {"count": t.count, "kind": t.kind, "status": t.status, "value": t.value, "currency": t.currency,
            "evidence": _evidence(t.evidence)}


def _figure(f: Figure) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": f.kind, "value": f.value, "unit": f.unit, "text": f.text}
    if f.evidence is not None:
        out["evidence"] = _evidence(f.evidence)
    return out
