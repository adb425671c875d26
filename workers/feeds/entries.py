"""Feeds stage: the entries of one polled response, whatever kind of source it is.

RSS/Atom go through `parse_feed`; a press service without a feed is read as an HTML listing page
(links whose path matches the feed's pattern) or as a (Google News) sitemap.
"""

from __future__ import annotations

import re

from workers.errors import PermanentError
from workers.feeds.canonical import canonicalize
from workers.feeds.parse import parse_feed, reject_entity_declarations
from workers.models import FeedEntry, HttpResponse, ParsedFeed

_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
_SITEMAP_CAP = 5000


def read_entries(kind: str, resp: HttpResponse, *, pattern: str | None = None) -> ParsedFeed:
    if kind in ("rss", "atom"):
        return parse_feed(resp.body, url=resp.url, headers=resp.headers)
    if kind == "listing":
        if not pattern:
            raise PermanentError("a listing feed needs a link pattern")
        from workers.feeds.discover import listing_links

        links = listing_links(resp.body, resp.url, pattern)
        return ParsedFeed(title=None, entries=tuple(FeedEntry(url=u) for u in links))
    if kind == "sitemap":
        return _sitemap(resp)
    raise PermanentError(f"unknown feed kind {kind!r}")


def _sitemap(resp: HttpResponse) -> ParsedFeed:
    reject_entity_declarations(resp.body)
    urls: list[str] = []
    for raw in _LOC.findall(resp.body)[:_SITEMAP_CAP]:
        try:
            url = canonicalize(raw.decode("utf-8").replace("&amp;", "&"), resp.url)
        except (UnicodeDecodeError, ValueError):
            continue
        if url.startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    if not urls:
        raise PermanentError("sitemap lists no URLs")
    return ParsedFeed(title=None, entries=tuple(FeedEntry(url=u) for u in urls))
