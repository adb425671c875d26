"""Extract stage: is the document about Kazakhstan–China contacts? A score in [0, 1] and a decision.

Mentions alone are weak: a Kazakhstan–Russia text may name China in passing. Contacts (events, agreements,
officials of both sides, "казахстанско-китайский") carry the decision.
"""

from __future__ import annotations

from collections import Counter

from workers.extract import nlp
from workers.extract.entities import Entities
from workers.extract.events import Event
from workers.extract.records import Agreement

PROJECT = frozenset({"строительство", "проект", "завод", "электростанция", "инвестиция", "вложить", "инвестировать",
                     "построить", "комбинат", "предприятие", "станция", "терминал", "производство", "инвестор"})
INVESTOR = frozenset({"компания", "инвестор", "корпорация", "холдинг", "группа", "концерн", "банк"})


def project_across(a: nlp.Analysis, ents: Entities) -> bool:
    """'Китайская компания X начала строительство в Казахстане ВЭС', 'Инвесторы из КНР намерены вложить 134 млрд
    тенге ... в Западно-Казахстанской области': a company or investor of one side builds or invests on the other
    side's soil (a contract ruling: relevant without a diplomatic verb)."""
    toks = a.tokens
    for n, s in enumerate(a.sentences):
        lo, hi = s.first, s.last
        # the project's site may follow in the next sentences ("... вложить 134 млрд тенге. ... В ... области")
        far = a.sentences[min(n + 2, len(a.sentences) - 1)].last
        if not any(toks[k].lemma in PROJECT for k in range(lo, hi)):
            continue
        investors = {o.country for o in ents.orgs if lo <= o.first < hi and o.kind == "company" and o.country}
        for c in ents.countries:
            if not lo <= c.first < hi:
                continue
            after = toks[c.last].lemma if c.last < hi else ""
            before = [toks[k].lemma for k in range(max(lo, c.first - 2), c.first)]
            if (c.adjective and after in INVESTOR) or ("из" in before and any(b in INVESTOR for b in before)):
                investors.add(c.code)
        hosts = {c.code for c in ents.countries if lo <= c.first < far and not c.adjective and not c.passing}
        hosts |= {p.country for p in ents.places if lo <= p.first < far and p.country}
        if ("CN" in investors and "KZ" in hosts) or ("KZ" in investors and "CN" in hosts):
            return True
    return False


def score(ents: Entities, events: list[Event], agreements: list[Agreement],
          conj: frozenset[int] = frozenset(), project: bool = False) -> tuple[bool, float]:
    """`conj`: token indices of the conjunction "и" (for "Казахстан и Китай"); `project`: `project_across`."""
    mentions = Counter(c.code for c in ents.countries if not c.passing)
    mentions.update(p.country for p in ents.persons if p.country)
    mentions.update(o.country for o in ents.orgs if o.country)
    kz, cn = mentions.get("KZ", 0), mentions.get("CN", 0)
    if not kz or not cn:
        return False, round(0.05 * min(kz + cn, 4), 2)
    s = 0.25
    bilateral = any(c.adjective and c.code in ("KZ", "CN") and c.first == other.first
                    for c in ents.countries for other in ents.countries
                    if other.code != c.code and other.code in ("KZ", "CN"))
    # "между Казахстаном и Китаем", "Казахстан и КНР": the two named as a pair
    pair = any({c.code, d.code} == {"KZ", "CN"} and d.first - c.last == 1 and not c.adjective
               and not d.adjective and c.last in conj for c in ents.countries for d in ents.countries)
    if bilateral or pair:
        s += 0.25
    both_events = [e for e in events
                   if {"KZ", "CN"} <= {str(p["country"]) for p in e.participants if p["country"]}]
    if both_events:
        s += 0.3 + 0.05 * min(len(both_events) - 1, 2)
    both_agr = [g for g in agreements if {"KZ", "CN"} <= {str(p.country) for p in g.parties}]
    if both_agr:
        s += 0.3
    if project:
        s += 0.3
    pc = {p.country for p in ents.persons}
    if {"KZ", "CN"} <= pc:
        s += 0.1
    # a third country that dominates the text pulls the score down
    third = max((v for k, v in mentions.items() if k not in ("KZ", "CN")), default=0)
    if third > min(kz, cn) and not both_events:
        s -= 0.2
    s = max(0.0, min(1.0, s))
    return s >= 0.5, round(s, 2)
