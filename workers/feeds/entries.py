"""Feeds stage: the entries of one polled response, whatever kind of source it is.

RSS/Atom go through `parse_feed`; a press service without a feed is read as an HTML listing page
(links whose path matches the feed's pattern) or as a (Google News) sitemap.
Whatever the kind, one poll yields at most `max_entries_per_poll` entries, the newest.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, datetime

from workers.errors import PermanentError
from workers.feeds.discover import listing_links
from workers.feeds.parse import link_problem, parse_feed, reject_entity_declarations
from workers.models import FeedEntry, HttpResponse, ParsedFeed
from workers.settings import Settings
from workers.urls import canonicalize

log = logging.getLogger(__name__)

_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
_SITEMAP_CAP = 5000


def read_entries(kind: str, resp: HttpResponse, *, settings: Settings, pattern: str | None = None) -> ParsedFeed:
    return cap_entries(_screen(_read(kind, resp, pattern, settings), settings), settings.max_entries_per_poll)


def _screen(parsed: ParsedFeed, s: Settings) -> ParsedFeed:
    """Drop, and count, entries whose link cannot be stored (listing pages and sitemaps too)."""
    kept = tuple(e for e in parsed.entries if link_problem(e.url, s) is None)
    bad = len(parsed.entries) - len(kept)
    if not bad:
        return parsed
    return replace(parsed, entries=kept, dropped=parsed.dropped + bad,
                   warnings=(*parsed.warnings, f"{bad} entries dropped: link too long or with odd characters"))


def _read(kind: str, resp: HttpResponse, pattern: str | None, settings: Settings) -> ParsedFeed:
    if kind in ("rss", "atom"):
        return parse_feed(resp.body, url=resp.url, headers=resp.headers, settings=settings)
    if kind == "listing":
        if not pattern:
            raise PermanentError("a listing feed needs a link pattern")
        links = listing_links(resp.body, resp.url, pattern, settings=settings)
        return ParsedFeed(title=None, entries=tuple(FeedEntry(url=u) for u in links))
    if kind == "sitemap":
        return _sitemap(resp)
    raise PermanentError(f"unknown feed kind {kind!r}")


_UNDATED = datetime.min.replace(tzinfo=UTC)


def cap_entries(parsed: ParsedFeed, limit: int) -> ParsedFeed:
    """At most `limit` entries, the newest (undated ones after the dated, feed order otherwise), kept in
    feed order. A feed listing 100,000 entries would otherwise send 100,000 pages to fetch in one poll."""
    entries = parsed.entries
    if len(entries) <= limit:
        return parsed
    # sorted() is stable: among equal dates (or none) the feed's own order decides, which lists news first.
    newest = sorted(range(len(entries)), key=lambda i: entries[i].published or _UNDATED, reverse=True)[:limit]
    kept = tuple(entries[i] for i in sorted(newest))
    over = len(entries) - limit
    log.warning("feed lists more entries than one poll takes", extra={"entries": len(entries), "kept": limit})
    warning = f"{over} entries over the cap of {limit} per poll left out (the oldest)"
    return replace(parsed, entries=kept, capped=over, warnings=(*parsed.warnings, warning))


def _sitemap(resp: HttpResponse) -> ParsedFeed:
    reject_entity_declarations(resp.body)
    urls: list[str] = []
    seen: set[str] = set()
    for raw in _LOC.findall(resp.body)[:_SITEMAP_CAP]:
        try:
            url = canonicalize(raw.decode("utf-8").replace("&amp;", "&"), resp.url)
        except (UnicodeDecodeError, ValueError):
            continue
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            urls.append(url)
    if not urls:
        raise PermanentError("sitemap lists no URLs")
    return ParsedFeed(title=None, entries=tuple(FeedEntry(url=u) for u in urls))
