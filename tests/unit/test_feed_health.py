"""Feed health and HTTP caching hints as pure functions: when a feed is muted or moved, what headers say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.feeds import caching, health


@pytest.mark.parametrize(("status", "permanent", "errors", "muted"), [
    (410, False, 1, health.GONE),  # gone mutes at once, whatever the count
    (404, True, 49, None),  # permanent, below the threshold: backed off, polled again
    (404, True, 50, "muted after 50 consecutive errors: HTTP 404"),
    (503, False, 500, None),  # a transient outage never mutes
    (None, True, 51, "muted after 51 consecutive errors: HTTP 404"),
])
def test_a_failing_feed_is_muted_only_for_good_reasons(status: int | None, permanent: bool, errors: int,
                                                       muted: str | None) -> None:
    assert health.muted_reason(status=status, permanent=permanent, error="HTTP 404", consecutive_errors=errors,
                               mute_after=50) == muted


def test_polls_that_never_finished_give_up_past_the_limit() -> None:
    assert health.worker_lost(3, 3) is None
    assert health.worker_lost(4, 3) == "gave up after 3 polls that never finished (worker lost)"


def test_a_permanent_redirect_is_counted_poll_after_poll_and_moves_the_feed_on_the_third() -> None:
    hops = ((301, "https://new.kz/rss"),)
    count, target = 0, None
    moves = []
    for _ in range(3):
        count, target = health.permanent_redirects(hops, "https://new.kz/rss", previous_target=target,
                                                   previous_count=count, max_url_bytes=2000)
        moves.append(health.move_to(count, target))
    assert (count, target) == (3, "https://new.kz/rss")
    assert moves == [None, None, "https://new.kz/rss"]


@pytest.mark.parametrize(("hops", "final", "previous", "expected"), [
    (((301, "/a"), (302, "/b")), "https://x.kz/b", "https://x.kz/b", (0, None)),  # one temporary hop: no
    ((), "https://x.kz/rss", "https://x.kz/rss", (0, None)),  # not redirected
    (((308, "/b"),), "https://x.kz/b", "https://x.kz/other", (1, "https://x.kz/b")),  # a new target restarts
    (((301, "/long"),), "https://x.kz/" + "l" * 3000, None, (0, None)),  # too long to store: never counted
])
def test_only_consistent_permanent_redirects_to_a_storable_url_count(
        hops: tuple[tuple[int, str], ...], final: str, previous: str | None, expected: tuple[int, str | None]) -> None:
    assert health.permanent_redirects(hops, final, previous_target=previous, previous_count=2,
                                      max_url_bytes=2000) == expected


@pytest.mark.parametrize(("header", "seconds"), [
    ("public, max-age=600", 600),
    ("MAX-AGE = 60, must-revalidate", 60),
    ("no-cache", None),
    ("max-age=" + "9" * 5000, None),  # no int can hold it: no hint rather than a failed poll
    ("max-age=12345678901", None),  # more than nine digits
])
def test_cache_control_max_age(header: str, seconds: int | None) -> None:
    assert caching.max_age_s({"cache-control": header}) == seconds


def test_expires_is_a_date_or_no_hint() -> None:
    assert caching.expires_at({"expires": "Wed, 21 Oct 2026 07:28:00 GMT"}) == datetime(2026, 10, 21, 7, 28,
                                                                                        tzinfo=UTC)
    assert caching.expires_at({"expires": "0"}) is None
    assert caching.expires_at({"expires": "not a date"}) is None
    assert caching.expires_at({}) is None
    assert caching.max_age_s({}) is None
