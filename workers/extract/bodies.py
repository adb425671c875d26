"""Extract stage: bodies (ministries, agencies, companies) named in an `Analysis`; countries.py finds the countries.

Gazetteer matches first, then lower-case state bodies by rule ("главным таможенным управлением КНР"), then
natasha ORG spans; names come out nominative with the country written out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.extract import nlp
from workers.extract.countries import CountryRef, country_genitive
from workers.extract.gazetteer import Entry, Gazetteer, split_words

# position words head titles, not bodies ("Федеральный канцлер", "Председатель")
POSITION_WORDS = frozenset({
    "президент", "председатель", "премьер-министр", "премьер", "министр", "посол", "глава", "заместитель",
    "вице-премьер", "вице-президент", "аким", "губернатор", "руководитель", "директор", "лидер", "спикер",
    "генсек", "генеральный", "секретарь", "советник", "посланник", "представитель", "мэр", "вице-министр",
    "замминистр", "генконсул", "консул", "первый", "государственный",
    # Kazakh titles used in Russian-language reporting in place of the name ("Елбасы отметил")
    "елбасы",
})

ORG_HEADS = frozenset({
    "министерство", "агентство", "комитет", "госкомитет", "управление", "служба", "правительство",
    "администрация", "акимат", "департамент", "ведомство", "канцелярия", "парламент", "сенат", "мажилис",
    "госсовет", "совет", "палата", "банк", "фонд", "корпорация", "посольство", "консульство",
    "генконсульство", "академия", "университет", "суд", "прокуратура", "кабинет", "госкорпорация",
    "инспекция", "комиссия", "центр", "институт", "союз", "ассоциация", "компания", "холдинг",
})
# Heads that name a body by themselves only with a complement (generic otherwise: "китайские компании").
WEAK_HEADS = frozenset({"центр", "институт", "союз", "ассоциация", "компания", "холдинг", "банк", "фонд",
                        "корпорация", "совет", "комиссия", "палата", "университет", "академия", "суд"})
FORUM_WORDS = frozenset({"саммит", "форум", "выставка", "конференция", "экспо", "заседание", "ярмарка"})


@dataclass(frozen=True)
class Org:
    name: str
    country: str | None
    kind: str | None
    first: int
    last: int


def find_orgs(a: nlp.Analysis, gaz: Gazetteer, countries: list[CountryRef], taken: set[int]) -> list[Org]:
    """Bodies in passes, each leaving alone the tokens an earlier one took: gazetteer names, quoted company
    names, bodies by their head noun, natasha ORG spans. In text order."""
    out = _gazetteer_orgs(a, gaz, taken)
    covered = {i for o in out for i in range(o.first, o.last)} | taken
    cstart = {c.first: c for c in countries}
    quoted = _quoted_companies(a, countries, taken, out)
    # a known name inside the quotes only in part ("«Синьцзян Тяньшань»") is the company's, not the region
    out = [o for o in out if not any(q.first <= o.first and o.last <= q.last for q in quoted)] + quoted
    covered |= {i for o in out for i in range(o.first, o.last)}
    out += _headed_orgs(a, gaz, countries, cstart, covered)
    out += _span_orgs(a, gaz, countries, cstart, covered)
    out.sort(key=lambda o: o.first)
    return out


def _gazetteer_orgs(a: nlp.Analysis, gaz: Gazetteer, taken: set[int]) -> list[Org]:
    toks = a.tokens
    out: list[Org] = []
    for m in gaz.find(toks, frozenset({"org"})):
        if any(i in taken for i in range(m.first, m.last)):
            continue
        if m.first > 0 and toks[m.first - 1].text == "/":
            continue  # "Пекин, 14 ноября /Синьхуа/": the agency's dateline, not a body in the news
        if m.last < len(toks) and _LATIN_WORD.match(toks[m.last].text) and _LATIN_WORD.match(toks[m.last - 1].text):
            continue  # "China Energy Engineering Corporation" is another company than "China Energy"
        out.append(Org(m.entry.name, m.entry.country, m.entry.subkind, m.first, m.last))
    return out


def _headed_orgs(a: nlp.Analysis, gaz: Gazetteer, countries: list[CountryRef], cstart: dict[int, CountryRef],
                 covered: set[int]) -> list[Org]:
    """'главным таможенным управлением КНР', 'Министерство туризма и спорта Казахстана': a body noun with the
    adjectives before it and the complements and country after it. What is found joins `covered`."""
    toks = a.tokens
    joint = {c.first for c in countries for d in countries if c.first == d.first and c.code != d.code}
    out: list[Org] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if i in covered or t.lemma not in ORG_HEADS or t.pos not in ("NOUN", "PROPN"):
            i += 1
            continue
        org, i = _headed_org_at(a, gaz, countries, cstart, joint, covered, i)
        if org is not None:
            out.append(org)
            covered.update(range(org.first, org.last))
    return out


def _headed_org_at(a: nlp.Analysis, gaz: Gazetteer, countries: list[CountryRef], cstart: dict[int, CountryRef],
                   joint: set[int], covered: set[int], i: int) -> tuple[Org | None, int]:
    """The body headed by the noun at `i`, if it is one, and where the scan goes on."""
    toks = a.tokens
    t = toks[i]
    n = len(toks)
    left, adj_country = _left_of_head(toks, i, cstart, joint, covered)
    j, complement = _right_of_head(toks, i, cstart, covered)
    country = adj_country
    stop = j
    if j < n and j in cstart and not cstart[j].adjective:
        c = cstart[j]
        # "министерство транспорта Казахстана", "управление КНР" (abbreviations carry no case)
        if toks[c.first].case in ("Gen", None) or toks[c.first].text.isupper() or \
                toks[c.first].lemma in ("республика",):
            country = c.code
            stop = c.last
    capital = toks[left].text[:1].isupper()  # "Национальный банк Казахстана"
    if not country and complement:
        # "народное правительство города Ланьчжоу", "акимат Восточно-Казахстанской области"
        country = _complement_country(a, gaz, i + 1, j) or ("KZ" if t.lemma == "акимат" else None)
    if t.lemma in WEAK_HEADS and not ((capital and (complement or country)) or (complement and country)):
        return None, j
    if not (country or (capital and complement)):
        return None, j
    name = _org_name(toks, left, i, stop, country, gaz, j, a.text)
    if any(c.first == left and c.last == stop and not c.adjective for c in countries):
        return None, stop  # "Европейский Союз": a country-like party the country table knows, not a body
    resolved = resolve_org(name, gaz)
    if resolved:
        return Org(resolved.name, resolved.country, resolved.subkind, left, stop), stop
    return Org(name, country, None, left, stop), stop


def _left_of_head(toks: tuple[nlp.Token, ...], i: int, cstart: dict[int, CountryRef], joint: set[int],
                  covered: set[int]) -> tuple[int, str | None]:
    """Where the body starts: adjectives agreeing with the head ("главным таможенным управлением"), and the
    country an adjective among them names."""
    t = toks[i]
    left = i
    while left - 1 >= 0 and toks[left - 1].pos == "ADJ" and toks[left - 1].sent == t.sent \
            and toks[left - 1].case == t.case and left - 1 not in covered:
        left -= 1
    adj_country = None
    if left < i and left in joint:
        pass  # "Казахстанско-китайская комиссия": a joint body of both countries keeps its adjective, no country
    elif left < i and (left in cstart):
        adj_country = cstart[left].code  # "китайское министерство коммерции"
        left = cstart[left].last
    return left, adj_country


def _right_of_head(toks: tuple[nlp.Token, ...], i: int, cstart: dict[int, CountryRef], covered: set[int]
                   ) -> tuple[int, bool]:
    """Where the head's complements end (genitives, "по ..." phrases), up to a country, and whether it has any."""
    t = toks[i]
    n = len(toks)
    j = i + 1
    complement = False
    while j < n and toks[j].sent == t.sent and j not in covered:
        tj = toks[j]
        if j in cstart and not (cstart[j].adjective and tj.case == "Gen"):
            break  # "акимат Восточно-Казахстанской области": an adjective inside the complement goes on
        if tj.pos in ("NOUN", "ADJ", "PROPN") and tj.case == "Gen" and tj.lemma not in ORG_HEADS:
            j += 1
            complement = True
            continue
        if complement and tj.lemma == "и" and j + 1 < n and toks[j + 1].case == "Gen" and \
                toks[j + 1].pos in ("NOUN", "ADJ") and j + 1 not in cstart and toks[j + 1].lemma not in ORG_HEADS:
            j += 1  # "Министерство туризма и спорта"
            continue
        if tj.lemma == "по" and j + 1 < n and toks[j + 1].case == "Dat":
            k = j + 1
            while k < n and toks[k].sent == t.sent and k not in cstart and (
                (toks[k].pos in ("NOUN", "ADJ") and toks[k].case in ("Dat", "Gen"))
                or (toks[k].lemma == "и" and k + 1 < n and toks[k + 1].case == "Dat")
            ):
                k += 1
            j = k
            complement = True
            continue
        break
    return j, complement


def _span_orgs(a: nlp.Analysis, gaz: Gazetteer, countries: list[CountryRef], cstart: dict[int, CountryRef],
               covered: set[int]) -> list[Org]:
    """natasha ORG spans not covered by the passes before (companies, named bodies). What is found joins
    `covered`."""
    toks = a.tokens
    out: list[Org] = []
    for s in a.spans:
        if s.type != "ORG" or any(k in covered for k in range(s.first, s.last)):
            continue
        if all(toks[k].pos == "ADJ" or nlp.main_pos(toks[k].text) == "ADJF" for k in range(s.first, s.last)) or (
                s.first > 0 and toks[s.first - 1].text == "/"):
            continue  # "Чрезвычайному (и Полномочному Послу)": a title's adjective; "/Синьхуа/": a dateline
        if toks[s.first].lemma in FORUM_WORDS or toks[s.first].lemma in POSITION_WORDS \
                or toks[s.first].lemma in ("канцлер", "делегация", "павильон") or "\n" in a.text[s.start:s.stop]:
            continue  # an event, a title or a caption run-on, not a body
        if any(c.first == s.first and c.last == s.last and not c.adjective for c in countries):
            continue  # "Европейский Союз": a country-like party the country table knows, not a body
        stop = s.last
        country = None
        if stop in cstart and not cstart[stop].adjective:
            country = cstart[stop].code
            stop = cstart[stop].last
        if s.last - s.first == 1 and toks[s.first].lemma in ORG_HEADS:
            continue
        # nominative for the head and its adjectives only: "Дом народных собраний", not "Дом народные собрания"
        head = next((k for k in range(s.first, s.last) if toks[k].pos in ("NOUN", "PROPN")), None)
        if head is not None and (toks[head].lemma in POSITION_WORDS or toks[head].lemma == "канцлер"):
            continue  # "Федеральный канцлер": a title
        if s.last - s.first == 1:
            name = s.text if (s.text.isupper() or re.search(r"[A-Za-z]", s.text)) else s.normal
        elif head is not None and all(toks[k].pos == "ADJ" for k in range(s.first, head)):
            name = _org_name(toks, s.first, head, stop, country, gaz, s.last, a.text)
        else:
            name = s.normal
        resolved = resolve_org(name, gaz)
        if not country:
            inside = [c.code for c in countries if s.first <= c.first < s.last]
            country = inside[0] if inside else None  # "ЗАО «Азербайджанские железные дороги»"
        out.append(Org(resolved.name, resolved.country, resolved.subkind, s.first, stop) if resolved
                   else Org(name, country, None, s.first, stop))
        covered.update(range(s.first, stop))
    return out


LEGAL_FORMS = frozenset({"тоо", "ао", "пао", "оао", "зао", "ооо", "ао нк", "ип"})
COMPANY_NOUNS = frozenset({"компания", "корпорация", "концерн", "холдинг", "группа", "фирма", "предприятие",
                           "производитель", "оператор", "перевозчик"})
_QUOTES = {"«": "»", '"': '"', "“": "”"}
_LATIN_WORD = re.compile(r"^[A-Z][A-Za-z0-9&.\-]*$")


def _quoted_companies(a: nlp.Analysis, countries: list[CountryRef], taken: set[int], known: list[Org]
                      ) -> list[Org]:
    """'китайская компания «Синьцзян Тяньшань»', 'казахстанское ТОО «Агро Экспорт»': a company noun or legal
    form, then a quoted name; the country comes from an adjective right before ("китайская")."""
    toks = a.tokens
    adj_at = {c.last: c.code for c in countries if c.adjective}
    out: list[Org] = []
    for i, t in enumerate(toks[:-2]):
        lem = t.lemma
        legal = lem in LEGAL_FORMS and t.text.isupper()
        if not (legal or (lem in COMPANY_NOUNS and t.pos == "NOUN")):
            continue
        if toks[i + 1].text not in _QUOTES:
            # "китайская компания China Energy Engineering Corporation": a Latin name without quotes
            j = i + 1
            while j < len(toks) and toks[j].sent == t.sent and _LATIN_WORD.match(toks[j].text) and j - i <= 6:
                j += 1
            if j > i + 1 and not legal and not any(k in taken for k in range(i + 1, j)) and not any(
                    o.first < j and i + 1 < o.last for o in known) and i in adj_at:
                out.append(Org(a.text[toks[i + 1].start:toks[j - 1].stop], adj_at[i], "company", i + 1, j))
            continue
        opening, close = toks[i + 1].text, _QUOTES[toks[i + 1].text]
        # nested quotes: "АО «НК «KazakhExport»»", often with the outer closing quote left out
        j, depth, first_close = i + 2, 1, None
        while j < len(toks) and toks[j].sent == t.sent and j - i < 14:
            if toks[j].text == close:
                first_close = first_close or j
                depth -= 1
                if depth == 0:
                    break
            elif toks[j].text == opening and opening != close:
                depth += 1
            j += 1
        if depth != 0:
            j = first_close or j
        if j >= len(toks) or toks[j].text != close or j == i + 2:
            continue
        first = i if legal else i + 1
        if any(k in taken for k in range(first, j + 1)) or any(
                (o.first <= i + 2 and j <= o.last) or (o.first < first < o.last) for o in known) or any(
                o.first <= first < o.last for o in out):
            continue  # the whole quoted name is a known body ("АО «Банк развития Казахстана»"), or a part of one
        inner = a.text[toks[i + 2].start:toks[j - 1].stop] if j - 1 >= i + 2 else ""
        inner += close * max(0, inner.count(opening) - inner.count(close)) if opening != close else ""
        name = f"{t.text} «{inner}»" if legal else f"Компания «{inner}»"
        inside = [c.code for c in countries if i + 2 <= c.first < j]  # "ЗАО «Азербайджанские железные дороги»"
        out.append(Org(name, adj_at.get(i) or (inside[0] if inside else None), "company", first, j + 1))
    return out


def _complement_country(a: nlp.Analysis, gaz: Gazetteer, lo: int, hi: int) -> str | None:
    for m in gaz.find(a.tokens[lo:hi], frozenset({"place"})):
        if m.entry.country:
            return m.entry.country
    return None


def _org_name(toks: tuple[nlp.Token, ...], left: int, head: int, stop: int, country: str | None,
              gaz: Gazetteer, comp_end: int, text: str = "") -> str:
    """Head and its adjectives in nominative, the complement as written, then the country in full."""
    words: list[str] = []
    plural = toks[head].number == "Plur"
    head_word = nlp.to_nominative(toks[head].text, toks[head].case, plural)
    gender = nlp.gender_of(head_word)
    for k in range(left, head + 1):
        src = toks[k].text
        if src.isupper() or re.search(r"[A-Za-z]", src):
            words.append(src)  # acronyms and Latin names stay as written ("МИД", "BYD")
            continue
        w = head_word if k == head else nlp.to_nominative(src, toks[k].case, plural, gender)
        w = w.lower()
        words.append(w[:1].upper() + w[1:] if src[:1].isupper() or k == left else w)
    end = min(comp_end, stop)
    if end > head + 1:
        rest = text[toks[head + 1].start:toks[end - 1].stop] if text else \
            " ".join(toks[k].text for k in range(head + 1, end))
    else:
        rest = ""
    name = " ".join(words) + (" " + rest if rest else "")
    if country:
        cg = country_genitive(country, gaz)
        if cg:
            name += " " + cg
    return name


def resolve_org(name: str, gaz: Gazetteer) -> Entry | None:
    """The gazetteer body that a whole name stands for, if any."""
    toks = phrase_tokens(name)
    if not toks:
        return None
    for m in gaz.find(toks, frozenset({"org"})):
        if m.first == 0 and m.last == len(toks):
            return m.entry
    return None


def phrase_tokens(text: str) -> tuple[nlp.Token, ...]:
    out = []
    pos = 0
    for w in split_words(text):
        out.append(nlp.Token(pos, pos + len(w), w, "X", None, None, None, nlp.norm(w), 0))
        pos += len(w) + 1
    return tuple(out)
