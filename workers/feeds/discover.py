"""Feeds stage: find a site's feeds in its HTML (and robots.txt), and read HTML listing pages.

discover_feeds → candidate feeds as dicts {url, kind, title, via}; listing_links → the canonical
article URLs of a listing page whose URL matches the feed's pattern. Pages are bounded
(workers.htmlguard) before lxml parses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from workers.decoding.charset import decode_html
from workers.errors import PermanentError
from workers.htmlguard import bound_html
from workers.settings import Settings
from workers.urls import canonicalize

MAX_LINKS = 1000

_FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
}
# Anchors that usually point at a feed: /rss, /feed, /atom, *.rss, rss.xml, /rss/news ...
_FEED_HREF = re.compile(r"(?:^|/)(?:rss|feeds?|atom)(?:[/._-]|$)|\.rss$|\.atom$|[/_-]rss[^/]*\.xml$", re.IGNORECASE)
_SITEMAP_HREF = re.compile(r"sitemap[^/]*\.xml(?:\.gz)?$", re.IGNORECASE)
_NEWS_SITEMAP = re.compile(r"news", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def _document(html: bytes | str, max_html_bytes: int, headers: Mapping[str, str] | None = None) -> Any:
    text = decode_html(html, headers or {}) if isinstance(html, bytes | bytearray) else html
    bounded = bound_html(text, max_bytes=max_html_bytes).html
    bounded = _XML_DECL.sub("", bounded)  # lxml refuses str input that declares an encoding
    if not bounded.strip():
        return None
    try:
        return lxml.html.document_fromstring(bounded)
    except (lxml.etree.ParserError, ValueError):
        return None


def _base(doc: Any, base_url: str) -> str:
    for href in doc.xpath("//base/@href")[:1]:
        try:
            return canonicalize(str(href), base=base_url)
        except ValueError:
            break
    return base_url


def discover_feeds(html: bytes | str, base_url: str, *, settings: Settings) -> list[dict[str, str | None]]:
    """Feeds a page announces or links to, best evidence first, each URL once."""
    doc = _document(html, settings.max_html_bytes)
    if doc is None:
        return []
    base = _base(doc, base_url)
    found: dict[str, dict[str, str | None]] = {}

    def add(href: str, kind: str, title: str | None, via: str) -> None:
        try:
            url = canonicalize(href, base=base)
        except ValueError:
            return
        found.setdefault(url, {"url": url, "kind": kind, "title": title, "via": via})

    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        ctype = (link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if not href:
            continue
        if "alternate" in rels and ctype in _FEED_TYPES:
            add(href, _FEED_TYPES[ctype], (link.get("title") or None), "link-alternate")
        elif "sitemap" in rels:
            add(href, "sitemap", link.get("title") or None, "link-sitemap")
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        path = urlsplit(href).path
        title = " ".join(a.text_content().split()) or None
        if _FEED_HREF.search(path):
            add(href, "atom" if "atom" in path.lower() else "rss", title, "anchor")
        elif _SITEMAP_HREF.search(path):
            add(href, "sitemap", title, "anchor-sitemap")
        if len(found) >= MAX_LINKS:
            break
    order = {"link-alternate": 0, "link-sitemap": 1, "anchor": 2, "anchor-sitemap": 3}
    return sorted(found.values(), key=lambda d: order.get(str(d["via"]), 9))


def sitemaps_from_robots(robots_txt: str, base_url: str) -> list[dict[str, str | None]]:
    """`Sitemap:` lines of robots.txt; news sitemaps (Google News) first."""
    out: list[dict[str, str | None]] = []
    for m in _ROBOTS_SITEMAP.finditer(robots_txt[:500_000]):
        try:
            url = canonicalize(m.group(1), base=base_url)
        except ValueError:
            continue
        if all(d["url"] != url for d in out):
            news = bool(_NEWS_SITEMAP.search(urlsplit(url).path))
            out.append({"url": url, "kind": "sitemap", "title": "news" if news else None, "via": "robots"})
    return sorted(out, key=lambda d: d["title"] != "news")


def listing_links(html: bytes | str, base_url: str, pattern: str, *, settings: Settings) -> list[str]:
    """Canonical absolute links of a listing page whose URL matches `pattern` (re.search), in page order."""
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise PermanentError(f"bad listing pattern {pattern!r}: {exc}") from exc
    doc = _document(html, settings.max_html_bytes)
    if doc is None:
        return []
    base = _base(doc, base_url)
    links: list[str] = []
    seen: set[str] = set()
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        try:
            url = canonicalize(href, base=base)
        except ValueError:
            continue
        if url in seen or not rx.search(url):
            continue
        seen.add(url)
        links.append(url)
        if len(links) >= MAX_LINKS:
            break
    return links
