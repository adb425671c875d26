"""Feeds stage: adaptive polling intervals from a feed's recent history (pure functions, no I/O).

next_interval_s — how long until the next poll:
  1. Publication rate λ(h) per local hour of day h, in the feed's zone (Asia/Almaty for KZ,
     Asia/Shanghai for CN), from the publish times of recent entries over a window of D days
     (D = their span, 1 ≤ D ≤ 14):  λ(h) = (1 − w)·n_h / D + w·N / (24·D)  per hour, w = 0.25,
     so an hour that was silent so far keeps a little of the average rate. With fewer than
     MIN_DATED entries the rate is flat and observed from polls: λ = (Σ new + ½) / Σ gaps.
  2. t_rate = the time until the expected number of new entries ∫λ reaches TARGET_NEW (1),
     integrated hour by hour from now, so a feed quiet at night is polled just before its morning.
  3. Seen share: when the last poll found only new entries (seen share 0) something may have
     scrolled off the feed unseen: t ≤ ½ · last gap.
  4. Server hints are floors: Retry-After in full; ttl / sy:updatePeriod, Cache-Control max-age and
     Expires only up to HINT_CAP_S, since CMSs ship defaults ("hourly", "cache a day") unrelated to
     how often a press service actually publishes.
  5. clamp(t, poll_min_interval_s, poll_max_interval_s), then jitter × (1 + U(−j, j)) with
     j = poll_jitter_fraction, clamped again so jitter never leaves the bounds.
backoff_interval_s — after n consecutive errors: 300 s · 2^(n−1), at least Retry-After, never more
  than poll_max_interval_s: a failing feed is polled less, never silently dropped.
is_quiet — no new entry for more than QUIET_FACTOR usual gaps.
plan_next_poll — all three after a good poll, from the feed's stored history and the response's headers.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from workers.feeds import caching
from workers.settings import Settings

TARGET_NEW = 1.0
SMOOTHING_W = 0.25
MIN_DATED = 5
WINDOW_DAYS_MAX = 14
HINT_CAP_S = 2 * 3600
BACKOFF_BASE_S = 300
QUIET_FACTOR = 4.0

ZONES = {"KZ": "Asia/Almaty", "CN": "Asia/Shanghai", "RU": "Europe/Moscow"}
DEFAULT_ZONE = "Asia/Almaty"


def zone_for_country(country: str | None) -> str:
    return ZONES.get((country or "").upper(), DEFAULT_ZONE)


@dataclass(frozen=True)
class Poll:
    at: datetime  # UTC time of a poll that returned a parsed feed
    entries: int  # entries listed in the feed
    new_entries: int  # of which not seen before


@dataclass(frozen=True)
class PollHistory:
    """What the scheduler knows of one feed: recent polls (oldest first) and entry publish times."""

    polls: tuple[Poll, ...] = ()
    publish_times: tuple[datetime, ...] = ()  # UTC, of entries seen recently
    zone: str = DEFAULT_ZONE

    def seen_share(self, last: int = 1) -> float | None:
        """Share of listed entries already known, over the `last` polls (None without data)."""
        recent = self.polls[-last:]
        listed = sum(p.entries for p in recent)
        if not listed:
            return None
        return 1.0 - min(listed, sum(p.new_entries for p in recent)) / listed


def hourly_rates(publish_times: Sequence[datetime], zone: str, now: datetime) -> list[float] | None:
    """Entries per hour for each local hour of day, smoothed; None with too few dated entries."""
    horizon = now - timedelta(days=WINDOW_DAYS_MAX)
    times = sorted(t for t in publish_times if horizon <= t <= now)
    if len(times) < MIN_DATED:
        return None
    days = min(WINDOW_DAYS_MAX, max(1.0, (now - times[0]).total_seconds() / 86400))
    tz = ZoneInfo(zone)
    counts = [0] * 24
    for t in times:
        counts[t.astimezone(tz).hour] += 1
    mean = len(times) / (24 * days)
    return [(1 - SMOOTHING_W) * c / days + SMOOTHING_W * mean for c in counts]


def time_to_expected(rates: list[float], zone: str, now: datetime, target: float, limit_s: float) -> float:
    """Seconds from `now` until Σ λ(h)·dt over the local hours ahead reaches `target` (≤ limit_s)."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    elapsed = 0.0
    acc = 0.0
    # Walk to the end of the current local hour, then whole hours.
    step = 3600 - (local.minute * 60 + local.second + local.microsecond / 1e6)
    hour = local.hour
    while elapsed < limit_s:
        rate_s = rates[hour] / 3600
        if rate_s > 0 and acc + rate_s * step >= target:
            return elapsed + (target - acc) / rate_s
        acc += rate_s * step
        elapsed += step
        step = 3600
        hour = (hour + 1) % 24
    return limit_s


def observed_rate_per_s(polls: Sequence[Poll]) -> float | None:
    if len(polls) < 2:
        return None
    span = (polls[-1].at - polls[0].at).total_seconds()
    if span <= 0:
        return None
    return (sum(p.new_entries for p in polls[1:]) + 0.5) / span


def next_interval_s(
    history: PollHistory,
    *,
    now: datetime | None = None,
    ttl_s: int | None = None,
    cache_max_age_s: int | None = None,
    expires_at: datetime | None = None,
    retry_after_s: float | None = None,
    default_s: int | None = None,
    settings: Settings,
    rng: random.Random | None = None,
) -> int:
    """Seconds until the next poll of a feed (formulas in the module docstring)."""
    s = settings
    now = now or datetime.now(UTC)
    lo, hi = s.poll_min_interval_s, s.poll_max_interval_s

    rates = hourly_rates(history.publish_times, history.zone, now)
    if rates is not None:
        t = time_to_expected(rates, history.zone, now, TARGET_NEW, hi)
    else:
        rate = observed_rate_per_s(history.polls)
        t = TARGET_NEW / rate if rate else float(default_s or s.poll_default_interval_s)

    if len(history.polls) >= 2 and history.seen_share() == 0.0:
        last_gap = (history.polls[-1].at - history.polls[-2].at).total_seconds()
        t = min(t, last_gap / 2)

    hints = [h for h in (ttl_s, cache_max_age_s) if h]
    if expires_at is not None:
        hints.append(int((expires_at - now).total_seconds()))
    for hint in hints:
        t = max(t, min(float(hint), HINT_CAP_S))
    if retry_after_s:
        t = max(t, float(retry_after_s))

    t = min(max(t, lo), hi)
    jitter = s.poll_jitter_fraction
    if jitter > 0:
        t *= 1 + (rng or random).uniform(-jitter, jitter)
    return round(min(max(t, lo), hi))


def backoff_interval_s(
    consecutive_errors: int,
    retry_after_s: float | None = None,
    *,
    settings: Settings,
    rng: random.Random | None = None,
) -> int:
    """Graded backoff after errors: doubles from 5 minutes, honours Retry-After, capped at the maximum.

    Jitter only shortens the wait, so the result never exceeds poll_max_interval_s; it never cuts
    into Retry-After either: a server that asked for a pause gets at least that (up to the maximum).
    """
    s = settings
    n = max(1, consecutive_errors)
    t = BACKOFF_BASE_S * 2.0 ** min(n - 1, 30)
    t = min(max(t, s.poll_min_interval_s), s.poll_max_interval_s)
    if s.poll_jitter_fraction > 0:
        t *= 1 - (rng or random).uniform(0, s.poll_jitter_fraction)
    if retry_after_s:
        t = max(t, min(float(retry_after_s), s.poll_max_interval_s))
    return math.ceil(max(t, s.poll_min_interval_s))


def typical_gap_s(publish_times: Sequence[datetime]) -> float | None:
    """Median gap between consecutive publications, None with fewer than three dated entries."""
    times = sorted(publish_times)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    gaps = [g for g in gaps if g > 0]
    return statistics.median(gaps) if len(gaps) >= 2 else None


def is_quiet(
    last_new_at: datetime | None,
    typical_interval_s: float | None,
    now: datetime,
    *,
    factor: float = QUIET_FACTOR,
) -> bool:
    """True when the feed has brought nothing new for more than `factor` of its usual gaps."""
    if last_new_at is None or not typical_interval_s or typical_interval_s <= 0:
        return False
    return (now - last_new_at).total_seconds() > factor * typical_interval_s


@dataclass(frozen=True)
class NextPoll:
    interval_s: int
    typical_gap_s: int | None
    quiet: bool


def plan_next_poll(polls: Sequence[Poll], publish_times: Sequence[datetime], *, listed: int | None,
                   new_entries: int, ttl_s: int | None, headers: Mapping[str, str], country: str | None,
                   default_s: int, last_new_at: datetime | None, settings: Settings,
                   now: datetime | None = None) -> NextPoll:
    """After a good poll: the next interval, the feed's typical gap between publications and whether it is quiet.

    `polls` and `publish_times` are its stored history; `listed` the entries this poll parsed (None when the
    feed was not parsed: a 304 or an unchanged body adds no poll to the history); the response's caching
    headers are hints (`workers.feeds.caching`).
    """
    now = now or datetime.now(UTC)
    history = PollHistory(polls=(*polls, *([Poll(now, listed, new_entries)] if listed is not None else [])),
                          publish_times=tuple(publish_times), zone=zone_for_country(country))
    interval = next_interval_s(history, now=now, ttl_s=ttl_s, cache_max_age_s=caching.max_age_s(headers),
                               expires_at=caching.expires_at(headers), default_s=default_s, settings=settings)
    gap = typical_gap_s(publish_times)
    last_new = now if new_entries else last_new_at
    return NextPoll(interval, int(gap) if gap else None, is_quiet(last_new, gap, now))
