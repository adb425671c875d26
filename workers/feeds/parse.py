"""Feeds stage: feed bytes (RSS 0.9x/1.0/2.0, Atom) → ParsedFeed with canonical entry URLs.

Only bytes go to feedparser (a string would make it fetch URLs or read files), a DTD with an internal
subset or entity declarations is refused before it sees them (it expands quadratic blowups), judged on
the text feedparser itself decodes, and the body size is capped. Each entry is checked on its own: a
bad one is dropped and counted, never the whole feed; every stored text field is cleaned and capped.
"""

from __future__ import annotations

import codecs
import html
import io
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from workers.dates import from_struct_time, parse_ru_datetime, plausible
from workers.errors import PermanentError
from workers.models import FeedEntry, ParsedFeed
from workers.safetext import safe_text
from workers.settings import Settings
from workers.urls import canonicalize

# NUL-tolerant so UTF-16/UTF-32 spellings are caught too.
_ENTITY_DECL = re.compile(rb"<\x00*!\x00*E\x00*N\x00*T\x00*I\x00*T\x00*Y", re.IGNORECASE)
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_WS = re.compile(r"\s+")
# The split feedparser's replace_doctype makes: what comes before the first element is where it
# collects <!ENTITY declarations for its loose parser.
_FIRST_ELEMENT = re.compile(rb"<\w")
# A DOCTYPE whose declaration opens an internal subset ("["), quoted literals skipped (they may hold
# ">" or "<"). Matched at one position only, and each byte has one way to match: linear.
_DOCTYPE_SUBSET = re.compile(rb"""<!DOCTYPE(?:[^>\["']|"[^"]*"|'[^']*')*\[""", re.IGNORECASE)
_PROLOG_SPACE = re.compile(rb"[ \t\r\n]*")
# 7-bit encodings that spell "<" without the byte "<" (UTF-7 writes it "+ADw-") or switch character
# sets with escapes: no feed we read uses them, and they hide markup from any byte-level check.
_REFUSED_CODECS = frozenset({"utf-7", "hz"})
_MARKUP_CHARS = "<!>[]&;\"'"
# Character references, to check before feedparser expands them: it raises on "&#xD800;" (a surrogate)
# and on 5,000 digits, and passes "&#0;" through to a NUL Postgres cannot store.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# Numbers in feeds (ttl minutes, sy:updateFrequency): ASCII digits, no more than this many.
_MAX_DIGITS = 9

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


def _prolog_subset(data: bytes) -> bool:
    """Whether the XML prolog (XML declaration, comments, PIs, then DOCTYPE) opens an internal subset.

    Walks the prolog as an XML parser does, so a "<![CDATA[" or a "<" inside a comment or a PI hides
    nothing; stops at the first thing that is not prolog (the root element, or garbage).
    """
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        i = _PROLOG_SPACE.match(data, i).end()  # type: ignore[union-attr]  # matches the empty string too
        if data.startswith(b"<?", i):
            end, skip = data.find(b"?>", i + 2), 2
        elif data.startswith(b"<!--", i):
            end, skip = data.find(b"-->", i + 4), 3
        elif data[i:i + 9].upper() == b"<!DOCTYPE":
            return _DOCTYPE_SUBSET.match(data, i) is not None
        else:
            return False
        if end < 0:
            return False
        i = end + skip


def reject_dtd(decoded: bytes) -> None:
    """Refuse a DOCTYPE with an internal subset, or entity declarations, in the UTF-8 bytes feedparser parses.

    `decoded` is feedparser's own conversion of the body (`convert_to_utf8`), so the check sees what its
    strict parser (expat: the prolog) and its loose parser (entities declared before the first element)
    will see, whatever encoding or comment trick the raw bytes used.
    """
    if _prolog_subset(decoded):
        raise PermanentError("feed has a DOCTYPE with an internal subset (<!DOCTYPE ... [): refused before parsing")
    first = _FIRST_ELEMENT.search(decoded)
    head = decoded[:first.start()] if first else decoded
    if _ENTITY_DECL.search(head):
        raise PermanentError("feed declares XML entities (<!ENTITY): refused before parsing")


def _charref(m: re.Match[bytes]) -> bytes:
    """A character reference as it is, or nothing when it names no character text may hold."""
    hex_digits, digits = m.group(1), m.group(2)
    text = (hex_digits or digits).lstrip(b"0")
    if len(text) > 7:
        return b""
    code = int(text or b"0", 16 if hex_digits else 10)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (code < 0x20 and code not in (0x9, 0xA, 0xD)):
        return b""
    return m.group(0)


def _refused_encoding(name: str | None) -> str | None:
    """Why a feed in this encoding is refused, or None: only ASCII-compatible encodings and UTF-16/32."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return f"unknown encoding {name!r}"
    if codec.startswith(("utf-16", "utf-32")):
        return None
    if codec in _REFUSED_CODECS or codec.startswith("iso2022"):
        return f"encoding {name!r} is not used by feeds"
    try:
        compatible = _MARKUP_CHARS.encode(codec) == _MARKUP_CHARS.encode("ascii")
    except (UnicodeError, LookupError):
        compatible = False
    return None if compatible else f"encoding {name!r} spells markup differently from ASCII"


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str], settings: Settings) -> ParsedFeed:
    if not isinstance(body, bytes | bytearray):
        raise TypeError("parse_feed takes the feed body as bytes, never a URL or a path")
    body = bytes(body)
    limit = settings.max_feed_bytes
    if len(body) > limit:
        raise PermanentError(f"feed too large: {len(body)} bytes > {limit}")
    if not body.strip():
        raise PermanentError("empty feed body")
    reject_entity_declarations(body)

    response_headers = {k.lower(): v for k, v in headers.items()}
    # The same conversion feedparser.parse makes first (it is deterministic): judge its output.
    sniffed: dict[str, Any] = {}
    reject_dtd(convert_to_utf8(dict(response_headers), body, sniffed))
    if refused := _refused_encoding(sniffed.get("encoding")):
        raise PermanentError(f"feed refused: {refused}")
    if not str(sniffed.get("encoding") or "").lower().startswith(("utf-16", "utf-32")):
        body = _CHARREF.sub(_charref, body)
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

    s = settings
    now = datetime.now(UTC)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    linkless: list[int] = []
    dropped: Counter[str] = Counter()
    for i, raw in enumerate(raw_entries):
        try:
            link = _entry_link(raw, url)
            if link is None:
                linkless.append(i)
                continue
            entry = _entry(raw, link, now, s)
        except Exception:  # one unreadable entry must never cost the feed its other entries
            dropped["unreadable"] += 1
            continue
        if isinstance(entry, str):
            dropped[entry] += 1
            continue
        if link in seen:
            continue
        seen.add(link)
        entries.append(entry)

    if linkless:
        shown = ", ".join(map(str, linkless[:10])) + (", ..." if len(linkless) > 10 else "")
        warnings.append(f"{len(linkless)} entries without a usable http(s) link skipped (#{shown})")
    if dropped:
        warnings.append(f"{sum(dropped.values())} entries dropped: "
                        + ", ".join(f"{n} {why}" for why, n in sorted(dropped.items())))
    feed = _get(parsed, "feed") or {}
    return ParsedFeed(
        title=_text(_get(feed, "title"), s)[:s.max_feed_field_chars] or None,
        entries=tuple(entries),
        ttl_s=_ttl_s(feed),
        warnings=tuple(warnings),
        dropped=sum(dropped.values()),
    )


# The characters a canonical URL may hold: canonicalize percent-encodes everything else.
_URL_CHARS = re.compile(r"[\x21-\x7e]+")


def link_problem(link: str, s: Settings) -> str | None:
    """Why a (canonical) entry link cannot be stored, or None: too long for the url index, or odd characters."""
    if len(link.encode("utf-8", "surrogatepass")) > s.max_entry_url_bytes:
        return f"link over {s.max_entry_url_bytes} bytes"
    if not _URL_CHARS.fullmatch(link):
        return "link with control or non-ASCII characters"
    return None


def _entry(raw: Any, link: str, now: datetime, s: Settings) -> FeedEntry | str:
    """The entry, or why it is dropped (a short reason, counted per poll)."""
    if problem := link_problem(link, s):
        return problem
    title = _text(_get(raw, "title"), s)
    if len(title) > s.max_entry_title_chars:
        return f"title over {s.max_entry_title_chars} characters"
    guid = _text(_get(raw, "id"), s)
    return FeedEntry(
        url=link,
        title=title or None,
        published=_entry_date(raw, now),
        guid=guid[:s.max_feed_field_chars] or None,
        summary=_text(_get(raw, "summary"), s)[:s.max_feed_field_chars] or None,
    )


def _text(value: Any, s: Settings) -> str:
    """A feed text field as plain words, without controls, surrogates, direction overrides or mark stacks."""
    return _WS.sub(" ", safe_text(_plain(value), max_marks=s.max_combining_marks)).strip()


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


def _count(value: Any) -> int | None:
    """A positive whole number written in ASCII digits ("²" and "٣" are digits to isdigit(), and int()
    of 5,000 digits raises), or None."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if number > 0 else None


def _ttl_s(feed: Any) -> int | None:
    ttl = _count(_get(feed, "ttl"))
    if ttl is not None:
        return ttl * 60
    period = str(_get(feed, "sy_updateperiod") or "").strip().lower()
    if period in _PERIOD_S:
        freq = _count(_get(feed, "sy_updatefrequency")) or 1
        return max(1, _PERIOD_S[period] // freq)
    return None
