"""The pure parts of the pages, without a database: marking untrusted text, the chart, the parameter checks."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.datastructures import QueryParams

from workers.web import chart, highlight, labels
from workers.web import params as p


def test_evidence_is_marked_by_its_offsets_and_everything_else_escaped() -> None:
    text = "<b>Вступление</b>. Токаев встретился с Си Цзиньпином. Конец & всё."
    start = text.index("Токаев")
    end = text.index(".", start) + 1
    marked = highlight.mark(text, start, end, "Токаев встретился с Си Цзиньпином.")
    assert marked.found
    assert str(marked.html) == ("&lt;b&gt;Вступление&lt;/b&gt;. <mark id=\"evidence\">Токаев встретился с"
                                " Си Цзиньпином.</mark> Конец &amp; всё.")


def test_stale_offsets_fall_back_to_the_evidence_text_or_to_nothing() -> None:
    text = "Новая вводная фраза. Токаев прибыл в Пекин."
    moved = highlight.mark(text, 0, 10, "Токаев прибыл в Пекин.")
    assert moved.found and '<mark id="evidence">Токаев прибыл в Пекин.</mark>' in str(moved.html)
    gone = highlight.mark(text, 0, 10, "Этого предложения нет.")
    assert not gone.found and "<mark" not in str(gone.html)
    assert highlight.mark(text, 5, 999, None).found is False


def test_snippet_marks_only_what_ts_headline_marked() -> None:
    s = f"«Цитата» и <script>x</script> {highlight.START}Казахстан{highlight.STOP} рядом"
    assert str(highlight.snippet(s)) == ("«Цитата» и &lt;script&gt;x&lt;/script&gt; <mark>Казахстан</mark> рядом")
    # a stray mark in the press text itself: no mark at all rather than an unclosed one
    assert "<mark>" not in str(highlight.snippet(f"{highlight.START}Казахстан"))


def test_the_chart_fills_empty_months_and_stacks_types() -> None:
    rows = [{"month": date(2026, 1, 1), "type": "visit", "n": 2}, {"month": date(2026, 1, 1), "type": "talks", "n": 1},
            {"month": date(2026, 4, 1), "type": "visit", "n": 3}]
    drawn = chart.build(rows, labels.EVENT_TYPE)
    assert drawn is not None and drawn.total == 6
    assert [m.month for m in drawn.months] == ["2026-01", "2026-04"]
    january, april = drawn.months
    # stacked: visit under talks in January, the two as tall as April's three visits
    assert [b.title for b in january.bars] == ["2026-01: визит — 2", "2026-01: переговоры — 1"]
    assert sum(b.height for b in january.bars) == pytest.approx(april.bars[0].height)
    assert january.bars[1].y + january.bars[1].height == pytest.approx(january.bars[0].y)
    # February and March are drawn as empty slots: four months, April three slots after January
    assert [t for _, t in drawn.labels] == ["янв 26", "фев 26", "мар 26", "апр 26"]
    (jan_x, _), (feb_x, _) = drawn.labels[:2]
    assert april.x == pytest.approx(jan_x + 3 * (feb_x - jan_x), abs=0.2)
    assert chart.build([], labels.EVENT_TYPE) is None


@pytest.mark.parametrize(("query", "message"), [
    ("since=2026-02-30", "since"), ("since=2026-03-01&until=2026-02-01", "позже"), ("type=parade", "type"),
    ("x=1", "неизвестный параметр"), ("text=" + "a" * 301, "301 символов"), ("since=1&since=2", "задан 2 раза"),
])
def test_bad_parameters_say_what_is_wrong(query: str, message: str) -> None:
    q = QueryParams(query)
    with pytest.raises(p.BadRequest, match=message) as err:
        p.only(q, ("since", "until", "type", "text"))
        p.date_range(q)
        p.choices(q, "type", ("visit",))
        p.text(q, "text")
    assert err.value.status_code == 400 and "\n" not in str(err.value.detail)


def test_ids_are_whole_positive_numbers_within_bigint() -> None:
    assert p.ident("42") == 42 and p.ident("0", "ord", lowest=0) == 0
    for bad in ("0", "-1", "1e3", "٣", "9223372036854775808", "12abc", ""):
        with pytest.raises(p.BadRequest):
            p.ident(bad)
