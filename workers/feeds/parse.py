"""Feeds stage: feed bytes (RSS 0.9x/1.0/2.0, Atom) → ParsedFeed with canonical entry URLs.

Only bytes go to feedparser (a string would make it fetch URLs or read files), entity declarations
are refused before it sees them (it expands quadratic blowups), and the body size is capped.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from workers.errors import PermanentError
from workers.feeds.canonical import canonicalize
from workers.feeds.dates import from_struct_time, parse_ru_datetime, plausible
from workers.models import FeedEntry, ParsedFeed
from workers.settings import get_settings

# NUL-tolerant so UTF-16/UTF-32 spellings are caught too.
_ENTITY_DECL = re.compile(rb"<\x00*!\x00*E\x00*N\x00*T\x00*I\x00*T\x00*Y", re.IGNORECASE)
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_WS = re.compile(r"\s+")

SUMMARY_MAX_CHARS = 2000

_PERIOD_S = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}


def reject_entity_declarations(body: bytes) -> None:
    """Raise PermanentError when the document declares entities (DOCTYPE internal subset).

    Entity declarations are legal only in the DTD, never needed by a real feed, and feedparser
    expands a quadratic blowup. The search covers the whole body minus CDATA sections (where the
    text "<!ENTITY" is harmless article text); it also tries the EBCDIC reading feedparser supports.
    """
    if _ENTITY_DECL.search(_CDATA.sub(b"", body)):
        raise PermanentError("feed declares XML entities (<!ENTITY): refused before parsing")
    if body[:4] == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        text = body.decode("cp037", errors="replace").upper()
        if "<!ENTITY" in text:
            raise PermanentError("feed declares XML entities (<!ENTITY): refused before parsing")


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str]) -> ParsedFeed:
    if not isinstance(body, bytes | bytearray):
        raise TypeError("parse_feed takes the feed body as bytes, never a URL or a path")
    body = bytes(body)
    limit = get_settings().max_feed_bytes
    if len(body) > limit:
        raise PermanentError(f"feed too large: {len(body)} bytes > {limit}")
    if not body.strip():
        raise PermanentError("empty feed body")
    reject_entity_declarations(body)

    response_headers = {k.lower(): v for k, v in headers.items()}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=response_headers, sanitize_html=True)

    warnings: list[str] = []
    if _get(parsed, "bozo"):
        warnings.append(f"bozo: {_reason(parsed)}")

    raw_entries = _get(parsed, "entries") or []
    if not raw_entries:
        if not _get(parsed, "version") and _looks_like_html(body, response_headers):
            raise PermanentError("not a feed: the body is an HTML page")
        if _get(parsed, "bozo"):
            raise PermanentError(f"unparseable feed: {_reason(parsed)}")
        if not _get(parsed, "version"):
            raise PermanentError("not a feed: no RSS/Atom root element")

    now = datetime.now(UTC)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    linkless: list[int] = []
    for i, raw in enumerate(raw_entries):
        link = _entry_link(raw, url)
        if link is None:
            linkless.append(i)
            continue
        if link in seen:
            continue
        seen.add(link)
        entries.append(
            FeedEntry(
                url=link,
                title=_plain(_get(raw, "title")) or None,
                published=_entry_date(raw, now),
                guid=(_get(raw, "id") or None),
                summary=_plain(_get(raw, "summary"))[:SUMMARY_MAX_CHARS] or None,
            )
        )

    if linkless:
        shown = ", ".join(map(str, linkless[:10])) + (", ..." if len(linkless) > 10 else "")
        warnings.append(f"{len(linkless)} entries without a usable http(s) link skipped (#{shown})")
    feed = _get(parsed, "feed") or {}
    return ParsedFeed(
        title=_plain(_get(feed, "title")) or None,
        entries=tuple(entries),
        ttl_s=_ttl_s(feed),
        warnings=tuple(warnings),
    )


def _get(d: Any, key: str, default: Any = None) -> Any:
    """Plain dict lookup: FeedParserDict.get maps updated↔published with a DeprecationWarning."""
    return dict.get(d, key, default)


def _reason(parsed: Any) -> str:
    exc = _get(parsed, "bozo_exception")
    return f"{type(exc).__name__}: {exc}"[:300] if exc is not None else "unknown"


def _looks_like_html(body: bytes, headers: Mapping[str, str]) -> bool:
    ctype = headers.get("content-type", "").lower()
    if "html" in ctype and "xhtml+xml" not in ctype:
        return True
    head = body[:4096].replace(b"\x00", b"")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return bool(_HTML_START.match(head))


def _entry_link(raw: Any, feed_url: str) -> str | None:
    candidates: list[str] = []
    if _get(raw, "link"):
        candidates.append(raw["link"])
    for link in _get(raw, "links") or []:
        if _get(link, "rel", "alternate") == "alternate" and _get(link, "href"):
            candidates.append(link["href"])
    # A guid stands in for a missing link only when it is an absolute http(s) URL (RSS 2.0 calls
    # every guid a permalink by default, but "n-1" is no address).
    guid = str(_get(raw, "id") or "")
    if guid.lower().startswith(("http://", "https://")):
        candidates.append(guid)
    for cand in candidates:
        cand = cand.strip()
        if not cand:
            continue
        try:
            return canonicalize(cand, base=feed_url)
        except ValueError:
            continue
    return None


def _entry_date(raw: Any, now: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        dt = plausible(from_struct_time(_get(raw, key)), now)
        if dt is not None:
            return dt
    for key in ("published", "updated", "created"):
        text = _get(raw, key)
        if text:
            dt = plausible(parse_ru_datetime(text), now)
            if dt is not None:
                return dt
    return None


def _plain(value: Any) -> str:
    """Feed text fields may carry (sanitised) HTML: keep the words only."""
    if not value:
        return ""
    text = html.unescape(_TAG.sub(" ", str(value)))
    return _WS.sub(" ", text).strip()


def _ttl_s(feed: Any) -> int | None:
    ttl = str(_get(feed, "ttl") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        return int(ttl) * 60
    period = str(_get(feed, "sy_updateperiod") or "").strip().lower()
    if period in _PERIOD_S:
        freq_text = str(_get(feed, "sy_updatefrequency") or "1").strip()
        freq = int(freq_text) if freq_text.isdigit() and int(freq_text) > 0 else 1
        return max(1, _PERIOD_S[period] // freq)
    return None
