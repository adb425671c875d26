"""Extract stage, agreements: who signs a document (bodies, companies, countries), the level that follows from
them, and the passes over all records of a document: restatements folded, sides named later or before, one
record per document.
"""

from __future__ import annotations

import re

from workers.extract import event_triggers as etr
from workers.extract import nlp
from workers.extract.agreement_words import KIND
from workers.extract.bodies import Org, resolve_org
from workers.extract.countries import CountryRef, country_genitive
from workers.extract.entities import Entities
from workers.extract.gazetteer import Gazetteer
from workers.extract.parties import party_for_government
from workers.extract.records import Agreement, Party

_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LEVEL_BY_KIND = {"government": "intergovernmental", "presidency": "interstate", "parliament": "interstate",
                 "ministry": "interagency", "agency": "interagency", "committee": "interagency",
                 "court": "interagency", "company": "corporate", "bank": "corporate", "region": "regional"}


def is_event_name(o: Org) -> bool:
    """'Форум ...', 'Саммит ...': an event natasha took for a body, never a side."""
    return o.name.split(" ")[0].lower() in ("саммит", "форум", "выставка", "экспо", "конференция")


def level_of(parties: list[Party], kinds: list[str | None], seg_lemmas: set[str], states: bool) -> str | None:
    """The contract's level: the document's own words first ("межправительственное"), then the kinds of body
    that sign it, then their names."""
    if "межгосударственный" in seg_lemmas or states:
        return "interstate"
    if "межправительственный" in seg_lemmas or "правительство" in seg_lemmas:
        return "intergovernmental"
    if "межведомственный" in seg_lemmas or "ведомство" in seg_lemmas:
        return "interagency"
    levels = [LEVEL_BY_KIND.get(k or "", "") for k in kinds]
    for lv in ("interstate", "intergovernmental", "interagency", "regional", "corporate"):
        if lv in levels:
            return lv
    names = " ".join(p.name.lower() for p in parties)
    if any(w in names for w in ("министерств", "агентств", "комитет", "управлени", "служб", "ведомств")):
        return "interagency"
    if any(w in names for w in ("компани", "корпорац", "банк", "ао ", "тоо ", "холдинг", "group")):
        return "corporate"
    if any(w in names for w in ("акимат", "област", "провинц", "округ", "город")):
        return "regional"
    return None


_HEAD_KIND = {"правительство": "government", "парламент": "parliament", "министерство": "ministry",
              "ведомство": "agency", "компания": "company", "администрация": "region", "акимат": "region"}


def bodies_between(a: nlp.Analysis, countries: list[CountryRef], lo: int, hi: int, gaz: Gazetteer
                   ) -> list[tuple[str, str, str | None]]:
    """'между правительствами Кыргызской Республики, Китайской Народной Республики и Республики Узбекистан',
    'между парламентами Кыргызстана и Китая': one body of that kind per country listed."""
    toks = a.tokens
    k = next((k for k in range(lo, hi - 1) if toks[k].lemma == "между"), None)
    if k is None or toks[k + 1].lemma not in _HEAD_KIND or toks[k + 1].number != "Plur":
        return []
    head = toks[k + 1].lemma.capitalize()
    out: list[tuple[str, str, str | None]] = []
    for c in countries:
        if c.first <= k + 1 or c.adjective or any(c.code == x[1] for x in out):
            continue
        if head == "Правительство":
            out.append((*party_for_government(c.code, gaz), "government"))
            continue
        name = head + " " + a.text[toks[c.first].start:toks[c.last - 1].stop]
        entry = resolve_org(name, gaz)
        if entry is not None:
            out.append((entry.name, c.code, entry.subkind))
        else:
            out.append((head + " " + country_genitive(c.code, gaz), c.code, _HEAD_KIND[toks[k + 1].lemma]))
    return out if len(out) >= 2 else []


def party_name(a: nlp.Analysis, ents: Entities, o: Org) -> str:
    """The canonical name, with the Latin spellings the text uses for the same body: 'Китайская национальная
    нефтегазовая корпорация (China National Petroleum Corporation, CNPC)' is findable by either."""
    toks = a.tokens
    written = []
    for x in ents.orgs:
        if x.name != o.name:
            continue
        surface = a.text[toks[x.first].start:toks[x.last - 1].stop]
        if _LATIN.search(surface) and not _CYRILLIC.search(surface) and surface not in o.name \
                and surface not in written:
            written.append(surface)
    return f"{o.name} ({', '.join(written)})" if written else o.name


# a company the gazetteer does not know still says what it is ("China Gezhouba Group Cement Co Ltd", "ТОО «X»")
_COMPANY_NAME = re.compile(
    r"\b(?:Group|Co|Ltd|LLC|Inc|Corporation|Holding|Company|ТОО|АО|ООО|ПАО|ОАО)\b|компания|корпорация", re.I)


def fold_restatements(agreements: list[Agreement], a: nlp.Analysis) -> list[Agreement]:
    """'... подписание соглашения о строительстве завода. Соглашение подписано между A, B и C': a sentence that
    opens with the document word names the one reported just before again; its sides complete that record."""
    out: list[Agreement] = []
    toks = a.tokens
    for g in agreements:
        n = _sentence_of(a, g)
        opener = n is not None and toks[a.sentences[n].first].lemma in KIND
        before = next((o for o in reversed(out) if o.kind == g.kind and _sentence_of(a, o) in (
            (n or 0) - 1, (n or 0) - 2)), None)
        if not opener or before is None:
            out.append(g)
            continue
        if len(g.parties) > len(before.parties):
            before.parties = g.parties
            before.level = g.level or before.level
        before.subject = before.subject or g.subject
    return out


def _sentence_of(a: nlp.Analysis, g: Agreement) -> int | None:
    return next((i for i, s in enumerate(a.sentences) if s.start == g.evidence.start), None)


def sole_companies(agreements: list[Agreement], a: nlp.Analysis, ents: Entities,
                   country_names: set[str]) -> None:
    """'подписан меморандум с одной из крупных стройкомпаний Китая' in a report whose only Chinese company is
    China Gezhouba: a side named by its country alone is the one company of that country the report names."""
    companies: dict[str, dict[str, Org]] = {}
    for o in ents.orgs:
        if (o.kind == "company" or _COMPANY_NAME.search(o.name)) and o.country:
            companies.setdefault(o.country, {})[o.name] = o
    toks = a.tokens
    for g in agreements:
        # a country the sentence names as a noun ("Власти Казахстана и компания X") is a side in its own right
        said = {c.code for c in ents.countries if not c.adjective
                and g.evidence.start <= toks[c.first].start < g.evidence.end
                and not (c.first > 0 and "компани" in toks[c.first - 1].lemma)}  # "стройкомпаний Китая": whose
        for p in g.parties:
            named = companies.get(str(p.country), {})
            if p.name in country_names and p.country not in said and len(named) == 1:
                p.name = party_name(a, ents, next(iter(named.values())))


def venue(toks: tuple[nlp.Token, ...], first: int, lo: int) -> bool:
    """'В Министерстве иностранных дел состоялось подписание', 'в рамках заседания делового совета': where
    or within what a document was signed, not who signed it."""
    if first > lo and toks[first - 1].lemma in ("в", "во", "на"):
        return True
    return any((toks[k].lemma, toks[k + 1].lemma) in etr.FRAME_PREPS for k in range(max(lo, first - 4), first - 1))


def sides_of_previous(agreements: list[Agreement], country_names: set[str]) -> None:
    """'Помимо этого, было заключено соглашение ...': a document whose sentence names no side of its own
    (only the countries the document is about) was signed by the sides of the one reported just before."""
    for n, g in enumerate(agreements):
        if n == 0 or not all(p.name in country_names for p in g.parties):
            continue
        prev = agreements[n - 1]
        if all(p.name in country_names for p in prev.parties):
            continue
        if {p.country for p in g.parties} <= {p.country for p in prev.parties}:
            g.parties = [Party(p.name, p.country) for p in prev.parties]
            g.level = g.level or prev.level
            if g.kind == "treaty" and prev.level == "corporate":
                g.kind = "contract"


def sides_named_later(agreements: list[Agreement], a: nlp.Analysis, ents: Entities, gaz: Gazetteer) -> None:
    """'Подписан контракт ... Сторонами контракта выступили: АО X и компания Y': a document whose own sentence
    gives only countries takes the bodies the next sentences name as its sides."""
    toks = a.tokens
    country_names = set(gaz.country_names.values())
    for si, s in enumerate(a.sentences):
        k = next((k for k in range(s.first, s.last) if toks[k].lemma == "сторона" and any(
            toks[m].text == ":" or toks[m].lemma in ("выступить", "выступать", "являться")
            for m in range(k + 1, min(s.last, k + 4)))), None)
        if k is None:
            continue
        sides = [o for o in ents.orgs if k < o.first < s.last and o.country and not is_event_name(o)]
        if len({o.country for o in sides}) < 2:
            continue
        for g in agreements:
            gi = _sentence_of(a, g)
            if gi is None or not si - 2 <= gi <= si:
                continue
            if all(p.name in country_names for p in g.parties):
                g.parties = [Party(party_name(a, ents, o), o.country) for o in dict(
                    (o.name, o) for o in sides).values()]
                g.level = level_of(g.parties, [o.kind for o in sides], set(), False)


def dedupe(items: list[Agreement], country_names: set[str]) -> list[Agreement]:
    """A headline and the body often report the same document: keep the fuller record once."""
    out: list[Agreement] = []
    for g in items:
        key = set(_party_key(g))
        twin = next((o for o in out if o.kind == g.kind and o.evidence != g.evidence
                     and (key == set(_party_key(o)) or (
                         (key <= set(_party_key(o)) or set(_party_key(o)) <= key) and _same_subject(o, g)))),
                    None)  # enumerations in one sentence stay apart
        if twin is None:
            out.append(g)
            continue
        if _fullness(g, country_names) > _fullness(twin, country_names):
            out[out.index(twin)] = g
    return out


def _same_subject(x: Agreement, y: Agreement) -> bool:
    """One subject's word stems are contained in the other's, or one record has none."""
    def stems(g: Agreement) -> set[str]:
        return {w[:5] for w in (g.subject or "").lower().split() if len(w) > 2}

    sx, sy = stems(x), stems(y)
    return not sx or not sy or sx <= sy or sy <= sx


def _fullness(g: Agreement, country_names: set[str]) -> tuple[int, bool, int]:
    """More named bodies beat fewer (or bare countries), a subject beats none, then the longer title."""
    bodies = sum(p.name not in country_names for p in g.parties)
    return bodies, bool(g.subject), len(g.title)


def _party_key(g: Agreement) -> tuple[str, ...]:
    return tuple(sorted(str(p.country) for p in g.parties))
