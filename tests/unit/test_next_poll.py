"""After a good poll: the next interval from the stored history and the response's caching headers (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from workers.feeds.schedule import HINT_CAP_S, NextPoll, Poll, plan_next_poll
from workers.settings import Settings

S = Settings(poll_min_interval_s=120, poll_max_interval_s=6 * 3600, poll_jitter_fraction=0.0)
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def plan(*, polls: Sequence[Poll] = (), times: Sequence[datetime] = (), listed: int | None = 10,
         new_entries: int = 0, headers: Mapping[str, str] | None = None,
         last_new_at: datetime | None = None) -> NextPoll:
    return plan_next_poll(polls, times, listed=listed, new_entries=new_entries, ttl_s=None, headers=headers or {},
                          country="KZ", default_s=900, last_new_at=last_new_at, settings=S, now=NOW)


def test_a_feed_without_history_is_polled_at_its_default() -> None:
    assert plan() == plan(listed=None) == NextPoll(900, None, False)


def test_cache_control_and_expires_are_floors_up_to_the_hint_cap() -> None:
    assert plan(headers={"cache-control": "max-age=3600"}).interval_s == 3600
    assert plan(headers={"cache-control": "public, max-age=86400"}).interval_s == HINT_CAP_S
    expires = (NOW + timedelta(seconds=1800)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert plan(headers={"expires": expires}).interval_s == 1800
    assert plan(headers={"cache-control": "max-age=" + "9" * 5000}).interval_s == 900  # no hint, no failure


def test_typical_gap_and_quiet_come_from_the_publish_times() -> None:
    times = [NOW - timedelta(hours=h) for h in (30, 29, 28, 27)]  # hourly, then silent for a day
    out = plan(times=times, last_new_at=NOW - timedelta(hours=27))
    assert (out.typical_gap_s, out.quiet) == (3600, True)
    assert not plan(times=times, new_entries=1, last_new_at=NOW - timedelta(hours=27)).quiet  # new this poll


def test_this_poll_joins_the_history_only_when_the_feed_was_parsed() -> None:
    earlier = [Poll(NOW - timedelta(hours=2), 10, 10)]
    # Parsed: 10 new in two hours is the observed rate (10.5 / 7200 s), the next poll after ~686 s.
    assert plan(polls=earlier, listed=10, new_entries=10).interval_s == round(7200 / 10.5)
    # A 304 adds no poll: one poll is no rate, the feed's default stands.
    assert plan(polls=earlier, listed=None).interval_s == 900
