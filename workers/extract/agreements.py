"""Extract stage: signed or planned documents (one record per document, enumerations split) and totals
such as "подписано 24 документа" or "17 соглашений на $629 млн". The pass over the sentences lives here: the
document words, the status a sentence gives them, the segment each one owns; agreement_subjects says what a
document is about, agreement_sides who signs it, totals counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.extract import event_triggers as etr
from workers.extract import events as ev
from workers.extract import nlp
from workers.extract.agreement_sides import (
    bodies_between,
    dedupe,
    fold_restatements,
    is_event_name,
    level_of,
    party_name,
    sides_named_later,
    sides_of_previous,
    sole_companies,
    venue,
)
from workers.extract.agreement_subjects import ANAPHORIC, genitive_subject, said_after, said_before, subject_phrase
from workers.extract.agreement_words import DRAFT, IN_FORCE, KIND, RATIFY
from workers.extract.bodies import Org
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
from workers.extract.totals import dedupe_totals, plain_status, totals_in

PREPS = frozenset({"в", "к", "с", "по", "о", "об", "на", "для", "из", "от", "при", "согласно", "рамка"})


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


@dataclass
class _ListFlow:
    """The status a signing sentence hands on to the documents later sentences list."""

    carried: str | None = None  # status carried into a list that follows "подписаны документы:"
    prev_status: str | None = None
    gap: int = 0  # sentences since the last one with a document or a signing word

    def status(self, a: nlp.Analysis, s: nlp.Sentence, ctx: tuple[int, str] | None, here: list[Trigger]
               ) -> str | None:
        """The status of the documents sentence `s` names: its own signing word's, or the one a list before it
        carries; then the flow moves past `s`."""
        toks = a.tokens
        lo, hi = s.first, s.last
        status = ctx[1] if ctx else self.carried
        if not status and self.prev_status and (any(toks[k].lemma in ("между", "документ") for k in range(lo, hi))
                                                or toks[lo].lemma in ("ещё", "еще", "также", "кроме", "помимо")):
            # "подписаны четыре меморандума. Среди них – меморандум между ...", "Ещё один важный документ – План
            # ...": the list of the sentence before goes on
            status = self.prev_status
        # a document the list went on with keeps it going, and so does a sentence about it ("... Декларацию. В ней
        # определены цели. Ещё один документ – План ..."), for two sentences at most
        if ctx or here:
            self.prev_status, self.gap = (ctx[1] if ctx else status), 0
        else:
            self.gap += 1
            self.prev_status = self.prev_status if self.gap <= 2 else None
        text = a.text[s.start:s.stop]
        if ctx:
            self.carried = status if text.rstrip().endswith(":") else None
        elif self.carried and not (_starts_with_doc(toks, lo, hi) or not any(ch.isalpha() for ch in text)):
            self.carried = None  # the list after "подписаны следующие документы:" has ended
        return status


@dataclass(frozen=True)
class _Doc:
    """What the rules read about the whole document besides the sentence at hand."""

    a: nlp.Analysis
    ents: Entities
    gaz: Gazetteer
    pair: list[str]  # the document's two countries
    sent_events: dict[int, list[ev.Event]]


def find(a: nlp.Analysis, ents: Entities, gaz: Gazetteer, events: list[ev.Event] | None = None
         ) -> tuple[list[Agreement], list[Total]]:
    toks = a.tokens
    sent_events: dict[int, list[ev.Event]] = {}
    for e in events or []:
        sent_events.setdefault(e.sent, []).append(e)
    d = _Doc(a, ents, gaz, doc_pair(ents), sent_events)
    agreements: list[Agreement] = []
    totals: list[Total] = []
    flow = _ListFlow()
    for s in a.sentences:
        lo, hi = s.first, s.last
        ctx = _context(toks, lo, hi)
        trig = _triggers(toks, lo, hi)
        status = flow.status(a, s, ctx, trig)
        totals.extend(totals_in(a, lo, hi, status or plain_status(toks, lo, hi)))
        if not status:
            continue
        for n in range(len(trig)):
            g = _record(d, s, ctx, status, trig, n, agreements)
            if g is not None:
                agreements.append(g)
    agreements = fold_restatements(agreements, a)
    sides_named_later(agreements, a, ents, gaz)
    sides_of_previous(agreements, set(gaz.country_names.values()))
    sole_companies(agreements, a, ents, set(gaz.country_names.values()))
    return dedupe(agreements, set(gaz.country_names.values())), dedupe_totals(totals)


def _segment(toks: tuple[nlp.Token, ...], trig: list[Trigger], n: int, hi: int) -> int:
    """Where the document `trig[n]` names ends: at the next document word, a ';' or a new clause."""
    tr = trig[n]
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
    return seg_end


def _segment_orgs(d: _Doc, lo: int, tr: Trigger, seg_end: int, first: bool) -> list[Org]:
    """The bodies a document's own phrase names (not venues, not event names)."""
    toks = d.a.tokens
    seg_orgs = [o for o in d.ents.orgs if tr.index <= o.first < seg_end and not is_event_name(o)
                and not venue(toks, o.first, lo)]
    if seg_orgs and len({o.country for o in seg_orgs}) == 1 and first:
        # "Казатомпром подписал контракт с китайской CNNC": the subject is the other party
        subj = [o for o in d.ents.orgs if lo <= o.first < tr.index and o.country != seg_orgs[0].country
                and not is_event_name(o)]
        seg_orgs = subj[-1:] + seg_orgs
    return seg_orgs


def _record(d: _Doc, s: nlp.Sentence, ctx: tuple[int, str] | None, status: str, trig: list[Trigger], n: int,
            agreements: list[Agreement]) -> Agreement | None:
    """The document `trig[n]` names in sentence `s`, or None when it is no document of its own."""
    a, toks = d.a, d.a.tokens
    lo, hi = s.first, s.last
    tr = trig[n]
    seg_end = _segment(toks, trig, n, hi)
    seg_orgs = _segment_orgs(d, lo, tr, seg_end, n == 0)
    seg_lemmas = {toks[k].lemma for k in range(tr.index, seg_end)}
    parties, kinds, states = _parties_for(d, s, ctx, status, trig, n, seg_end, seg_orgs, seg_lemmas)
    kind = tr.kind
    if kind == "treaty" and (any(k in ("company", "bank") for k in kinds) or
                             level_of(parties, kinds, seg_lemmas, False) == "corporate"):
        kind = "contract"
    title = a.text[toks[tr.index].start:toks[seg_end - 1].stop]
    subject = _subject_for(d, lo, tr, seg_end, seg_orgs)
    head = toks[tr.index + tr.words - 1]
    if any(toks[k].lemma in ("этот", "данный", "указанный") for k in range(max(lo, tr.index - 2), tr.index)) \
            and any(g.kind == kind for g in agreements):
        return None  # "Этот экспортный контракт ...": the document already reported, spoken of again
    if tr.counted and not subject:
        return None  # "подписано 12 соглашений": a count for the totals, no document of its own
    if head.number == "Plur" and not subject and not seg_orgs:
        return None  # "заключили контракты на выставке": deals in general, not one document
    return Agreement(kind, level_of(parties, kinds, seg_lemmas, states), status, title, subject, parties,
                     Evidence(s.start, s.stop, a.text[s.start:s.stop]))


def _subject_for(d: _Doc, lo: int, tr: Trigger, seg_end: int, seg_orgs: list[Org]) -> str | None:
    """What the document is about: its own phrase first, then the sentence before (after "соответствующее
    соглашение") or the one after."""
    a, toks = d.a, d.a.tokens
    subject = subject_phrase(toks, a, tr.index + tr.words, seg_end, seg_orgs) or genitive_subject(
        a, tr.index + tr.words, seg_end, d.ents)
    if not subject and any(toks[k].lemma in ANAPHORIC for k in range(max(lo, tr.index - 2), tr.index + 1)):
        subject = said_before(a, toks[lo].sent)
    if not subject:
        subject = said_after(a, toks[lo].sent)
    return subject


def _parties_for(d: _Doc, s: nlp.Sentence, ctx: tuple[int, str] | None, status: str, trig: list[Trigger],
                 n: int, seg_end: int, seg_orgs: list[Org], seg_lemmas: set[str]
                 ) -> tuple[list[Party], list[str | None], bool]:
    """Who signs the document `trig[n]` names: the sides, their kinds of body, and whether they are states.
    Most explicit first: bodies "между ..." of each country, bodies in the document's phrase, the two
    governments of an intergovernmental document, then what the rest of the sentence names."""
    a, ents, gaz = d.a, d.ents, d.gaz
    lo, hi = s.first, s.last
    tr = trig[n]
    parties: list[Party] = []
    kinds: list[str | None] = []
    states = False
    bodies = bodies_between(a, ents.countries, tr.index, seg_end, gaz)
    if bodies:
        for pname, code, okind in bodies:
            parties.append(Party(pname, code))
            kinds.append(okind)
    elif seg_orgs:
        for o in seg_orgs:
            if not any(p.name == o.name for p in parties):
                parties.append(Party(party_name(a, ents, o), o.country))
                kinds.append(o.kind)
    elif "правительство" in seg_lemmas or "межправительственный" in seg_lemmas:
        for code in sentence_pair(ents, lo, tr.index, seg_end, d.pair)[:2]:
            gov_name, gov_code = party_for_government(code, gaz)
            parties.append(Party(gov_name, gov_code))
            kinds.append("government")
    else:
        parties, kinds, states = _sides_in_sentence(d, s, ctx, status, trig, n, seg_end)
    if status != "ratified":
        complete_parties(parties, kinds, ents, lo, hi, gaz)
    return parties, kinds, states


def _sides_in_sentence(d: _Doc, s: nlp.Sentence, ctx: tuple[int, str] | None, status: str,
                       trig: list[Trigger], n: int, seg_end: int) -> tuple[list[Party], list[str | None], bool]:
    """A document whose phrase names no body: the countries "между ...", the sentence's subjects, its
    signatories, else its own countries (or the event's, for many)."""
    a, ents, gaz = d.a, d.ents, d.gaz
    toks = a.tokens
    lo, hi = s.first, s.last
    tr = trig[n]
    parties: list[Party] = []
    kinds: list[str | None] = []
    states = False
    seg_c = [c for c in ents.countries if tr.index <= c.first < seg_end and not c.adjective and not c.passing]
    between = any(toks[k].lemma == "между" for k in range(tr.index, seg_end))
    if between and len({c.code for c in seg_c}) >= 2:
        for c in seg_c:
            if not any(p.country == c.code for p in parties):
                parties.append(Party(gaz.country_names.get(c.code, c.code), c.code))
        states = True
    elif status != "ratified" and (named := subject_parties(a, ents, lo, trig[0].index)):
        # "Округ Тачэн ... и Восточно-Казахстанская область заключили меморандум"
        for o in named:
            parties.append(Party(party_name(a, ents, o), o.country))
            kinds.append(o.kind)
    elif status != "ratified":  # the ratifying parliament is not a party
        # parties named as the sentence's subjects ("Минэнерго и CNPC подписали соглашение")
        before = [o for o in ents.orgs if lo <= o.first < trig[0].index and not venue(toks, o.first, lo)]
        subj_codes = {c.code for c in ents.countries if lo <= c.first < trig[0].index and not c.passing}
        if not before and len(subj_codes) < 2 and any(toks[k].lemma == "сторона" for k in range(lo, hi)):
            # "Стороны подписали ..." names nobody; "казахстанская и китайская стороны" names the two
            before = recent_parties(ents, lo)
        for o in before:
            if not any(p.name == o.name for p in parties):
                parties.append(Party(party_name(a, ents, o), o.country))
                kinds.append(o.kind)
    if not parties and ctx and (signers := signatory_parties(ents, toks, lo, hi, ctx[0], gaz)):
        for o in signers:
            parties.append(Party(o.name, o.country))
            kinds.append(o.kind)
    if not parties:
        # the sentence's own countries, never ones from other sentences
        pair_here = sentence_pair(ents, lo, tr.index, seg_end, d.pair)
        from_events = sorted(set().union(*[
            {str(p["country"]) for p in e.participants if p["country"]}
            for e in d.sent_events.get(toks[lo].sent, [])])) if d.sent_events else []
        if len(from_events) > 2:
            # "Лидеры шести государств подписали декларацию": the signatories of the event
            pair_here = sorted(from_events, key=lambda c: (c not in ("KZ", "CN"), c))
        for code in pair_here if len(pair_here) > 2 else (pair_here[:2] if len(pair_here) >= 2 else d.pair):
            parties.append(Party(gaz.country_names.get(code, code), code))
    return parties, kinds, states


def _starts_with_doc(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> bool:
    return any(toks[k].lemma in KIND or toks[k].lemma in {"дорожный", "совместный"}
               for k in range(lo, min(hi, lo + 3)))
