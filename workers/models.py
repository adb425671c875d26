"""Plain frozen data passed between stages; no Celery, no database, no library objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class HttpResponse:
    """One bounded, fully read HTTP response (body already decompressed within limits)."""

    url: str  # final URL after redirects followed by hand
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    elapsed_s: float
    redirects: tuple[tuple[int, str], ...] = ()  # (status, location) per hop, in order

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class FeedEntry:
    url: str  # canonical URL
    title: str | None = None
    published: datetime | None = None  # UTC, plausible (not in the future)
    guid: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: tuple[FeedEntry, ...]
    ttl_s: int | None = None  # RSS <ttl> or sy:updatePeriod/Frequency, in seconds
    warnings: tuple[str, ...] = ()  # tolerated problems (feedparser bozo on a usable feed)
    dropped: int = 0  # entries refused one by one (overlong or malformed link, overlong title)
    capped: int = 0  # entries left out over the per-poll cap (the oldest)


@dataclass(frozen=True)
class CleanDoc:
    """What `clean` makes of a page: the text every extraction offset refers to."""

    text: str
    title: str | None = None
    published: date | None = None
    language: str | None = None
    canonical_url: str | None = None
    content_hash: str = ""
    simhash: int = 0  # signed 64-bit, fits a Postgres bigint
    removed_lines: tuple[str, ...] = field(default_factory=tuple)
