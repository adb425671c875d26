"""Extract stage: countries named in an `Analysis` (names, abbreviations, adjectives such as "казахстанско-"),
each marked when it is only a yardstick of comparison; and a country's name in the genitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.extract import nlp
from workers.extract.gazetteer import Gazetteer


@dataclass(frozen=True)
class CountryRef:
    code: str
    first: int
    last: int
    adjective: bool
    passing: bool = False  # a comparison ("уступает лишь Казахстану"), not a party to anything


# verbs that rank a country against others: what follows them in the clause is a yardstick, not an actor
COMPARE_VERBS = frozenset({"уступать", "уступить", "опережать", "опередить", "обогнать", "обгонять",
                           "превосходить", "превзойти"})
# words right before a country that make it a comparison ("как и Казахстан", "по примеру Казахстана")
COMPARE_BEFORE = (("как", "и"), ("как", "и", "в"), ("как", "и", "во"), ("пример",), ("в", "отличие", "от"),
                  ("вслед", "за"), ("наряду", "с"),
                  ("по", "сравнение", "с"), ("в", "сравнение", "с"), ("подобно",), ("аналогично",),
                  ("чем",), ("после",))
_SOFT = frozenset({"лишь", "только", "даже", "уже", "ещё", "еще"})


def is_passing(toks: tuple[nlp.Token, ...], first: int) -> bool:
    """A country named only as a yardstick of comparison: "уступает лишь Казахстану", "как и Казахстан",
    "по примеру Казахстана", "в отличие от Китая", "больше, чем Китай"."""
    sent = toks[first].sent
    k = first - 1
    while k >= 0 and toks[k].sent == sent and (toks[k].lemma in _SOFT or toks[k].pos == "ADJ"):
        k -= 1  # "лишь", "соседнего": look past them
    for words in COMPARE_BEFORE:
        n = len(words)
        if k - n + 1 < 0 or any(toks[k - n + 1 + j].sent != sent for j in range(n)):
            continue
        if tuple(toks[k - n + 1 + j].lemma for j in range(n)) == words:
            if words == ("после",):
                # "второе место после Казахстана" ranks; "после переговоров" does not reach here
                return any(toks[j].lemma in ("место", "второй", "третий") for j in range(max(0, k - 4), k))
            return True
    # "республика уступает в Центральной Азии лишь Казахстану": the rest of the clause after the verb
    j = first - 1
    while j >= 0 and toks[j].sent == sent and toks[j].text not in (",", ";", ":", "—", "–"):
        if toks[j].lemma in COMPARE_VERBS:
            return True
        j -= 1
    return False


def country_genitive(code: str | None, gaz: Gazetteer) -> str:
    if code == "KZ":
        return "Республики Казахстан"
    if code == "CN":
        return "Китайской Народной Республики"
    if not code:
        return ""
    name = gaz.country_names.get(code, code)
    words = name.split()
    out = []
    inflect = True
    for w in words:
        # "Республика Узбекистан" → "Республики Узбекистан": only the head and its adjectives change
        out.append(nlp.genitive(w) if inflect else w)
        if inflect and nlp.is_noun(w):
            inflect = False
    return " ".join(out)


def find_countries(a: nlp.Analysis, gaz: Gazetteer) -> list[CountryRef]:
    out: list[CountryRef] = []
    for m in gaz.find(a.tokens, frozenset({"country"})):
        if m.first > 0 and a.tokens[m.first - 1].lemma in ("доллар", "долл", "цент"):
            continue  # "долларов США" names a currency, not a party
        prev = a.tokens[m.first - 1] if m.first > 0 else None
        if prev is not None and m.last - m.first == 1 and prev.pos == "ADJ" and prev.text[:1].isupper() \
                and prev.sent == a.tokens[m.first].sent and not m.adjective and \
                prev.lemma in ("северный", "южный", "латинский", "центральный", "восточный", "западный"):
            continue  # "Северной Америки" is a continent, not the United States
        if m.entry.country:
            out.append(CountryRef(m.entry.country, m.first, m.last, m.adjective,
                                  is_passing(a.tokens, m.first)))
    covered = {i for c in out for i in range(c.first, c.last)}
    stems = _adjective_stems(gaz)
    for i, t in enumerate(a.tokens):
        if i in covered or "-" not in t.text:
            continue
        for part in nlp.norm(t.text).split("-"):
            for stem, code in stems:
                if part.startswith(stem):
                    out.append(CountryRef(code, i, i + 1, True, is_passing(a.tokens, i)))
                    break
    out.sort(key=lambda c: (c.first, c.code))
    return out


_STEMS: dict[int, tuple[Gazetteer, list[tuple[str, str]]]] = {}


def _adjective_stems(gaz: Gazetteer) -> list[tuple[str, str]]:
    key = id(gaz)
    if key not in _STEMS or _STEMS[key][0] is not gaz:  # a replaced gazetteer may reuse an id
        stems: list[tuple[str, str]] = []
        for p in gaz.patterns():
            if p.adjective and p.entry.country and len(p.lemmas) == 1:
                for lem in p.lemmas[0]:
                    st = re.sub(r"(ский|цкий|ской|ий|ый|ой)$", "", lem)
                    if len(st) >= 4:
                        stems.append((st, p.entry.country))
        _STEMS[key] = (gaz, sorted(set(stems), key=lambda s: (-len(s[0]), s)))
    return _STEMS[key][1]
