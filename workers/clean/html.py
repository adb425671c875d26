"""Clean stage: an HTML page (bytes or str) → CleanDoc, via the guard, trafilatura and the text clean-up.

trafilatura runs once (`bare_extraction` with metadata) so the page is parsed a single time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import trafilatura

from workers.clean.text import TITLE_MAX_CHARS, dateline_date, finish, normalise_lines, strip_boilerplate
from workers.decoding.charset import decode_html
from workers.errors import PermanentError, QuarantineError
from workers.htmlguard import bound_html
from workers.models import CleanDoc
from workers.settings import Settings
from workers.urls import canonical_from_html, canonicalize

# favor_precision: measured on the article-extraction benchmark (bench/clean_quality.py).
FAVOR_PRECISION = False
# Raw input beyond this multiple of max_html_bytes is refused before decoding: even scripts and inline
# images do not make a news page that large, and every later step is linear in it.
RAW_SIZE_FACTOR = 3
# Below this many letters what trafilatura found is a menu or a caption, not an article (the shortest
# press releases, one sentence on a phone call, have about 50).
MIN_TEXT_LETTERS = 25

_NOT_HTML_TYPES = (
    "image/",
    "audio/",
    "video/",
    "application/pdf",
    "application/zip",
    "application/octet-stream",
)
_MARKUP = re.compile(r"<\s*(?:html|head|body|p|div|article|main|section|span|br|h[1-6]|table|a)\b", re.IGNORECASE)
_LANG_ATTR = re.compile(r"<html\b[^>]{0,500}?\blang\s*=\s*[\"']?([a-zA-Z]{2})", re.IGNORECASE)


def clean_html(body: bytes | str, *, settings: Settings, url: str | None = None,
               headers: Mapping[str, str] | None = None) -> CleanDoc:
    """Raise PermanentError for non-HTML or empty pages, QuarantineError for hostile or undecodable ones."""
    marks = settings.max_combining_marks
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    ctype = headers.get("content-type", "").lower()
    if ctype.startswith(_NOT_HTML_TYPES):
        raise PermanentError(f"not HTML: content-type {ctype}")
    if len(body) > RAW_SIZE_FACTOR * settings.max_html_bytes:
        raise QuarantineError(f"page too large: {len(body)} bytes/chars before any parsing")
    if isinstance(body, bytes | bytearray):
        if body[:5] == b"%PDF-":
            raise PermanentError("not HTML: a PDF document")
        html = decode_html(bytes(body), headers)
    else:
        html = body
    if not _MARKUP.search(html[:200_000]):
        raise PermanentError("not HTML: no markup found")

    bounded = bound_html(html, max_bytes=settings.max_html_bytes)
    doc: Any = trafilatura.bare_extraction(
        bounded.html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=FAVOR_PRECISION,
        # Publication date from markup and metadata only, not guessed from dates in the prose.
        date_extraction_params={"extensive_search": False, "original_date": True},
        output_format="python",
    )
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    if not text.strip():
        raise PermanentError("no article text found in the page")

    lines, removed = strip_boilerplate(normalise_lines(text, max_marks=marks))
    letters = sum(ch.isalpha() for line in lines for ch in line)
    if letters < MIN_TEXT_LETTERS:
        raise PermanentError(f"no article text: {letters} letters left after removing boilerplate")
    title = " ".join(normalise_lines(getattr(doc, "title", None) or "", max_marks=marks)) or None
    if title and len(title) > TITLE_MAX_CHARS:
        title = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]

    canonical: str | None = None
    if url:
        canonical = canonical_from_html(bounded.html, url)
        if canonical is None:
            try:
                canonical = canonicalize(url)
            except ValueError:
                canonical = None

    lang_hint = None
    m = _LANG_ATTR.search(bounded.html[:20_000])
    if m:
        lang_hint = m.group(1).lower()
    return finish(
        lines,
        removed,
        max_chars=settings.max_text_chars,
        title=title,
        published=_plausible_date(getattr(doc, "date", None)) or dateline_date(lines),
        canonical_url=canonical,
        language_hint=lang_hint,
    )


def _plausible_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return None
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    return d if date(1990, 1, 1) <= d <= tomorrow else None
