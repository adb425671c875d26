"""Extract stage: money (USD, KZT, CNY, RUB, EUR), counts of things, percentages and volumes.

Dates, years, durations, ages and ordinals are skipped; counts of documents belong to agreement totals.
"""

from __future__ import annotations

import logging
import math
import re

from workers.extract import nlp
from workers.extract.records import Evidence, Figure

log = logging.getLogger(__name__)

WORD_NUM = {
    "ноль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8,
    "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90, "сто": 100, "двести": 200, "триста": 300, "четыреста": 400,
    "пятьсот": 500, "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
    "полтора": 1.5, "пара": 2, "десяток": 10, "полсотни": 50,
}
MULT = {"тыс": 1e3, "тысяча": 1e3, "млн": 1e6, "миллион": 1e6, "млрд": 1e9, "миллиард": 1e9,
        "трлн": 1e12, "триллион": 1e12}
CURRENCY = {"доллар": "USD", "долл": "USD", "$": "USD", "usd": "USD", "тенге": "KZT", "тг": "KZT",
            "kzt": "KZT", "₸": "KZT", "юань": "CNY", "cny": "CNY", "¥": "CNY", "рубль": "RUB", "руб": "RUB",
            "rub": "RUB", "₽": "RUB", "евро": "EUR", "eur": "EUR", "€": "EUR", "жэньминьби": "CNY"}
VOLUME = {"тонна": "т", "т": "т", "teu": "TEU", "дфэ": "TEU", "км": "км", "километр": "км",
          "кубометр": "м3", "м3": "м3", "баррель": "баррель", "мвт": "МВт", "гвт": "ГВт", "квт": "кВт",
          "га": "га", "гектар": "га", "квтч": "кВт·ч", "мегаватт": "МВт", "гигаватт": "ГВт", "киловатт": "кВт",
          "киловатт-час": "кВт·ч", "мегаватт-час": "МВт·ч", "гигаватт-час": "ГВт·ч", "квт·ч": "кВт·ч",
          "куб": "куб. м", "кубический": "куб. м"}
NOT_COUNTED = frozenset({
    "метр", "сантиметр", "миллиметр", "градус", "литр", "килограмм", "грамм", "кг", "м", "см",
    "год", "лет", "месяц", "день", "неделя", "час", "минута", "секунда", "сутки", "век", "столетие",
    "десятилетие", "раз", "процент", "место", "число", "номер", "пункт", "этап", "квартал", "полугодие",
    "документ", "соглашение", "меморандум", "контракт", "договор", "протокол", "договоренность",
    "летие", "годовщина", "сторона", "размер", "уровень", "половина", "треть", "четверть", "доля",
    "категория", "класс", "страна", "государство", "народ", "лидер", "партнер", "сосед", "степень", "балл",
    "очередь", "часть", "время", "тысяча", "миллион", "миллиард",
    "млн", "млрд", "тыс", "трлн", "мин", "ч", "г", "гг", "января", "стр", "статья", "глава", "мая",
})
PARTY_NOUNS = frozenset({"страна", "государство", "сторона", "народ", "лидер", "парламент", "правительство",
                         "министерство", "ведомство", "столица", "глава", "министр", "делегация",
                         "председатель", "президент", "партнер", "держава", "республика"})
_DIGITS = re.compile(r"^\d+(?:[.,]\d+)?$")
_MONTHS = re.compile(r"^(январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)", re.I)


_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3}){2,}$|^\d{1,3}[.,]000$")
# no amount, count or volume in the news comes near this; beyond it a "number" is noise or an attack
MAX_VALUE = 1e15


def _num(tok: nlp.Token) -> float | None:
    if _THOUSANDS.match(tok.text):
        # "10,000 рабочих мест", "1,500,000": an English thousands separator, never a decimal comma
        return float(re.sub(r"[.,]", "", tok.text))
    if _DIGITS.match(tok.text) and len(tok.text) <= 20:
        return float(tok.text.replace(",", "."))
    return None


def number_value(toks: tuple[nlp.Token, ...], end: int) -> float | None:
    """Value of the number phrase that ends at token `end` (digits or word numerals)."""
    t = toks[end]
    v = _num(t)
    if v is not None:
        return v
    total = 0.0
    k = end
    found = False
    while k >= 0 and toks[k].lemma in WORD_NUM and toks[k].sent == t.sent:
        total += WORD_NUM[toks[k].lemma]
        found = True
        k -= 1
    return total if found else None


def _parse_number(toks: tuple[nlp.Token, ...], i: int) -> tuple[float, int] | None:
    """Number starting at token i: returns (value, index after it), multipliers included."""
    n = len(toks)
    t = toks[i]
    v = _num(t)
    j = i + 1
    if v is not None:
        # "1 200": thousands written with a space
        while j < n and re.fullmatch(r"\d{3}", toks[j].text) and toks[j].start == toks[j - 1].stop + 1 \
                and "," not in t.text and "." not in t.text:
            v = v * 1000 + float(toks[j].text)
            j += 1
    elif t.lemma in WORD_NUM and t.pos in ("NUM", "NOUN") and t.lemma not in {"пара"}:
        v = 0.0
        while j - 1 < n and toks[j - 1].lemma in WORD_NUM and toks[j - 1].sent == t.sent:
            v += WORD_NUM[toks[j - 1].lemma]
            j += 1
        j -= 1
    else:
        return None
    last_mult = 0.0
    while j < n and toks[j].lemma.rstrip(".") in MULT:
        last_mult = MULT[toks[j].lemma.rstrip(".")]
        v *= last_mult
        j += 1
        if j < n and toks[j].text == ".":
            j += 1
    # "два миллиарда четыреста миллионов", "2 млрд 400 млн": a lower order completes the number
    if last_mult >= 1e6 and j < n and toks[j].sent == t.sent and (_num(toks[j]) is not None or (
            toks[j].lemma in WORD_NUM and toks[j].pos in ("NUM", "NOUN"))):
        nxt = _parse_number(toks, j)
        if nxt is not None:
            e = nxt[1] - 1
            if toks[e].text == "." and e > j:
                e -= 1
            tail = toks[e].lemma.rstrip(".")
            if tail in MULT and MULT[tail] < last_mult:
                v += nxt[0]
                j = nxt[1]
    if not math.isfinite(v) or v > MAX_VALUE:
        return None  # "9" × 400 or 110 groups of "000" is no figure (and int() of it would overflow)
    return v, j


def _currency(tok: nlp.Token) -> str | None:
    return CURRENCY.get(tok.lemma.rstrip(".")) or CURRENCY.get(tok.text.lower().rstrip("."))


def money_in(a: nlp.Analysis, lo: int, hi: int) -> list[tuple[float, str]]:
    out = []
    for f in _scan(a, lo, hi):
        if f.kind == "money":
            out.append((float(f.value), f.unit))
    return out


def _scan(a: nlp.Analysis, lo: int, hi: int, skip: set[int] | None = None) -> list[Figure]:
    toks = a.tokens
    out: list[Figure] = []
    i = lo
    skip = skip or set()
    while i < hi:
        if i in skip:
            i += 1
            continue
        t = toks[i]
        pre_cur = _currency(t) if t.text in ("$", "€", "¥", "₸", "₽") else None
        start = i + 1 if pre_cur else i
        if start >= hi:
            break
        parsed = _parse_number(toks, start)
        if parsed is None:
            i += 1
            continue
        value, j = parsed
        if _excluded(a, start, j):
            i = j
            continue
        text_start = t.start
        if _rate(toks, start, j, lo, hi):
            i = j  # "1 юань = 68,10 тенге": an exchange rate, not an amount
            continue
        if pre_cur:
            out.append(_fig(a, "money", value, pre_cur, text_start, toks[j - 1].stop))
            i = j
            continue
        if (j < hi and toks[j].text in ("%",)) or (j < hi and toks[j].lemma == "процент"):
            out.append(_fig(a, "percent", value, "%", text_start, toks[j].stop))
            i = j + 1
            continue
        # skip adjectives between the number and its noun ("52 совместных проектов")
        k = j
        while k < hi and k < j + 3 and toks[k].pos == "ADJ" and not _currency(toks[k]):
            k += 1
        if k < hi:
            cur = _currency(toks[k])
            if cur:
                out.append(_fig(a, "money", value, cur, text_start, toks[k].stop))
                i = k + 1
                continue
            unit = VOLUME.get(toks[k].lemma.rstrip(".")) or VOLUME.get(toks[k].text.lower().rstrip("."))
            if unit and k == j:
                out.append(_fig(a, "volume", value, unit, text_start, toks[k].stop))
                i = k + 1
                continue
            tk = toks[k]
            if tk.lemma == "место" and k > j and toks[k - 1].lemma == "рабочий":
                out.append(_fig(a, "count", value, "рабочее место", text_start, tk.stop))
                i = k + 1
                continue
            if toks[start].lemma in ("два", "оба") and not _num(toks[start]) and tk.lemma in PARTY_NOUNS:
                i = k + 1  # "двух стран", "двух парламентов": the two sides, not a count of things
                continue
            if tk.pos == "NOUN" and tk.lemma not in NOT_COUNTED and not _MONTHS.match(tk.text) \
                    and value == int(value) and len(tk.lemma) > 2:
                out.append(_fig(a, "count", value, tk.lemma, text_start, tk.stop))
                i = k + 1
                continue
        # "количество разрешений увеличено до 20 тысяч", "число рейсов достигло 150": the noun came first
        counted = _counted_before(toks, lo, i)
        if counted and value == int(value) and value >= 3 and (j >= hi or toks[j].pos != "NOUN"):
            out.append(_fig(a, "count", value, counted, text_start, toks[j - 1].stop))
            i = j
            continue
        # "реализовано 39 проектов, еще 47 находятся ...": the noun is left out the second time
        if i > lo and toks[i - 1].lemma in ("еще", "ещё") and value == int(value):
            prev = next((f for f in reversed(out) if f.kind == "count"), None)
            if prev is not None:
                out.append(_fig(a, "count", value, prev.unit, text_start, toks[j - 1].stop))
        i = j
    return out


def _rate(toks: tuple[nlp.Token, ...], start: int, end: int, lo: int, hi: int) -> bool:
    """Either side of an equals sign: '1 юань = 68,10 тенге'."""
    before = start - 1 >= lo and toks[start - 1].text == "="
    after = any(toks[k].text == "=" for k in range(end, min(hi, end + 2)))
    return before or after


def _counted_before(toks: tuple[nlp.Token, ...], lo: int, i: int) -> str | None:
    for k in range(max(lo, i - 12), i - 1):
        if toks[k].lemma in ("количество", "число"):
            for m in range(k + 1, min(i, k + 4)):
                if toks[m].pos == "NOUN" and toks[m].case == "Gen" and toks[m].lemma not in NOT_COUNTED:
                    return toks[m].lemma
    return None


def _excluded(a: nlp.Analysis, start: int, end: int) -> bool:
    toks = a.tokens
    t = toks[start]
    nxt = toks[end] if end < len(toks) else None
    # ordinals and ages written "2-й", "50-летие"; years; dates
    if "-" in t.text or (nxt is not None and nxt.text in ("-", "–") and nxt.start == t.stop and end + 1 < len(toks)
                         and toks[end + 1].text.isalpha() and toks[end + 1].start == nxt.stop
                         and len(toks[end + 1].text) <= 3):
        return True
    if re.fullmatch(r"(19|20)\d\d", t.text) and end == start + 1:
        return True
    if nxt is not None and _MONTHS.match(nxt.text):
        return True
    if nxt is not None and nxt.lemma in {"год", "г", "гг", "летие", "летний"}:
        return True
    return start > 0 and toks[start - 1].text == "№"


def _fig(a: nlp.Analysis, kind: str, value: float, unit: str, start: int, stop: int) -> Figure:
    v: float | int = int(value) if value == int(value) else value
    return Figure(kind, v, unit, a.text[start:stop])


def find(a: nlp.Analysis, skip: set[int]) -> list[Figure]:
    """Every distinct amount once (a headline repeats the body's figures)."""
    out: list[Figure] = []
    seen: set[tuple[str, float | int, str]] = set()
    for s in a.sentences:
        try:
            found = _scan(a, s.first, s.last, skip)
        except (ArithmeticError, ValueError):  # one odd number never costs the document its other figures
            log.warning("figures skipped in a sentence at offset %d", s.start, exc_info=True)
            continue
        for f in found:
            key = (f.kind, f.value, f.unit)
            if key in seen or (f.kind == "count" and f.value == 1):
                continue
            seen.add(key)
            f.evidence = Evidence(s.start, s.stop, a.text[s.start:s.stop])
            out.append(f)
    return out
