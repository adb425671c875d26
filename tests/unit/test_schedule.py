"""Adaptive polling: publishing rhythm by local hour, seen share, server hints, bounds, jitter, backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workers.feeds.schedule import (
    Poll,
    PollHistory,
    backoff_interval_s,
    hourly_rates,
    is_quiet,
    next_interval_s,
    typical_gap_s,
    zone_for_country,
)
from workers.settings import Settings

S = Settings(poll_min_interval_s=120, poll_max_interval_s=6 * 3600, poll_jitter_fraction=0.0)
ALMATY = ZoneInfo("Asia/Almaty")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def office_hours(tz: ZoneInfo, *, days: int = 7, per_hour: int = 2, end: datetime) -> tuple[datetime, ...]:
    """A press service publishing `per_hour` items every hour from 09:00 to 17:59 local time."""
    out = []
    for d in range(days):
        day = (end - timedelta(days=d + 1)).astimezone(tz).date()
        for h in range(9, 18):
            for k in range(per_hour):
                out.append(datetime(day.year, day.month, day.day, h, k * 60 // per_hour, tzinfo=tz).astimezone(UTC))
    return tuple(sorted(out))


def at(tz: ZoneInfo, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=tz).astimezone(UTC)


def test_busy_hours_poll_often_and_nights_rarely() -> None:
    noon = at(ALMATY, 12)
    h = PollHistory(publish_times=office_hours(ALMATY, end=noon), zone="Asia/Almaty")
    busy = next_interval_s(h, now=noon, settings=S)
    night = next_interval_s(h, now=at(ALMATY, 22), settings=S)
    # two items an hour → about one expected item in roughly half an hour (smoothed)
    assert 1200 <= busy <= 2700
    assert night > 4 * busy


def test_poll_is_brought_forward_before_the_morning_burst() -> None:
    h = PollHistory(publish_times=office_hours(ALMATY, per_hour=6, end=at(ALMATY, 8)), zone="Asia/Almaty")
    before = next_interval_s(h, now=at(ALMATY, 8, 30), settings=S)
    # the expected first item comes shortly after 09:00, not hours later
    assert 1800 <= before <= 2700


def test_rhythm_is_read_in_the_feeds_own_zone() -> None:
    # Same UTC instant: 12:00 in Shanghai is 09:00 in Almaty (before office hours).
    noon_cn = at(SHANGHAI, 12)
    cn = PollHistory(publish_times=office_hours(SHANGHAI, end=noon_cn), zone="Asia/Shanghai")
    rates = hourly_rates(cn.publish_times, "Asia/Shanghai", noon_cn)
    assert rates is not None and rates[12] > rates[3] * 3
    misread = PollHistory(publish_times=cn.publish_times, zone="Asia/Almaty")
    assert next_interval_s(cn, now=noon_cn, settings=S) < next_interval_s(misread, now=at(SHANGHAI, 20), settings=S)


def test_without_dates_the_rate_comes_from_polls() -> None:
    t0 = datetime(2026, 11, 25, tzinfo=UTC)
    busy = PollHistory(polls=tuple(Poll(t0 + timedelta(minutes=10 * i), 20, 3) for i in range(6)))
    idle = PollHistory(polls=tuple(Poll(t0 + timedelta(hours=i), 20, 0) for i in range(6)))
    assert next_interval_s(busy, now=t0 + timedelta(hours=1), settings=S) < next_interval_s(
        idle, now=t0 + timedelta(hours=6), settings=S
    )


def test_no_history_uses_the_default() -> None:
    assert next_interval_s(PollHistory(), settings=S, default_s=900) == 900


def test_all_new_entries_halve_the_last_gap() -> None:
    # A slow rate from history, but the last poll found nothing it had seen: entries may have scrolled off.
    t0 = datetime(2026, 11, 25, tzinfo=UTC)
    polls = (Poll(t0, 10, 1), Poll(t0 + timedelta(hours=2), 10, 10))
    h = PollHistory(polls=polls)
    assert h.seen_share() == 0.0
    assert next_interval_s(h, now=t0 + timedelta(hours=2), settings=S) <= 3600


def test_server_hints_are_floors_but_capped() -> None:
    noon = at(ALMATY, 12)
    h = PollHistory(publish_times=office_hours(ALMATY, per_hour=12, end=noon), zone="Asia/Almaty")
    plain = next_interval_s(h, now=noon, settings=S)
    assert next_interval_s(h, now=noon, ttl_s=1800, settings=S) == 1800
    assert next_interval_s(h, now=noon, cache_max_age_s=1500, settings=S) == 1500
    assert next_interval_s(h, now=noon, expires_at=noon + timedelta(seconds=1300), settings=S) == 1300
    # "cache for a day" would miss a day of news: capped at two hours
    assert next_interval_s(h, now=noon, ttl_s=86400, settings=S) == 7200
    assert plain < 1300


def test_retry_after_is_honoured_in_full_up_to_the_max() -> None:
    h = PollHistory()
    assert next_interval_s(h, retry_after_s=3 * 3600, settings=S) == 3 * 3600
    assert next_interval_s(h, retry_after_s=48 * 3600, settings=S) == S.poll_max_interval_s


def test_bounds() -> None:
    noon = at(ALMATY, 12)
    flood = PollHistory(publish_times=office_hours(ALMATY, per_hour=60, end=noon), zone="Asia/Almaty")
    assert next_interval_s(flood, now=noon, settings=S) == S.poll_min_interval_s
    t0 = datetime(2026, 11, 25, tzinfo=UTC)
    dead = PollHistory(polls=(Poll(t0 - timedelta(days=30), 5, 0), Poll(t0, 5, 0)))
    assert next_interval_s(dead, now=t0, settings=S) == S.poll_max_interval_s


def test_jitter_is_bounded_and_reproducible() -> None:
    s = Settings(poll_min_interval_s=120, poll_max_interval_s=6 * 3600, poll_jitter_fraction=0.1)
    values = {next_interval_s(PollHistory(), settings=s, default_s=1000, rng=random.Random(i)) for i in range(50)}
    assert len(values) > 10
    assert all(900 <= v <= 1100 for v in values)
    a = next_interval_s(PollHistory(), settings=s, default_s=1000, rng=random.Random(7))
    assert a == next_interval_s(PollHistory(), settings=s, default_s=1000, rng=random.Random(7))
    # jitter never leaves the bounds
    assert next_interval_s(PollHistory(), settings=s, default_s=10**6, rng=random.Random(1)) <= s.poll_max_interval_s


def test_backoff_grows_then_stays_at_the_max() -> None:
    values = [backoff_interval_s(n, settings=S) for n in range(1, 12)]
    assert values == sorted(values)
    assert values[0] == 300 and values[1] == 600
    assert values[-1] == S.poll_max_interval_s
    assert backoff_interval_s(10**6, settings=S) == S.poll_max_interval_s


def test_backoff_honours_retry_after_and_jitter_only_shortens() -> None:
    assert backoff_interval_s(1, 3000, settings=S) == 3000
    s = Settings(poll_max_interval_s=6 * 3600, poll_jitter_fraction=0.2)
    for seed in range(20):
        v = backoff_interval_s(30, settings=s, rng=random.Random(seed))
        assert 0.8 * s.poll_max_interval_s <= v <= s.poll_max_interval_s


def test_quiet_after_several_usual_gaps() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert not is_quiet(now - timedelta(hours=3), 3600, now)
    assert is_quiet(now - timedelta(hours=5), 3600, now)
    assert not is_quiet(None, 3600, now)
    assert not is_quiet(now - timedelta(days=9), None, now)


def test_typical_gap() -> None:
    t0 = datetime(2026, 11, 25, tzinfo=UTC)
    times = [t0 + timedelta(minutes=m) for m in (0, 30, 60, 95, 600)]
    assert typical_gap_s(times) == pytest.approx(32.5 * 60)
    assert typical_gap_s(times[:2]) is None


def test_zone_for_country() -> None:
    assert zone_for_country("KZ") == "Asia/Almaty"
    assert zone_for_country("cn") == "Asia/Shanghai"
    assert zone_for_country(None) == "Asia/Almaty"
