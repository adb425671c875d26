"""Extract stage: people named in an `Analysis`, one Person per identity, names in the nominative.

Gazetteer names first, then natasha PER spans; "Токаев", "Касым-Жомарт Токаева" and "президент Казахстана"
end up as one person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from workers.extract import names as names_
from workers.extract import nlp
from workers.extract.bodies import POSITION_WORDS, phrase_tokens
from workers.extract.countries import CountryRef
from workers.extract.gazetteer import Gazetteer, Match

HEAD_POSITION = frozenset({
    "президент", "председатель", "премьер-министр", "премьер", "министр", "посол", "глава", "заместитель",
    "вице-премьер", "вице-президент", "аким", "губернатор", "руководитель", "директор", "лидер", "спикер",
    "вице-министр", "замминистр", "генконсул", "консул", "мэр", "генсек", "посланник",
})


@dataclass
class Person:
    name: str
    country: str | None = None
    position: str | None = None
    mentions: int = 0
    tokens: list[tuple[int, int]] = field(default_factory=list)  # token spans of mentions
    titles: list[tuple[int, int]] = field(default_factory=list)  # of those, the ones naming a title only
    named: bool = False  # named at least once (title-only references are not listed)


def _name_words(a: nlp.Analysis, gaz: Gazetteer) -> set[str]:
    words = {w for s in a.spans if s.type == "PER" for w in s.normal.split() if len(w) >= 3}
    for e in gaz.entries:
        if e.kind == "person":
            words.update(w for w in e.name.split() if len(w) >= 3)
    return words


def _name_like(word: str) -> bool:
    """False for words that cannot be a name: verbs and particles ("Читайте"), position nouns."""
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        return not all(nlp.norm(p) in POSITION_WORDS or nlp.norm(p) == "вице" for p in parts)
    if nlp.norm(word) in POSITION_WORDS:
        return False
    if not nlp.is_known(word) or nlp.has_name_tag(word):
        return True
    return nlp.main_pos(word) in ("NOUN", "ADJF")


def _trim_covered(a: nlp.Analysis, s: nlp.NerSpan, covered: set[int]) -> nlp.NerSpan | None:
    """'аким области Жетысу Бейбит Исабаев': natasha glued a known place to the name; the rest is the person."""
    f, la = s.first, s.last
    while f < la and f in covered:
        f += 1
    while la > f and la - 1 in covered:
        la -= 1
    words = s.normal.split()
    if la - f < 2 or any(k in covered for k in range(f, la)) or len(words) != s.last - s.first:
        return None
    toks = a.tokens
    return replace(s, start=toks[f].start, stop=toks[la - 1].stop, text=a.text[toks[f].start:toks[la - 1].stop],
                   normal=" ".join(words[f - s.first:la - s.first]), first=f, last=la)


def _not_a_person(a: nlp.Analysis, s: nlp.NerSpan, words: list[str]) -> bool:
    """Spans natasha calls PER that name no one: an affiliation in brackets after a name ("(Ата-Мекен)"),
    a title used as a name ("Елбасы"), and a lone dictionary noun ("год Дракона")."""
    toks = a.tokens
    if s.first > 0 and s.last < len(toks) and toks[s.first - 1].text == "(" and toks[s.last].text == ")":
        return True
    if len(words) != 1:
        return False
    word = words[0]
    if nlp.norm(word) in POSITION_WORDS:
        return True
    if any(
            nlp.norm(w) == nlp.norm(word) for sp in a.spans if sp.type == "PER" and sp.last - sp.first > 1
            for w in sp.normal.split()):
        return False  # "Си" after "Си Цзиньпин"
    return "-" not in word and nlp.is_known(word) and not nlp.has_name_tag(word) and nlp.main_pos(word) == "NOUN"


def _oblique_title(toks: tuple[nlp.Token, ...], first: int) -> bool:
    """'Послу КНР Хань Чуньлиню', 'Посла КНР в Казахстане Хань Чуньлиня': the title before the name, within
    its phrase, is in an oblique case, so the name is too."""
    for k in range(first - 1, max(-1, first - 8), -1):
        t = toks[k]
        if t.sent != toks[first].sent or (t.pos in ("VERB", "PUNCT") and t.text not in ("-", "–")):
            return False
        if t.lemma in HEAD_POSITION:
            return t.case not in ("Nom", None)
    return False


def _context_country(a: nlp.Analysis, first: int, countries: list[CountryRef]) -> tuple[str | None, str | None]:
    """'Президент Казахстана X', 'председателем КНР X': position and country right before a name."""
    toks = a.tokens
    sent = toks[first].sent
    k = first - 1
    lo = max(0, first - 8)
    while (k >= lo and toks[k].sent == sent and toks[k].pos not in ("PUNCT", "VERB")) or (
        k >= lo and toks[k].text in {"-", "–"}
    ):
        if toks[k].lemma in HEAD_POSITION:
            cs = [c for c in countries if k < c.first < first]
            code = cs[0].code if cs else ("KZ" if toks[k].lemma == "аким" else None)
            adj = [c for c in countries if c.last == k and c.adjective]
            if not code and adj:
                code = adj[0].code
            pos_words = [nlp.to_nominative(toks[j].text, toks[j].case) if j == k else toks[j].text
                         for j in range(k, first)]
            return code, " ".join(pos_words)
        k -= 1
    return None, None


class _Mention(NamedTuple):
    name: str
    first: int
    last: int
    country: str | None
    canonical: bool  # the gazetteer's name for the person, not the text's
    position: str | None


def find_persons(a: nlp.Analysis, gaz: Gazetteer, countries: list[CountryRef]) -> list[Person]:
    """People, one Person per identity: gazetteer names first, then natasha PER spans put in the nominative; a
    short mention ("А. Еминбахэ", a surname alone) joins the full name it stands for."""
    raw, titled, covered = _gazetteer_mentions(a, gaz, countries)
    raw += _span_mentions(a, gaz, covered)
    raw.sort(key=lambda r: r.first)
    persons = _merge_mentions(a, raw, countries)
    # title references ("президент Казахстана") are mentions, but do not by themselves list the person
    for m in titled:
        p = persons.get(m.entry.name)
        if p is None:
            p = persons[m.entry.name] = Person(m.entry.name, m.entry.country, m.entry.position)
        p.tokens.append((m.first, m.last))
        p.titles.append((m.first, m.last))
    for p in persons.values():
        if not p.country and names_.looks_chinese(p.name):
            p.country = "CN"
    return list(persons.values())


def _gazetteer_mentions(a: nlp.Analysis, gaz: Gazetteer, countries: list[CountryRef]
                        ) -> tuple[list[_Mention], list[Match], set[int]]:
    """People the gazetteer knows by name, the title references that name a country too ("президент
    Казахстана"), and the tokens both take, with those of known bodies, places and countries."""
    toks = a.tokens
    gz_matches = gaz.find(toks, frozenset({"person"}))
    covered: set[int] = set()
    raw: list[_Mention] = []
    # tokens that the gazetteer knows as a body, place or country are not people ("Казатомпром")
    for m in gaz.find(toks, frozenset({"org", "place", "country"})):
        covered.update(range(m.first, m.last))
    titled: list[Match] = []
    for m in gz_matches:
        if m.via_title:
            if m.first > 0 and toks[m.first - 1].lemma in ("заместитель", "замминистр", "помощник", "советник"):
                continue  # "заместителю министра иностранных дел Казахстана" is not the minister
            # a title names the person only when it names the country too ("президент Казахстана");
            # bare "глава государства" is resolved later from the document's own people
            if any(c.first >= m.first and c.last <= m.last for c in countries):
                titled.append(m)
                covered.update(range(m.first, m.last))
            continue
        first, last = m.first, m.last
        for s in a.spans:  # "В.Путин": the mention is natasha's whole span, the identity the gazetteer's
            if s.type == "PER" and s.first <= first and last <= s.last:
                first, last = s.first, s.last
        raw.append(_Mention(m.entry.name, first, last, m.entry.country, True, m.entry.position))
        covered.update(range(first, last))
    return raw, titled, covered


def _span_mentions(a: nlp.Analysis, gaz: Gazetteer, covered: set[int]) -> list[_Mention]:
    """natasha PER spans outside `covered`, each named in the nominative (the gazetteer's name when it knows it)."""
    toks = a.tokens
    names = _name_words(a, gaz)
    raw: list[_Mention] = []
    for s in a.spans:
        if s.type != "PER":
            continue
        if any(k in covered for k in range(s.first, s.last)):
            trimmed = _trim_covered(a, s, covered)
            if trimmed is None:
                continue
            s = trimmed
        if "\n" in a.text[s.start:s.stop] or not any(_name_like(toks[k].text) for k in range(s.first, s.last)):
            continue  # "Акорда\nЕще", "Читайте": captions and prompts, not people
        words = _nominative_words(a, s, names)
        name = " ".join(words)
        if _not_a_person(a, s, words):
            continue
        m2 = gaz.find(phrase_tokens(name), frozenset({"person"}))
        if not m2 and name.endswith("ь"):
            # "Си Цзиньпиня" declined as if it ended in a soft sign: the gazetteer knows the name without it
            m2 = gaz.find(phrase_tokens(name[:-1]), frozenset({"person"}))
        if m2 and not m2[0].via_title:
            raw.append(_Mention(m2[0].entry.name, s.first, s.last, m2[0].entry.country, True, m2[0].entry.position))
        else:
            raw.append(_Mention(name, s.first, s.last, None, False, None))
    return raw


def _nominative_words(a: nlp.Analysis, s: nlp.NerSpan, names: set[str]) -> list[str]:
    toks = a.tokens
    words = s.normal.split()
    written = a.text[s.start:s.stop].split()
    cand = names_.lemma_nominative(toks, s.first, s.last) if len(written) == len(words) else None
    if cand and len(cand) == len(words):
        # natasha left some words as written ("Алибек Бакаеву"): those take the lemma
        words = [c if w == t else w for w, t, c in zip(words, written, cand, strict=True)]
    # the tagger often calls an unknown transcribed name nominative: any oblique word of the span or a
    # title before it in an oblique case ("Послу КНР Хань Чуньлиню") tells the case
    oblique = any(toks[k].case not in ("Nom", None) for k in range(s.first, s.last)) or _oblique_title(
        toks, s.first)
    return names_.nominative(words, written, oblique, names)


def _merge_mentions(a: nlp.Analysis, raw: list[_Mention], countries: list[CountryRef]) -> dict[str, Person]:
    """One Person per identity, in order of first mention, with country and position from the first mention
    that gives them."""
    persons: dict[str, Person] = {}
    # full names first so that single surnames attach to them
    fulls = {r.name for r in raw
             if (len(r.name.split()) >= 2 and not names_.surname_of_initialled(r.name)) or r.canonical}
    for name, first, last, country, canonical, position in raw:
        key = name if canonical else _full_name(name, fulls)
        p = persons.get(key)
        if p is None:
            p = persons[key] = Person(key)
        ctx_country, ctx_pos = _context_country(a, first, countries)
        p.mentions += 1
        p.tokens.append((first, last))
        p.named = True
        if country and not p.country:
            p.country = country
        if position and not p.position:
            p.position = position
        if ctx_country and not p.country:
            p.country = ctx_country
        if ctx_pos and not p.position:
            p.position = ctx_pos[:1].upper() + ctx_pos[1:]
    return persons


def _full_name(name: str, fulls: set[str]) -> str:
    """The full name a short mention stands for, else the mention's own name."""
    surname = names_.surname_of_initialled(name)
    if surname:
        # "А. Еминбахэ" after "Алекен Еминбахэ": the same person, named the short way
        low = nlp.norm(surname)
        hits = sorted(f for f in fulls if nlp.norm(f.split()[-1]) == low and names_.initials_fit(name, f))
        if hits:
            return hits[0]
    elif len(name.split()) == 1:
        low = nlp.norm(name)
        hits = sorted(f for f in fulls if low in [nlp.norm(w) for w in re.split(r"\s+", f)]
                      or any(nlp.norm(w) == low for w in re.split(r"[\s\-]+", f)))
        if hits:
            return hits[0]
    return name
