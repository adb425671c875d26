"""Russian and Kazakh free-text dates, and the plausibility window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workers.dates import month_from_word, parse_ru_date, parse_ru_datetime, plausible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 ноября 2026, 14:30", datetime(2026, 11, 12, 9, 30, tzinfo=UTC)),
        ("Опубликовано: 3 мая 2025 г. в 09:05", datetime(2025, 5, 3, 4, 5, tzinfo=UTC)),
        ("7 янв. 2025 18:00", datetime(2025, 1, 7, 13, 0, tzinfo=UTC)),
        ("12.11.2026 14:30", datetime(2026, 11, 12, 9, 30, tzinfo=UTC)),
        ("5 қараша 2025 жылы", datetime(2025, 11, 4, 19, 0, tzinfo=UTC)),
        ("15 февраля 2024, 10:00", datetime(2024, 2, 15, 4, 0, tzinfo=UTC)),  # Almaty was UTC+6 until March 2024
    ],
)
def test_free_text(text: str, expected: datetime) -> None:
    assert parse_ru_datetime(text) == expected


def test_other_zone() -> None:
    assert parse_ru_datetime("12 ноября 2026, 14:30", default_tz="Asia/Shanghai") == datetime(
        2026, 11, 12, 6, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["", "нет даты", "31 февраля 2025", "12 брюмера 2025", "45.13.2025"])
def test_no_date(text: str) -> None:
    assert parse_ru_datetime(text) is None


@pytest.mark.parametrize(
    ("word", "month"), [("мая", 5), ("май", 5), ("марта", 3), ("мар", 3), ("декабря", 12), ("сен", 9), ("шілде", 7)]
)
def test_month_words(word: str, month: int) -> None:
    assert month_from_word(word) == month


def test_plausible_window() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert plausible(now - timedelta(days=3), now) == now - timedelta(days=3)
    assert plausible(now + timedelta(hours=20), now) is not None
    assert plausible(now + timedelta(days=2), now) is None
    assert plausible(datetime(1989, 12, 31, tzinfo=UTC), now) is None
    assert plausible(None, now) is None


def test_calendar_date_is_not_shifted_by_the_zone() -> None:
    # midnight in Almaty is the previous day in UTC; the written date must stay the written date
    assert parse_ru_date("1 октября 2026 года") == date(2026, 10, 1)
    assert parse_ru_date("05.03.2025") == date(2025, 3, 5)
    assert parse_ru_date("30 февраля 2025") is None


def test_reconcile_keeps_the_page_date_near_the_feed_date() -> None:
    from workers.dates import reconcile_published

    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    feed = datetime(2026, 11, 18, 20, 30, tzinfo=UTC)  # 19 November in Almaty (UTC+5)
    assert reconcile_published(date(2026, 11, 17), feed, now=now) == date(2026, 11, 17)
    assert reconcile_published(None, feed, now=now) == date(2026, 11, 19)
    # a date far from the feed's was read off something else on the page
    assert reconcile_published(date(2019, 3, 1), feed, now=now) == date(2026, 11, 19)
    # a page date in the future is not a publication date; with no feed date nothing is known
    assert reconcile_published(date(2027, 1, 1), None, now=now) is None
    assert reconcile_published(date(2026, 11, 20), None, now=now) == date(2026, 11, 20)
    # an implausible feed date is ignored
    assert reconcile_published(date(2026, 11, 20), datetime(1970, 1, 1, tzinfo=UTC), now=now) == date(2026, 11, 20)
