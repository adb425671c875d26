"""Extract stage: people, bodies, countries and places found in an `Analysis`, and who acts in each sentence.

natasha spans + gazetteer matches + rules for lower-case state bodies (bodies.py), people clustered by
persons.py; media cited as sources are kept apart from the actors.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from workers.extract import nlp, speech
from workers.extract.bodies import Org, find_orgs
from workers.extract.countries import CountryRef, find_countries
from workers.extract.gazetteer import Gazetteer
from workers.extract.persons import HEAD_POSITION, Person, find_persons

PRONOUNS = frozenset({"он", "она"})
_KZ_LEGAL_FORM = re.compile(r"^(?:ТОО|РГП|РГКП|КГП|ГКП)\b")
# a union of states is a party like a country in treaties, but an organisation as a named entity
UNIONS = frozenset({"EU"})
_WEB_NAME = re.compile(r"\.(?:kz|ru|kg|uz|cn|com|net|org|info|tj|by)\b", re.I)
# a country is a place of an event only after these ("в Китае", "посетит Казахстан")
PLACE_BEFORE = frozenset({"в", "во", "посетить", "посещать", "посещение"})


@dataclass(frozen=True)
class Actor:
    """Someone or something a sentence names: a person, a body, a country or a place."""

    kind: str  # person, org, country, place, role
    name: str
    country: str | None
    first: int
    last: int


@dataclass
class Entities:
    persons: list[Person]
    orgs: list[Org]
    countries: list[CountryRef]
    places: list[Actor]
    actors_by_sent: dict[int, list[Actor]]
    sources: list[Org] = field(default_factory=list)  # media cited as sources: mentions, never actors


def _place_like(word: str) -> bool:
    """'Аким' tagged LOC at a sentence start is a title; a place is unknown to the dictionary or geographic."""
    if not nlp.is_known(word) or nlp.has_tag(word, "Geox"):
        return True
    return nlp.main_pos(word) not in ("NOUN", "VERB", "ADVB", "ADJF", "PREP", "CONJ", "PRCL", "NPRO")


def analyse_entities(a: nlp.Analysis, gaz: Gazetteer) -> Entities:
    countries = find_countries(a, gaz)
    persons = find_persons(a, gaz, countries)
    person_tokens = {i for p in persons for f, la in p.tokens for i in range(f, la)}
    # a title names a body too ("председатель Национального банка Казахстана"): only names block bodies
    named_tokens = {i for p in persons for f, la in p.tokens if (f, la) not in p.titles for i in range(f, la)}
    orgs = _country_from_head(a, find_orgs(a, gaz, countries, named_tokens), persons)
    # media are never actors: the outlet a report cites, or any name that is a web address
    # "ТОО «KAZ Minerals Smelting»": a legal form only Kazakhstan registers says where the body is (NOTES-B ruling)
    orgs = [replace(o, country="KZ") if o.country is None and _KZ_LEGAL_FORM.match(o.name) else o for o in orgs]
    cited = speech.attribution(a.tokens)
    sources = [o for o in orgs if _WEB_NAME.search(o.name) or any(k in cited for k in range(o.first, o.last))]
    orgs = [o for o in orgs if o not in sources]
    org_tokens = {i for o in orgs for i in range(o.first, o.last)}
    places: list[Actor] = []
    for m in gaz.find(a.tokens, frozenset({"place"})):
        if m.entry.subkind == "country" and not (m.first > 0 and a.tokens[m.first - 1].lemma in PLACE_BEFORE):
            continue  # "таможня КНР", "Председателю КНР": a country is a place only where things happen ("в Китае")
        if not any(i in org_tokens or i in person_tokens for i in range(m.first, m.last)):
            places.append(Actor("place", m.entry.name, m.entry.country, m.first, m.last))
    ctoks = {i for c in countries for i in range(c.first, c.last)}
    ptoks = {i for p in places for i in range(p.first, p.last)}
    for s in a.spans:
        if s.type == "LOC" and not any(
            i in ctoks or i in ptoks or i in org_tokens or i in person_tokens for i in range(s.first, s.last)
        ) and any(_place_like(a.tokens[i].text) for i in range(s.first, s.last)):
            places.append(Actor("place", s.normal, None, s.first, s.last))
    places.sort(key=lambda p: p.first)
    actors: dict[int, list[Actor]] = {}
    for p in persons:
        for f, la in p.tokens:
            # an office the text never fills with a name takes part by its country: "Президент Казахстана" in a
            # 2016 report is not today's president (contract ruling: only people the text names)
            actor = Actor("person", p.name, p.country, f, la) if p.named else Actor("role", "", p.country, f, la)
            actors.setdefault(a.tokens[f].sent, []).append(actor)
    for o in orgs:
        actors.setdefault(a.tokens[o.first].sent, []).append(Actor("org", o.name, o.country, o.first, o.last))
    # a joint body ("Казахстанско-китайская комиссия", no country of its own) still names both countries
    owned_tokens = {i for o in orgs if o.country for i in range(o.first, o.last)}
    for c in countries:
        if c.first in owned_tokens or c.passing:
            continue  # "уступает лишь Казахстану": a yardstick takes part in nothing
        actors.setdefault(a.tokens[c.first].sent, []).append(
            Actor("country", "", c.code, c.first, c.last))
    for pl in places:
        actors.setdefault(a.tokens[pl.first].sent, []).append(pl)
    _add_roles(a, persons, countries, actors)
    for v in actors.values():
        v.sort(key=lambda x: (x.first, x.kind))
    return Entities(persons, orgs, countries, places, actors, sources)


def _country_from_head(a: nlp.Analysis, orgs: list[Org], persons: list[Person]) -> list[Org]:
    """'председатель компании BYD Ван Чуаньфу': a body of unknown country takes the country of the person
    its title introduces."""
    toks = a.tokens
    starts = {f: p for p in persons if p.country for f, _ in p.tokens}
    out = []
    for o in orgs:
        p = starts.get(o.last)
        if o.country is None and p is not None and any(
                toks[k].lemma in HEAD_POSITION for k in range(max(0, o.first - 3), o.first)
                if toks[k].sent == toks[o.first].sent):
            o = replace(o, country=p.country)
        out.append(o)
    return out


def _add_roles(a: nlp.Analysis, persons: list[Person], countries: list[CountryRef],
               actors: dict[int, list[Actor]]) -> None:
    """Position words ('Глава КНР', 'председателем') and pronouns point to a person of the document."""
    toks = a.tokens
    named_at = {f for p in persons for f, _ in p.tokens}
    last_person: Person | None = None
    by_first = {f: p for p in persons for f, _ in p.tokens}
    for i, t in enumerate(toks):
        if i in by_first:
            last_person = by_first[i]
            continue
        if t.lemma in HEAD_POSITION and t.pos == "NOUN":
            # skip when a name follows closely (the name itself is the actor)
            if any(j in named_at for j in range(i + 1, min(i + 6, len(toks))) if toks[j].sent == t.sent):
                continue
            cs = [c for c in countries if i < c.first <= i + 3 and toks[c.first].sent == t.sent]
            code = cs[0].code if cs else None
            target = None
            if code:
                cands = [p for p in persons if p.country == code]
                if len(cands) == 1:
                    target = cands[0]
            elif t.text[:1].isupper() and last_person is not None:
                target = None
            if target is not None:
                actors.setdefault(t.sent, []).append(Actor("person", target.name, target.country, i, i + 1))
            elif code:
                actors.setdefault(t.sent, []).append(Actor("role", "", code, i, i + 1))
        elif t.lemma in PRONOUNS and t.case == "Nom" and last_person is not None:
            actors.setdefault(t.sent, []).append(
                Actor("person", last_person.name, last_person.country, i, i + 1))


def counter_countries(items: list[Actor]) -> Counter[str]:
    return Counter(x.country for x in items if x.country)


def mention_spans(a: nlp.Analysis, ents: Entities) -> list[tuple[str, int, int]]:
    """Character spans of named mentions as PER/LOC/ORG (for comparing with NER benchmarks)."""
    out: list[tuple[str, int, int]] = []
    toks = a.tokens
    for p in ents.persons:
        for f, la in p.tokens:
            if (f, la) not in p.titles:
                out.append(("PER", toks[f].start, toks[la - 1].stop))
    person_tokens = {i for p in ents.persons for f, la in p.tokens for i in range(f, la)}
    loc: set[tuple[int, int]] = set()
    # a country or city inside a body's name is still a mention of it ("МИД России")
    for c in ents.countries:
        if c.code in UNIONS:
            out.append(("ORG", toks[c.first].start, toks[c.last - 1].stop))
        elif not c.adjective:
            loc.add((toks[c.first].start, toks[c.last - 1].stop))
    for pl in ents.places:
        loc.add((toks[pl.first].start, toks[pl.last - 1].stop))
    for s in a.spans:
        if s.type == "LOC" and not any(i in person_tokens for i in range(s.first, s.last)) and not any(
                st < s.stop and s.start < en for st, en in loc):
            loc.add((s.start, s.stop))
    out.extend(("LOC", st, en) for st, en in loc)
    for o in [*ents.orgs, *ents.sources]:
        out.append(("ORG", toks[o.first].start, toks[o.last - 1].stop))
    return sorted(set(out), key=lambda x: (x[1], x[2], x[0]))
