"""From a feed's stored history and the last response to the next poll interval (workers.feeds.schedule)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from psycopg import Connection

from workers.db import QUERIES
from workers.feeds.schedule import Poll, PollHistory, is_quiet, next_interval_s, typical_gap_s, zone_for_country
from workers.models import HttpResponse, ParsedFeed
from workers.settings import Settings

# ASCII digits, at most 9: int() of 5,000 digits raises (a hostile header would fail every poll).
_MAX_AGE = re.compile(r"max-age\s*=\s*([0-9]{1,9})(?![0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class Interval:
    interval_s: int
    typical_gap_s: int | None
    quiet: bool


def _expires(headers: Any) -> datetime | None:
    try:
        return parsedate_to_datetime(headers["expires"]) if headers.get("expires") else None
    except (TypeError, ValueError):
        return None


def next_poll_interval(conn: Connection[Any], feed: dict[str, Any], resp: HttpResponse,
                       parsed: ParsedFeed | None, *, new_entries: int, settings: Settings) -> Interval:
    now = datetime.now(UTC)
    polls = [Poll(r["at"], r["entries"], r["new_entries"])
             for r in conn.execute(QUERIES["recent_polls"], {"feed_id": feed["id"]}).fetchall()]
    if parsed is not None:
        polls.append(Poll(now, len(parsed.entries), new_entries))
    times = [r["at"] for r in conn.execute(QUERIES["recent_publish_times"], {"feed_id": feed["id"]}).fetchall()]
    history = PollHistory(polls=tuple(polls), publish_times=tuple(times), zone=zone_for_country(feed["country"]))
    max_age = _MAX_AGE.search(resp.headers.get("cache-control", ""))
    interval = next_interval_s(
        history, now=now, ttl_s=parsed.ttl_s if parsed else None,
        cache_max_age_s=int(max_age.group(1)) if max_age else None, expires_at=_expires(resp.headers),
        default_s=feed["poll_interval_s"], settings=settings,
    )
    gap = typical_gap_s(times)
    last_new = now if new_entries else feed["last_new_at"]
    return Interval(interval, int(gap) if gap else None, is_quiet(last_new, gap, now))
