"""Publication dates from feed fields and Russian/Kazakh free text, as plausible UTC datetimes (feeds and clean).

feedparser understands RFC 822 / ISO 8601; press services also write "12 ноября 2026, 14:30" or
"12.11.2026 14:30". Free text without a zone is read in `default_tz` (Asia/Almaty, UTC+5).
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)
DEFAULT_TZ = "Asia/Almaty"

# Stems are matched at the start of a word, so genitive, nominative and abbreviated forms all work.
_MONTH_STEMS: tuple[tuple[str, int], ...] = (
    ("январ", 1), ("янв", 1), ("феврал", 2), ("фев", 2), ("март", 3), ("мар", 3), ("апрел", 4), ("апр", 4),
    ("ма", 5), ("июн", 6), ("июл", 7), ("август", 8), ("авг", 8), ("сентябр", 9), ("сен", 9),
    ("октябр", 10), ("окт", 10), ("ноябр", 11), ("ноя", 11), ("декабр", 12), ("дек", 12),
    # Kazakh month names
    ("қаңтар", 1), ("ақпан", 2), ("наурыз", 3), ("сәуір", 4), ("мамыр", 5), ("маусым", 6),
    ("шілде", 7), ("тамыз", 8), ("қыркүйек", 9), ("қазан", 10), ("қараша", 11), ("желтоқсан", 12),
)  # fmt: skip

_WORD_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\s+([^\W\d_]{3,12})\.?\s*,?\s+(\d{4})(?:\s*(?:г\.?|года?|ж\.?|жылы)?)?"
    r"(?:\s*(?:,|в|—|-|–)?\s*(\d{1,2})[:.](\d{2}))?",
    re.IGNORECASE,
)
_NUM_DATE = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?:\s*(?:,|в|—|-|–)?\s*(\d{1,2}):(\d{2}))?")


def month_from_word(word: str) -> int | None:
    w = word.lower()
    if w in ("мая", "май"):
        return 5
    for stem, month in _MONTH_STEMS:
        if stem == "ма":
            continue  # "март"/"мар" would be shadowed; May is handled above
        if w.startswith(stem):
            return month
    return None


def parse_ru_datetime(text: str, default_tz: str = DEFAULT_TZ) -> datetime | None:
    """First date in `text` written as "12 ноября 2026, 14:30" or "12.11.2026 14:30", in UTC."""
    if not text:
        return None
    tz = ZoneInfo(default_tz)
    for m in _WORD_DATE.finditer(text[:500]):
        month = month_from_word(m.group(2))
        if month is None:
            continue
        return _build(int(m.group(3)), month, int(m.group(1)), m.group(4), m.group(5), tz)
    m2 = _NUM_DATE.search(text[:500])
    if m2:
        return _build(int(m2.group(3)), int(m2.group(2)), int(m2.group(1)), m2.group(4), m2.group(5), tz)
    return None


def parse_ru_date(text: str) -> date | None:
    """The calendar date (as written, no zone shift) of the first date in `text`."""
    for m in _WORD_DATE.finditer(text[:500]):
        month = month_from_word(m.group(2))
        if month is not None:
            return _date(int(m.group(3)), month, int(m.group(1)))
    m2 = _NUM_DATE.search(text[:500])
    return _date(int(m2.group(3)), int(m2.group(2)), int(m2.group(1))) if m2 else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _build(year: int, month: int, day: int, hh: str | None, mm: str | None, tz: ZoneInfo) -> datetime | None:
    try:
        local = datetime(year, month, day, int(hh or 0), int(mm or 0), tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def from_struct_time(st: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed fields are UTC struct_time values."""
    if st is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(st), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def plausible(dt: datetime | None, now: datetime | None = None) -> datetime | None:
    """`dt` when it lies between 1990 and tomorrow, else None (bad clocks, placeholder dates)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if dt < EARLIEST or dt > now + FUTURE_TOLERANCE:
        return None
    return dt.astimezone(UTC)


# A press release's page date and its feed date normally agree within days (a late feed, a
# re-publication); further apart, the page date was most likely read off something else on the page.
MAX_PAGE_FEED_SKEW = timedelta(days=30)


def reconcile_published(page: date | None, feed: datetime | None, *, now: datetime | None = None,
                        tz: str = DEFAULT_TZ) -> date | None:
    """The publication date to store: the page's own date, unless it is implausible or far from the feed's.

    The feed date (UTC) is read as a calendar day in `tz`, the press service's zone.
    """
    now = now or datetime.now(UTC)
    feed_at = plausible(feed, now)
    feed_day = feed_at.astimezone(ZoneInfo(tz)).date() if feed_at else None
    if page is None or plausible(datetime(page.year, page.month, page.day, tzinfo=UTC), now) is None:
        return feed_day
    if feed_day is not None and abs(page - feed_day) > MAX_PAGE_FEED_SKEW:
        return feed_day
    return page
