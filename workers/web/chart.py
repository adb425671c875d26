"""The timeline's chart: events per month stacked by type, as plain numbers for an SVG drawn by the template."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from workers.extract.vocabulary import EVENT_TYPES

# One colour per event type, distinguishable in print and for the common colour blindnesses (Okabe–Ito + greys).
COLOURS = dict(zip(EVENT_TYPES, ("#0072B2", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#D55E00", "#F0E442",
                                 "#000000", "#999999"), strict=True))
ORDER = {t: i for i, t in enumerate(EVENT_TYPES)}
# The drawing is this wide whatever the span (the SVG scales to the screen); a month's slot shrinks with more months.
WIDTH, HEIGHT, TOP, BOTTOM, LEFT, MAX_SLOT, LABEL_W = 960, 180, 12, 36, 32, 60, 48
MONTHS_RU = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


class Bar(NamedTuple):  # a tuple, not a frozen dataclass: twenty years of months make thousands
    y: float
    height: float
    colour: str
    title: str


class Month(NamedTuple):
    x: float
    month: str  # YYYY-MM, the link that narrows the timeline to that month
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_width: float
    months: list[Month]
    labels: list[tuple[float, str]]  # x, text under the axis
    ticks: list[tuple[float, int]]  # y, count on the left axis
    top: int
    bottom: float
    total: int


def _months(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def build(rows: Sequence[dict[str, Any]], type_names: dict[str, str]) -> Chart | None:
    """rows: (month, type, n) from web_event_months. None when there is nothing to draw."""
    if not rows:
        return None
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for r in rows:
        counts[r["month"]][r["type"]] = int(r["n"])
    months = _months(min(counts), max(counts))
    peak = max(sum(c.values()) for c in counts.values())
    scale = (HEIGHT - TOP - BOTTOM) / peak
    base = HEIGHT - BOTTOM
    slot = min(MAX_SLOT, (WIDTH - LEFT) / len(months))
    bar_w = max(1.0, round(slot * 0.8, 1))
    every = max(1, -(-LABEL_W // int(max(slot, 1))))  # a label every `every` months, so they do not overlap
    months_drawn, labels = [], []
    for i, month in enumerate(months):
        x = round(LEFT + i * slot, 1)
        ym = f"{month.year:04d}-{month.month:02d}"
        y = float(base)
        bars = []
        for type_, n in sorted(counts.get(month, {}).items(), key=lambda kv: ORDER.get(kv[0], len(ORDER))):
            h = n * scale
            y -= h
            bars.append(Bar(round(y, 1), round(h, 1), COLOURS.get(type_, "#999999"),
                            f"{ym}: {type_names.get(type_, type_)} — {n}"))
        if bars:
            months_drawn.append(Month(x, ym, bars))
        if i % every == 0:
            labels.append((x, f"{MONTHS_RU[month.month - 1]} {month.year % 100:02d}"))
    step = max(1, round(peak / 4))
    ticks = [(round(base - v * scale, 1), v) for v in range(0, peak + 1, step)]
    return Chart(width=round(LEFT + len(months) * slot) + 4, height=HEIGHT, bar_width=bar_w, months=months_drawn,
                 labels=labels,
                 ticks=ticks, top=TOP, bottom=base, total=sum(sum(c.values()) for c in counts.values()))
