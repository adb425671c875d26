"""Extract stage: who signs a document — the parties an agreement's sentence names, or the document's pair.

Parties come from the document's own phrase (between X and Y, "X и Y подписали") or its sentence; the
countries a whole text is about are only the last resort, and comparisons ("уступает лишь Казахстану") never count.
"""

from __future__ import annotations

from collections import Counter

from workers.extract import nlp
from workers.extract.bodies import Org, resolve_org
from workers.extract.countries import country_genitive
from workers.extract.entities import Entities
from workers.extract.gazetteer import Gazetteer
from workers.extract.records import Party


def party_for_government(code: str, gaz: Gazetteer) -> tuple[str, str]:
    for e in gaz.entries:
        if e.kind == "org" and e.subkind == "government" and e.country == code and e.name.startswith("Правительство"):
            return e.name, code
    return "Правительство " + country_genitive(code, gaz), code


def doc_pair(ents: Entities) -> list[str]:
    """The two countries a document is about: Kazakhstan (unless named only in passing) and its most
    mentioned partner."""
    c = Counter(x.code for x in ents.countries if not x.passing)
    if len(c) < 2:
        # "Делегация ... посетила Синьцзян-Уйгурский автономный район": a body can be the only sign of a side
        c.update(o.country for o in ents.orgs if o.country and o.country not in c)
    codes = [k for k, _ in c.most_common()]
    if "KZ" in codes:
        return ["KZ", *[k for k in codes if k != "KZ"][:1]]
    return codes[:2]


def sentence_pair(ents: Entities, lo: int, trigger: int, seg_end: int, pair: list[str]) -> list[str]:
    """Countries of the document's own sentence: the subjects before the document word ("Китай и Узбекистан
    подписали соглашения", "казахстанская и китайская стороны подписали") and those inside its phrase
    ("соглашение с Китаем"); completed from the document's pair when the sentence names only one."""
    subj = [c.code for c in ents.countries if lo <= c.first < trigger and not c.passing]
    inside = [c.code for c in ents.countries if trigger <= c.first < seg_end and not c.adjective and not c.passing]
    codes = list(dict.fromkeys([*subj, *inside]))
    if len(codes) >= 2:
        # Kazakhstan first when it is one of them, as the document pair orders it
        return sorted(codes, key=lambda c: c != "KZ")
    if len(codes) == 1:
        other = [c for c in pair if c != codes[0]]
        return sorted([codes[0], *other[:1]], key=lambda c: c != "KZ")
    return pair


def recent_parties(ents: Entities, before: int) -> list[Org]:
    """'Стороны планируют подписать ...': the last bodies of two different countries named before."""
    chosen: dict[str, Org] = {}
    for o in sorted((o for o in ents.orgs if o.first < before and o.country), key=lambda o: -o.first):
        if o.country not in chosen:
            chosen[str(o.country)] = o
        if len(chosen) == 2:
            break
    return sorted(chosen.values(), key=lambda o: o.first) if len(chosen) == 2 else []


BODY_OF_TITLE = {"аким": ("Акимат", "region"), "министр": ("Министерство", "ministry")}


def complete_parties(parties: list[Party], kinds: list[str | None], ents: Entities,
                     lo: int, hi: int, gaz: Gazetteer) -> None:
    """A document has two sides: when the named bodies are all of one country and the sentence names another
    ("с группой китайских компаний", "Аким ... области и председатель китайской компании подписали"), the other
    side joins — as the akimat of a signing akim, else as the country."""
    own = {p.country for p in parties}
    if len(own) != 1 or None in own:
        return
    others = [c.code for c in ents.countries if lo <= c.first < hi and not c.passing and c.code not in own]
    people = [p for p in ents.persons if p.country and p.country not in own
              and any(lo <= f < hi for f, _ in p.tokens)]
    for p in people:
        pos = p.position or ""
        head, _, rest = pos.partition(" ")
        body = BODY_OF_TITLE.get(head.lower())
        if body and rest and not rest.lower().startswith(("и ", "по ")):
            # "Аким Туркестанской области" signs for the akimat, "Министр инвестиций ..." for the ministry
            parties.insert(0, Party(body[0] + " " + rest, p.country))
            kinds.insert(0, body[1])
            return
    code = others[0] if others else (people[0].country if people else None)
    if code:
        parties.append(Party(gaz.country_names.get(code, code), code))
        kinds.append(None)


_REGION_HEADS = frozenset({"округ", "область", "провинция", "район", "город", "уезд", "префектура"})
_SUBJECT_CASES = (None, "Nom", "Ins")


def subject_parties(a: nlp.Analysis, ents: Entities, lo: int, trigger: int) -> list[Org]:
    """The sides a sentence names as its subjects before the document word, bodies and regions alike:
    'Округ Тачэн ... и Восточно-Казахстанская область заключили меморандум', 'Министерством сельского
    хозяйства РК и Главным таможенным управлением КНР было подписано ...'. One per country, in text order;
    a body in the genitive ('округ ... Синьцзян-Уйгурского автономного района') only qualifies another."""
    toks = a.tokens
    found: list[Org] = []
    for o in ents.orgs:
        if lo <= o.first < trigger and o.country and _subject_case(toks, o.first, lo):
            found.append(o)
    for p in ents.places:
        if not (lo <= p.first < trigger) or not p.country:
            continue
        start = p.first
        name = p.name
        if start > lo and toks[start - 1].lemma in _REGION_HEADS and not name.lower().endswith(
                tuple(_REGION_HEADS)):
            start -= 1  # "Округ Тачэн": the region word is part of the name
            name = nlp.to_nominative(toks[start].text, toks[start].case).capitalize() + " " + name
        if _subject_case(toks, start, lo) and (start < p.first or _is_region(name)):
            found.append(Org(name, p.country, "region", start, p.last))
    found.sort(key=lambda o: o.first)
    out: list[Org] = []
    for o in found:
        if o.country not in {x.country for x in out}:
            out.append(o)
    return out if len(out) >= 2 else []


def _is_region(name: str) -> bool:
    return any(w in _REGION_HEADS for w in nlp.norm(name).split())


def _subject_case(toks: tuple[nlp.Token, ...], k: int, lo: int) -> bool:
    prev = toks[k - 1] if k > lo else None
    return toks[k].case in _SUBJECT_CASES and not (prev is not None and prev.pos == "ADP")


def signatory_parties(ents: Entities, toks: tuple[nlp.Token, ...], lo: int, hi: int, verb: int, gaz: Gazetteer
                      ) -> list[Org]:
    """'подписали министр сельского хозяйства РК Е. Карашукеев и посол КНР в Казахстане Ч. Сяо': each signatory
    signs for a body their title names: a minister for the ministry, an akim for the akimat, an ambassador or a
    head of government for the government. Signatories follow the signing verb, else they are its subject."""
    mentions = sorted((f, p) for p in ents.persons if p.named and p.country and p.position
                      for f, _ in p.tokens if lo <= f < hi and (f, _) not in p.titles)
    after = [(f, p) for f, p in mentions if f > verb]
    chosen = after or [(f, p) for f, p in mentions if f < verb]
    out: list[Org] = []
    for f, p in chosen:
        pos = str(p.position)
        low = nlp.norm(pos)
        head, _, rest = pos.partition(" ")
        body: str | None = None
        kind = None
        if "посол" in low.split() or head.lower() in ("премьер-министр", "вице-премьер", "премьер"):
            body, kind = party_for_government(str(p.country), gaz)[0], "government"
        elif head.lower() in BODY_OF_TITLE and rest:
            prefix, kind = BODY_OF_TITLE[head.lower()]
            entry = resolve_org(prefix + " " + rest, gaz)
            body = entry.name if entry else prefix + " " + rest
        if body and p.country not in {o.country for o in out}:
            out.append(Org(body, p.country, kind, f, f + 1))
    return out if len({o.country for o in out}) >= 2 else []
