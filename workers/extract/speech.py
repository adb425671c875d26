"""Extract stage: words said versus things done. Quoted speech, wishes and purposes mention events that the
sentence does not report as happening: "хотел бы поздравить Вас" is no message sent, "прибыл для участия в
саммите" reports the arrival, the summit is still ahead.
"""

from __future__ import annotations

from workers.extract import nlp

CONGRATULATE = frozenset({"поздравить", "поздравление", "поздравлять"})
_OPEN = {"«": "»", "“": "”", "„": "“"}
# a quotation this long is speech; a short one is a name ("«Казахстан – Китай»")
_SPEECH_WORDS = 4


def in_quote(text: str, at: int) -> bool:
    """Whether the offset `at` lies inside quoted speech of its paragraph."""
    start = text.rfind("\n", 0, at) + 1
    para = text[start:at]
    depth = 0
    opened = -1
    for n, ch in enumerate(para):
        if ch in _OPEN and (ch != "„" or depth == 0):
            if depth == 0:
                opened = n
            depth += 1
        elif ch in _OPEN.values() and depth:
            depth -= 1
    straight = para.count('"') % 2 == 1
    if straight:
        opened = para.rfind('"')
    if depth == 0 and not straight:
        return False
    return len(para[opened:].split()) >= _SPEECH_WORDS


def spoken(a: nlp.Analysis, toks: tuple[nlp.Token, ...], i: int, lo: int) -> bool:
    """A greeting said rather than sent: inside quoted speech, wished ("хотел бы поздравить"), or in the
    speaker's own present ("поздравляю")."""
    t = toks[i]
    if t.lemma not in CONGRATULATE:
        return False  # a telegram or a letter recalled in a quote was still sent
    if in_quote(a.text, t.start):
        return True
    if any(toks[k].lemma == "бы" for k in range(max(lo, i - 3), i)):
        return True
    return t.pos == "VERB" and t.tense == "Pres"


def purpose(toks: tuple[nlp.Token, ...], i: int, lo: int) -> bool:
    """'для участия в саммите', 'чтобы принять участие в форуме': the event is the aim of the trip."""
    window = [toks[k].lemma for k in range(max(lo, i - 5), i)]
    return "участие" in window and ("для" in window or "чтобы" in window)


_REPORTING = frozenset({"сообщать", "передавать", "писать", "информировать"})
_SOURCE_OF = (("со", "ссылка"), ("с", "ссылка"), ("по", "данные"), ("по", "информация"), ("по", "сообщение"))


def attribution(toks: tuple[nlp.Token, ...]) -> frozenset[int]:
    """Tokens that name the source of the report, never an actor in it: '..., сообщает Zakon.kz',
    'передает Sports.kz со ссылкой на Zakon.kz', 'по данным Акорды'."""
    out: set[int] = set()
    n = len(toks)
    for i, t in enumerate(toks):
        if t.lemma in _REPORTING and t.pos == "VERB" and t.tense == "Pres" and i > 0 and \
                toks[i - 1].text in (",", "—", "–", "-"):
            k = i + 1
            # "golos-naroda.kz": the segmenter may end a sentence inside a web address; a full stop with no
            # space after it does not end the attribution
            while k < n and (toks[k].sent == t.sent or toks[k].start == toks[k - 1].stop) and not (
                    toks[k].text in (".", ";", "!", "?") and (k + 1 >= n or toks[k + 1].start > toks[k].stop)):
                out.add(k)
                k += 1
        elif t.lemma == "об" and i + 1 < n and toks[i + 1].lemma == "этот" and (i == 0 or toks[i - 1].sent != t.sent):
            # "Об этом ТАСС сообщила пресс-служба правительства": the whole sentence names the source
            k = i + 2
            while k < n and toks[k].sent == t.sent:
                out.add(k)
                k += 1
        elif i + 1 < n and (t.lemma, toks[i + 1].lemma) in _SOURCE_OF:
            k = i + 2
            while k < n and k < i + 8 and toks[k].sent == t.sent and toks[k].pos != "PUNCT" \
                    and toks[k].pos != "VERB":
                out.add(k)
                k += 1
    return frozenset(out)


_TALLY = (("за", "это", "время"), ("за", "год"), ("в", "общий", "сложность"))


def cumulative(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> bool:
    """'За это время мы подписали 127 документов', 'за годы сотрудничества', 'в общей сложности': a sum over
    a period, not one signing."""
    lemmas = [toks[k].lemma for k in range(lo, hi)]
    for k in range(len(lemmas)):
        for pattern in _TALLY:
            if tuple(lemmas[k:k + len(pattern)]) == pattern:
                return True
    return False
