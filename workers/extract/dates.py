"""Extract stage: dates written in Russian sentences ("17–18 октября", "5 мая 2024 года", "вчера").

A missing year comes from the publication date; ranges resolve to their first day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}
_MONTH_RE = (r"(январ[яеь]|феврал[яеь]|марта?|апрел[яеь]|ма[яйе]|июн[яеь]|июл[яеь]|августа?|"
             r"сентябр[яеь]|октябр[яеь]|ноябр[яеь]|декабр[яеь])")
DATE_RE = re.compile(
    r"(?<!\d)(\d{1,2})(?:\s*[-–—]\s*(\d{1,2}))?\s+" + _MONTH_RE + r"(?:\s+(\d{4})(?:\s*(?:года|г\.))?)?",
    re.IGNORECASE,
)
NUMERIC_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")
RELATIVE = {"сегодня": 0, "вчера": -1, "позавчера": -2, "завтра": 1, "послезавтра": 2}


def _month(word: str) -> int:
    w = word.lower()
    for stem, num in sorted(MONTHS.items(), key=lambda kv: -len(kv[0])):
        if w.startswith(stem):
            return num
    return 0


def spans(text: str) -> list[tuple[int, int]]:
    """Character spans of date expressions (so figures can skip their numbers)."""
    out = [(m.start(), m.end()) for m in DATE_RE.finditer(text)]
    out += [(m.start(), m.end()) for m in NUMERIC_RE.finditer(text)]
    return out


def first_date(text: str, published: date | None) -> date | None:
    """The first date stated in `text`; a bare day-month takes the publication year."""
    found: list[tuple[int, date]] = []
    for m in DATE_RE.finditer(text):
        day, month = int(m.group(1)), _month(m.group(3))
        year = int(m.group(4)) if m.group(4) else (published.year if published else None)
        if year is None or not month:
            continue
        try:
            found.append((m.start(), date(year, month, day)))
        except ValueError:
            continue
    for m in NUMERIC_RE.finditer(text):
        try:
            found.append((m.start(), date(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
        except ValueError:
            continue
    if published:
        for m in re.finditer(r"\b(" + "|".join(RELATIVE) + r")\b", text, re.IGNORECASE):
            found.append((m.start(), published + timedelta(days=RELATIVE[m.group(1).lower()])))
    if not found:
        return None
    return min(found)[1]
