"""Extract stage, agreements: what a document is about, from its own phrase ("соглашение о ...", "договор
купли-продажи газа") or from the sentence before or after it. Text in, a subject string out.
"""

from __future__ import annotations

import re

from workers.extract import nlp
from workers.extract.agreement_words import KIND
from workers.extract.bodies import Org
from workers.extract.entities import Entities

_NOT_SUBJECTS = frozenset({"взаимопонимание", "намерение", "сторона", "правительство", "министерство", "год"})


def genitive_subject(a: nlp.Analysis, start: int, end: int, ents: Entities) -> str | None:
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


def said_before(a: nlp.Analysis, sent: int) -> str | None:
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


def said_after(a: nlp.Analysis, sent: int) -> str | None:
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


def subject_phrase(toks: tuple[nlp.Token, ...], a: nlp.Analysis, lo: int, hi: int, orgs: list[Org]) -> str | None:
    """'соглашение о сотрудничестве в сфере ...', 'контракт на поставку урана': the phrase after о/об/по/на up to
    the sides or the clause's verb, its head put in the nominative."""
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
