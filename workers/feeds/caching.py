"""HTTP caching headers of a feed's response, read as hints for the next poll (`schedule.next_interval_s`).

Pure functions on the response's headers (lower-cased names). A hostile or broken header reads as no hint:
it must never fail a poll.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

# ASCII digits, at most 9: int() of 5,000 digits raises (a hostile header would fail every poll).
_MAX_AGE = re.compile(r"max-age\s*=\s*([0-9]{1,9})(?![0-9])", re.IGNORECASE)


def max_age_s(headers: Mapping[str, str]) -> int | None:
    """Cache-Control max-age in seconds, if the header states one."""
    found = _MAX_AGE.search(headers.get("cache-control", ""))
    return int(found.group(1)) if found else None


def expires_at(headers: Mapping[str, str]) -> datetime | None:
    """The Expires header as a datetime, None when absent or not a date."""
    try:
        return parsedate_to_datetime(headers["expires"]) if headers.get("expires") else None
    except (TypeError, ValueError):
        return None
