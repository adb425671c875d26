"""Extract stage: signed or planned documents (one record per document, enumerations split) and totals
such as "подписано 24 документа" or "17 соглашений на $629 млн".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.extract import event_triggers as etr
from workers.extract import events as ev
from workers.extract import figures as fig
from workers.extract import nlp
from workers.extract.bodies import CountryRef, Org, country_genitive, resolve_org
from workers.extract.entities import Entities
from workers.extract.gazetteer import Gazetteer
from workers.extract.parties import (
    complete_parties,
    doc_pair,
    party_for_government,
    recent_parties,
    sentence_pair,
    signatory_parties,
    subject_parties,
)
from workers.extract.records import Agreement, Evidence, Party, Total

_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
KIND = {"соглашение": "agreement", "меморандум": "memorandum", "протокол": "protocol", "договор": "treaty",
        "контракт": "contract", "коммюнике": "joint_statement", "декларация": "joint_statement",
        "программа": "program", "план": "program"}
COUNTABLE = {"документ": "document", "соглашение": "agreement", "меморандум": "memorandum",
             "контракт": "contract", "договор": "treaty", "протокол": "protocol", "договоренность": "document"}
RATIFY = frozenset({"ратифицировать", "ратификация", "ратифицированный"})
IN_FORCE = frozenset({"вступить", "вступление", "вступать"})
DRAFT = frozenset({"проект", "подготовить", "подготовка", "разработать", "согласовать", "согласование"})
PREPS = frozenset({"в", "к", "с", "по", "о", "об", "на", "для", "из", "от", "при", "согласно", "рамка"})
LEVEL_BY_KIND = {"government": "intergovernmental", "presidency": "interstate", "parliament": "interstate",
                 "ministry": "interagency", "agency": "interagency", "committee": "interagency",
                 "court": "interagency", "company": "corporate", "bank": "corporate", "region": "regional"}


@dataclass(frozen=True)
class Trigger:
    index: int
    kind: str
    words: int  # tokens in the kind phrase ("дорожная карта" = 2)
    counted: bool = False  # "3 протокола по поставкам ...": several documents named together by their subject


def _triggers(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> list[Trigger]:
    out: list[Trigger] = []
    for i in range(lo, hi):
        t = toks[i]
        lem = t.lemma
        kind = None
        words = 1
        if lem == "карта" and i > lo and toks[i - 1].lemma == "дорожный":
            kind, i0 = "roadmap", i - 1
            words = 2
        elif lem == "заявление" and i > lo and toks[i - 1].lemma == "совместный":
            kind, i0 = "joint_statement", i - 1
            words = 2
        elif lem in KIND and t.pos in ("NOUN", "PROPN"):
            kind, i0 = KIND[lem], i
        else:
            continue
        # "проект межправительственного соглашения": a draft is a (planned) document too
        draft = False
        k0 = i0 - 1
        while k0 >= lo and toks[k0].pos == "ADJ":
            k0 -= 1
        if k0 >= lo and toks[k0].lemma == "проект" and t.case == "Gen":
            draft = True
        if t.case not in ("Nom", "Acc", "Ins", None) and not draft and not _signing_of(toks, i0, lo) and not (
                k0 >= lo and toks[k0].pos == "NUM"):  # "3 протокола" is a genitive after the numeral
            continue
        if lem in ("программа", "план") and t.text[:1].islower() and not any(
                toks[k].lemma in etr.SIGN and toks[k].pos == "VERB" for k in range(max(lo, i - 3), i)):
            continue  # a named programme ("Программа ...") or one signed ("подписали план консультаций") only
        # adjectives before the kind word belong to the document ("межправительственное соглашение")
        while i0 - 1 >= lo and toks[i0 - 1].pos == "ADJ" and toks[i0 - 1].case == t.case:
            i0 -= 1
            words += 1
        prev = toks[i0 - 1] if i0 > lo else None
        if draft:
            out.append(Trigger(i0, kind, words))
            continue
        if prev is not None and prev.pos == "NUM":
            out.append(Trigger(i0, kind, words, counted=True))
            continue
        if prev is not None and (prev.lemma in PREPS or prev.lemma in
                                 {"ряд", "пакет", "несколько", "реализация", "проект", "рамка"}):
            continue
        if prev is not None and prev.pos == "NOUN" and prev.case in ("Nom", "Acc") and kind != "roadmap":
            # "проект соглашения" etc. are handled by the case test; a noun right before means apposition
            pass
        if kind in ("program", "treaty") and lem in ("программа", "план"):
            # a plan or programme counts only when it is signed/adopted as a document
            pass
        out.append(Trigger(i0, kind, words))
    return out


_NOT_SUBJECTS = frozenset({"взаимопонимание", "намерение", "сторона", "правительство", "министерство", "год"})


def _genitive_subject(a: nlp.Analysis, start: int, end: int, ents: Entities) -> str | None:
    """'договор купли-продажи газа': with no 'о ...' phrase the genitive after the document word is its subject
    ("купля-продажа газа"), unless it names a side or a date."""
    toks = a.tokens
    if start >= end or toks[start].pos != "NOUN" or toks[start].case != "Gen" or toks[start].lemma in _NOT_SUBJECTS:
        return None
    spans = [(o.first, o.last) for o in ents.orgs] + [(c.first, c.last) for c in ents.countries]
    named = {i for first, last in spans for i in range(first, last)}
    k = start
    while k < end and toks[k].pos in ("NOUN", "ADJ") and toks[k].case == "Gen" and k not in named:
        k += 1
    if k == start:
        return None
    head = nlp.to_nominative(toks[start].text, "Gen", toks[start].number == "Plur")
    rest = a.text[toks[start].stop:toks[k - 1].stop] if k - 1 > start else ""
    return head.lower() + rest


ANAPHORIC = frozenset({"соответствующий", "данный", "этот", "указанный", "такой"})


def _said_before(a: nlp.Analysis, sent: int) -> str | None:
    """'Правительство Китая передаст оборудование для ... . Соответствующее соглашение подписали ...': the
    document is about what the sentence before says it does: its predicate, as written."""
    if sent == 0:
        return None
    s = a.sentences[sent - 1]
    toks = a.tokens
    verb = next((k for k in range(s.first, s.last) if toks[k].pos in ("VERB", "AUX") and toks[k].tense), None)
    if verb is None:
        return None
    text = a.text[toks[verb].start:s.stop].rstrip(" .;!")
    text = re.sub(r"\s*\([^)]*\)", "", text)  # "(1 юань = 68,10 тенге)": an aside
    return text or None


_CONTENT_VERBS = frozenset({"предусматривать", "определять", "закреплять", "касаться", "утвердить",
                            "предполагать", "устанавливать", "регулировать", "содержать"})


_INTENT_VERBS = frozenset({"планировать", "намереваться", "собираться", "обязаться", "намерен"})


def _said_after(a: nlp.Analysis, sent: int) -> str | None:
    """'Подписан протокол. В документе утверждены требования к инспекции ...': the next sentence that speaks
    of the document says what it is about, after its verb."""
    if sent + 1 >= len(a.sentences):
        return None
    s = a.sentences[sent + 1]
    toks = a.tokens
    head = [toks[k].lemma for k in range(s.first, min(s.last, s.first + 2))]
    about_document = (head[:1] == ["в"] and head[1:] and (head[1] in KIND or head[1] == "документ")) or (
        head[:1] and (head[0] in KIND or head[0] == "документ"))
    # "... меморандум с одной из стройкомпаний Китая. Она планирует возвести ... завод": the counterparty's plan
    about_party = head[:1] and head[0] in ("она", "он", "они", "компания", "сторона")
    verbs = _CONTENT_VERBS if about_document else _INTENT_VERBS if about_party else frozenset()
    verb = next((k for k in range(s.first, s.last) if toks[k].lemma in verbs), None)
    if verb is None:
        return None
    text = a.text[toks[verb].stop:s.stop].strip().rstrip(" .;!")
    return text or None


def _signing_of(toks: tuple[nlp.Token, ...], i: int, lo: int) -> bool:
    """'подписание соглашения', 'церемония подписания инвестиционного соглашения и договора': a document in
    the genitive of a signing noun, across adjectives and the documents listed before it."""
    k = i - 1
    while k >= lo and (toks[k].pos in ("ADJ", "CCONJ") or toks[k].text == "," or (
            toks[k].lemma in KIND and toks[k].case == "Gen")):
        k -= 1
    if k >= lo and toks[k].lemma == "подписание":
        return True
    # "подписание в присутствии премьера соглашения": a short phrase may stand between
    for m in range(k, max(lo, i - 6) - 1, -1):
        if toks[m].pos in ("VERB", "AUX", "PUNCT"):
            return False
        if toks[m].lemma == "подписание":
            return True
    return False


def _context(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> tuple[int, str] | None:
    """The signing word of the sentence and the document status it implies."""
    for i in range(lo, hi):
        lem = toks[i].lemma
        if lem in RATIFY:
            return i, "ratified"
        if lem in IN_FORCE and any(toks[k].lemma == "сила" for k in range(i, min(hi, i + 4))):
            return i, "in_force"
    for i in range(lo, hi):
        if nlp.norm(toks[i].text).startswith("подписанн") and not (i > lo and toks[i - 1].lemma == "быть"):
            continue  # "ранее подписанных соглашений" speaks of old documents
        if toks[i].lemma in etr.SIGN or toks[i].lemma in {"подписываться", "подписанный"}:
            st = etr.status_of(toks, i, lo, hi)
            if st == "negated":
                return None
            if any(toks[k].lemma == "чтобы" for k in range(lo, i)):
                return i, "planned"
            return i, "planned" if st == "planned" else "signed"
    for i in range(lo, hi):
        if toks[i].lemma in DRAFT:
            return i, "planned"
    return None


def _is_event_name(o: Org) -> bool:
    return o.name.split(" ")[0].lower() in ("саммит", "форум", "выставка", "экспо", "конференция")


def _subject(toks: tuple[nlp.Token, ...], a: nlp.Analysis, lo: int, hi: int, orgs: list[Org]) -> str | None:
    in_org = {i for o in orgs for i in range(o.first, o.last)}
    i = lo
    while i < hi:
        t = toks[i]
        if i in in_org or t.lemma not in {"о", "об", "по", "на"}:
            i += 1
            continue
        if t.lemma == "на" and not (i + 1 < hi and toks[i + 1].case == "Acc" and toks[i + 1].pos == "NOUN"
                                    and i == lo and toks[i + 1].lemma not in ("сумма", "срок", "период", "год")):
            # "контракт на поставку урана"; not "на сумму", "на три года"
            i += 1
            continue
        if i + 1 < hi and toks[i + 1].lemma in {"взаимопонимание", "намерение"}:
            i += 2
            continue
        start = i + 1
        # stop at the parties ("между ...") or an org span
        end = hi
        for k in range(start, hi):
            # "соглашение о ... было подписано в Шанхае": the clause's verb ends the subject
            if k in in_org or toks[k].lemma == "между" or (toks[k].pos in ("VERB", "AUX") and toks[k].tense
                                                           and toks[k].case is None) or (
                    toks[k].text == "," and k + 1 < hi and toks[k + 1].lemma in ("что", "который")):
                end = k
                break
        while end > start and toks[end - 1].pos in ("PUNCT", "CCONJ"):
            end -= 1
        if end <= start:
            i += 1
            continue
        case = toks[start].case
        words: list[str] = []
        head_done = False
        gender = None
        for k in range(start, end):
            tk = toks[k]
            if tk.pos == "NOUN" and tk.case == case and case in ("Dat", "Loc", "Acc"):
                gender = nlp.gender_of(nlp.to_nominative(tk.text, tk.case, tk.number == "Plur"))
                break
        for k in range(start, end):
            tk = toks[k]
            if not head_done and tk.pos in ("NOUN", "ADJ") and tk.case == case and case in ("Dat", "Loc", "Acc"):
                words.append(nlp.to_nominative(tk.text, tk.case, tk.number == "Plur",
                                               gender if tk.pos == "ADJ" else None))
            elif not head_done and tk.lemma == "и" and k + 1 < end and toks[k + 1].case == case:
                words.append(tk.text)
            else:
                head_done = True
                words.append(a.text[tk.start:tk.stop])
        text = _join(a, toks, start, end, words)
        return text[:1].lower() + text[1:] if text else None
    return None


def _join(a: nlp.Analysis, toks: tuple[nlp.Token, ...], start: int, end: int, words: list[str]) -> str:
    out = []
    for k, w in zip(range(start, end), words, strict=True):
        if k > start and toks[k].start > toks[k - 1].stop:
            out.append(" ")
        out.append(w)
    return "".join(out)


def _level(parties: list[Party], kinds: list[str | None], seg_lemmas: set[str],
           states: bool) -> str | None:
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


def find(a: nlp.Analysis, ents: Entities, gaz: Gazetteer, events: list[ev.Event] | None = None
         ) -> tuple[list[Agreement], list[Total]]:
    toks = a.tokens
    sent_events: dict[int, list[ev.Event]] = {}
    for e in events or []:
        sent_events.setdefault(e.sent, []).append(e)
    agreements: list[Agreement] = []
    totals: list[Total] = []
    carried: str | None = None  # status carried into a list that follows "подписаны документы:"
    prev_status: str | None = None
    gap = 0  # sentences since the last one with a document or a signing word
    pair = doc_pair(ents)
    for s in a.sentences:
        lo, hi = s.first, s.last
        ctx = _context(toks, lo, hi)
        status = ctx[1] if ctx else carried
        if not status and prev_status and (any(toks[k].lemma in ("между", "документ") for k in range(lo, hi))
                                           or toks[lo].lemma in ("ещё", "еще", "также", "кроме", "помимо")):
            # "подписаны четыре меморандума. Среди них – меморандум между ...", "Ещё один важный документ – План
            # ...": the list of the sentence before goes on
            status = prev_status
        # a document the list went on with keeps it going, and so does a sentence about it ("... Декларацию. В ней
        # определены цели. Ещё один документ – План ..."), for two sentences at most
        here = _triggers(toks, lo, hi)
        if ctx or here:
            prev_status, gap = (ctx[1] if ctx else status), 0
        else:
            gap += 1
            prev_status = prev_status if gap <= 2 else None
        text = a.text[s.start:s.stop]
        if ctx:
            carried = status if text.rstrip().endswith(":") else None
        elif carried and not (_starts_with_doc(toks, lo, hi) or not any(ch.isalpha() for ch in text)):
            carried = None  # the list after "подписаны следующие документы:" has ended
        totals.extend(_totals(a, lo, hi, status or _plain_status(toks, lo, hi)))
        if not status:
            continue
        trig = _triggers(toks, lo, hi)
        for n, tr in enumerate(trig):
            seg_end = trig[n + 1].index if n + 1 < len(trig) else hi
            for k in range(tr.index, seg_end):
                # "...; ..." and "соглашение о туризме и договорились создать ...": the document ends there
                if toks[k].text == ";" or (toks[k].lemma == "и" and k + 1 < seg_end and toks[k + 1].pos == "VERB"
                                           and toks[k + 1].tense and toks[k + 1].case is None):
                    seg_end = k
                    break
            while seg_end > tr.index + tr.words and toks[seg_end - 1].pos in ("PUNCT", "CCONJ") \
                    and toks[seg_end - 1].text not in ("»", ")"):
                seg_end -= 1
            seg_orgs = [o for o in ents.orgs if tr.index <= o.first < seg_end and not _is_event_name(o)
                        and not _venue(toks, o.first, lo)]
            if seg_orgs and len({o.country for o in seg_orgs}) == 1 and n == 0:
                # "Казатомпром подписал контракт с китайской CNNC": the subject is the other party
                subj = [o for o in ents.orgs if lo <= o.first < tr.index and o.country != seg_orgs[0].country
                        and not _is_event_name(o)]
                seg_orgs = subj[-1:] + seg_orgs
            seg_lemmas = {toks[k].lemma for k in range(tr.index, seg_end)}
            kind = tr.kind
            parties: list[Party] = []
            kinds: list[str | None] = []
            states = False
            bodies = _bodies_between(a, ents.countries, tr.index, seg_end, gaz)
            if bodies:
                for pname, code, okind in bodies:
                    parties.append(Party(pname, code))
                    kinds.append(okind)
            elif seg_orgs:
                for o in seg_orgs:
                    if not any(p.name == o.name for p in parties):
                        parties.append(Party(_party_name(a, ents, o), o.country))
                        kinds.append(o.kind)
            elif "правительство" in seg_lemmas or "межправительственный" in seg_lemmas:
                for code in sentence_pair(ents, lo, tr.index, seg_end, pair)[:2]:
                    gov_name, gov_code = party_for_government(code, gaz)
                    parties.append(Party(gov_name, gov_code))
                    kinds.append("government")
            else:
                seg_c = [c for c in ents.countries if tr.index <= c.first < seg_end and not c.adjective
                         and not c.passing]
                between = any(toks[k].lemma == "между" for k in range(tr.index, seg_end))
                if between and len({c.code for c in seg_c}) >= 2:
                    for c in seg_c:
                        if not any(p.country == c.code for p in parties):
                            parties.append(Party(gaz.country_names.get(c.code, c.code), c.code))
                    states = True
                elif status != "ratified" and (named := subject_parties(a, ents, lo, trig[0].index)):
                    # "Округ Тачэн ... и Восточно-Казахстанская область заключили меморандум"
                    for o in named:
                        parties.append(Party(_party_name(a, ents, o), o.country))
                        kinds.append(o.kind)
                elif status != "ratified":  # the ratifying parliament is not a party
                    # parties named as the sentence's subjects ("Минэнерго и CNPC подписали соглашение")
                    before = [o for o in ents.orgs if lo <= o.first < trig[0].index and not _venue(toks, o.first, lo)]
                    subj_codes = {c.code for c in ents.countries if lo <= c.first < trig[0].index and not c.passing}
                    if not before and len(subj_codes) < 2 and any(toks[k].lemma == "сторона" for k in range(lo, hi)):
                        # "Стороны подписали ..." names nobody; "казахстанская и китайская стороны" names the two
                        before = recent_parties(ents, lo)
                    for o in before:
                        if not any(p.name == o.name for p in parties):
                            parties.append(Party(_party_name(a, ents, o), o.country))
                            kinds.append(o.kind)
                if not parties and ctx and (signers := signatory_parties(ents, toks, lo, hi, ctx[0], gaz)):
                    for o in signers:
                        parties.append(Party(o.name, o.country))
                        kinds.append(o.kind)
                if not parties:
                    # the sentence's own countries, never ones from other sentences
                    pair_here = sentence_pair(ents, lo, tr.index, seg_end, pair)
                    from_events = sorted(set().union(*[
                        {str(p["country"]) for p in e.participants if p["country"]}
                        for e in sent_events.get(toks[lo].sent, [])])) if sent_events else []
                    if len(from_events) > 2:
                        # "Лидеры шести государств подписали декларацию": the signatories of the event
                        pair_here = sorted(from_events, key=lambda c: (c not in ("KZ", "CN"), c))
                    for code in pair_here if len(pair_here) > 2 else (pair_here[:2] if len(pair_here) >= 2 else pair):
                            parties.append(Party(gaz.country_names.get(code, code), code))
            if status != "ratified":
                complete_parties(parties, kinds, ents, lo, hi, gaz)
            if kind == "treaty" and (any(k in ("company", "bank") for k in kinds) or
                                     _level(parties, kinds, seg_lemmas, False) == "corporate"):
                kind = "contract"
            title = a.text[toks[tr.index].start:toks[seg_end - 1].stop]
            subject = _subject(toks, a, tr.index + tr.words, seg_end, seg_orgs) or _genitive_subject(
                a, tr.index + tr.words, seg_end, ents)
            if not subject and any(toks[k].lemma in ANAPHORIC for k in range(max(lo, tr.index - 2), tr.index + 1)):
                subject = _said_before(a, toks[lo].sent)
            if not subject:
                subject = _said_after(a, toks[lo].sent)
            head = toks[tr.index + tr.words - 1]
            if any(toks[k].lemma in ("этот", "данный", "указанный") for k in range(max(lo, tr.index - 2), tr.index)) \
                    and any(g.kind == kind for g in agreements):
                continue  # "Этот экспортный контракт ...": the document already reported, spoken of again
            if tr.counted and not subject:
                continue  # "подписано 12 соглашений": a count for the totals, no document of its own
            if head.number == "Plur" and not subject and not seg_orgs:
                continue  # "заключили контракты на выставке": deals in general, not one document
            agreements.append(Agreement(kind, _level(parties, kinds, seg_lemmas, states), status, title, subject,
                                        parties, Evidence(s.start, s.stop, text)))
    agreements = _fold_restatements(agreements, a)
    _sides_named_later(agreements, a, ents, gaz)
    _sides_of_previous(agreements, set(gaz.country_names.values()))
    _sole_companies(agreements, a, ents, set(gaz.country_names.values()))
    return _dedupe(agreements, set(gaz.country_names.values())), _dedupe_totals(totals)


_HEAD_KIND = {"правительство": "government", "парламент": "parliament", "министерство": "ministry",
              "ведомство": "agency", "компания": "company", "администрация": "region", "акимат": "region"}


def _bodies_between(a: nlp.Analysis, countries: list[CountryRef], lo: int, hi: int, gaz: Gazetteer
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


def _party_name(a: nlp.Analysis, ents: Entities, o: Org) -> str:
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


def _fold_restatements(agreements: list[Agreement], a: nlp.Analysis) -> list[Agreement]:
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


def _sole_companies(agreements: list[Agreement], a: nlp.Analysis, ents: Entities,
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
                p.name = _party_name(a, ents, next(iter(named.values())))


def _venue(toks: tuple[nlp.Token, ...], first: int, lo: int) -> bool:
    """'В Министерстве иностранных дел состоялось подписание', 'в рамках заседания делового совета': where
    or within what a document was signed, not who signed it."""
    if first > lo and toks[first - 1].lemma in ("в", "во", "на"):
        return True
    return any((toks[k].lemma, toks[k + 1].lemma) in etr.FRAME_PREPS for k in range(max(lo, first - 4), first - 1))


def _sides_of_previous(agreements: list[Agreement], country_names: set[str]) -> None:
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


def _sides_named_later(agreements: list[Agreement], a: nlp.Analysis, ents: Entities, gaz: Gazetteer
                       ) -> None:
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
        sides = [o for o in ents.orgs if k < o.first < s.last and o.country and not _is_event_name(o)]
        if len({o.country for o in sides}) < 2:
            continue
        for g in agreements:
            gi = _sentence_of(a, g)
            if gi is None or not si - 2 <= gi <= si:
                continue
            if all(p.name in country_names for p in g.parties):
                g.parties = [Party(_party_name(a, ents, o), o.country) for o in dict(
                    (o.name, o) for o in sides).values()]
                g.level = _level(g.parties, [o.kind for o in sides], set(), False)


def _dedupe(items: list[Agreement], country_names: set[str]) -> list[Agreement]:
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


def _dedupe_totals(items: list[Total]) -> list[Total]:
    out: dict[tuple[int, str, str], Total] = {}
    for t in items:
        k = (t.count, t.kind, t.status)
        if k not in out or (t.value and not out[k].value):
            out[k] = t
    return list(out.values())


def _starts_with_doc(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> bool:
    return any(toks[k].lemma in KIND or toks[k].lemma in {"дорожный", "совместный"}
               for k in range(lo, min(hi, lo + 3)))


def _plain_status(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> str | None:
    """Status of a document count in a sentence without a signing word ("планируют подготовить 10 соглашений")."""
    lemmas = {toks[k].lemma for k in range(lo, hi)}
    if lemmas & (etr.PLANNED | DRAFT):
        return "planned"
    return None


def _totals(a: nlp.Analysis, lo: int, hi: int, status: str | None) -> list[Total]:
    toks = a.tokens
    out: list[Total] = []
    if status is None:
        return out
    for i in range(lo, hi):
        if toks[i].lemma not in COUNTABLE:
            continue
        k = i - 1
        while k >= lo and toks[k].pos == "ADJ":
            k -= 1
        if k < lo:
            continue
        count = fig.number_value(toks, k)
        if count is None or count < 2 or count != int(count):
            continue
        value: float | int | None = None
        currency: str | None = None
        for amount, cur in fig.money_in(a, i + 1, min(hi, i + 12)):
            value, currency = (int(amount) if amount == int(amount) else amount), cur
            break
        s = a.sentences[toks[i].sent]
        out.append(Total(int(count), COUNTABLE[toks[i].lemma], status, value, currency,
                         Evidence(s.start, s.stop, a.text[s.start:s.stop])))
    return out
