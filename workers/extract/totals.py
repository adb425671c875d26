"""Extract stage, agreements: counts of documents ("подписано 24 документа", "17 соглашений на $629 млн"),
one Total per count, with the amount the sentence gives for them.
"""

from __future__ import annotations

from workers.extract import event_triggers as etr
from workers.extract import figures as fig
from workers.extract import nlp
from workers.extract.agreement_words import COUNTABLE, DRAFT
from workers.extract.records import Evidence, Total


def plain_status(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> str | None:
    """Status of a document count in a sentence without a signing word ("планируют подготовить 10 соглашений")."""
    lemmas = {toks[k].lemma for k in range(lo, hi)}
    if lemmas & (etr.PLANNED | DRAFT):
        return "planned"
    return None


def totals_in(a: nlp.Analysis, lo: int, hi: int, status: str | None) -> list[Total]:
    """Each 'N документов' of a sentence (N ≥ 2) with the first amount after it; none without a status."""
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


def dedupe_totals(items: list[Total]) -> list[Total]:
    """A count reported twice (headline and body) once, the record with an amount preferred."""
    out: dict[tuple[int, str, str], Total] = {}
    for t in items:
        k = (t.count, t.kind, t.status)
        if k not in out or (t.value and not out[k].value):
            out[k] = t
    return list(out.values())
