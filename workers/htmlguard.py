"""Bound a decoded HTML page before lxml ever parses it (under trafilatura in the clean stage, directly in
feed discovery and listing pages).

Decisions, cheapest first, all linear in the page size:
- control characters (NUL etc.) are removed: lxml truncates or chokes on them, real pages carry strays;
- <script> (except JSON-LD, which holds dates and titles), <style>, <svg>, <template> and comments are
  cut out, and long data: URIs shortened: they are most of a page's bytes and none of its text;
- what remains above `max_html_bytes` → QuarantineError (no news article is that large);
- a tag with more than MAX_ATTRIBUTES attributes, or many tags with hundreds (Σ n² over tags above
  ATTRIBUTE_BUDGET) → QuarantineError: lxml is quadratic in attributes per tag (100k attributes took
  207 s; 1,000 take 10 ms, so 300 such tags take seconds). On the 181 pages of the extraction
  benchmark the most was 65 attributes on a tag and Σ n² at most 24k;
- nesting deeper than MAX_DEPTH (counted roughly on tags that need an end tag) → QuarantineError.
Hostile pages are quarantined rather than repaired: a page built to hurt a parser is not news.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.errors import QuarantineError

MAX_ATTRIBUTES = 1000
ATTRIBUTE_BUDGET = 25_000_000  # Σ n² over tags long enough to hold 200+ attributes (~0.25 s of lxml)
_COUNT_ABOVE_CHARS = 400  # a tag needs at least two characters per attribute
MAX_DEPTH = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATA_URI = re.compile(r"data:[^\s\"'>)]{256,}", re.IGNORECASE)
# Quoted values are collapsed first (a closing quote is found at most once per quote kind when it is
# missing, so this stays linear), then each attribute is a name with an optional bare value.
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ATTRIBUTE = re.compile(r"""[^\s"'>/=]+(?:\s*=\s*[^\s"'>=]*)?""")
_TAG_NAME = re.compile(r"/?([a-zA-Z][a-zA-Z0-9:-]*)")
_RAW_TEXT = ("script", "style", "svg", "template", "textarea", "noscript", "xmp", "iframe", "noembed")
_REMOVED = frozenset({"script", "style", "svg", "template"})
# Elements that never need (or often lack) an end tag: not counted in depth.
_VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr", "keygen")  # fmt: skip
_OPTIONAL_END = ("p", "li", "dt", "dd", "tr", "td", "th", "tbody", "thead", "tfoot", "option", "optgroup",
                 "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body")  # fmt: skip
_NO_DEPTH = frozenset(_VOID + _OPTIONAL_END)


@dataclass(frozen=True)
class Bounded:
    html: str
    removed_bytes: int
    control_chars: int
    max_depth: int
    max_attributes: int


def bound_html(html: str, *, max_bytes: int) -> Bounded:
    original = len(html)
    html, control = _CONTROL.subn("", html)
    html = _DATA_URI.sub("data:,", html)
    out: list[str] = []
    depth = max_depth = max_attrs = attr_cost = 0
    n = len(html)
    i = 0
    while i < n:
        lt = html.find("<", i)
        if lt < 0:
            out.append(html[i:])
            break
        out.append(html[i:lt])
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            i = n if end < 0 else end + 3
            continue
        gt = html.find(">", lt + 1)
        if gt < 0:
            out.append(html[lt:])
            break
        tag = html[lt : gt + 1]
        i = gt + 1
        m = _TAG_NAME.match(tag, 1)
        if m is None:
            out.append(tag)  # "<!doctype>", "<?xml ?>", or a lone "<" in text
            continue
        name = m.group(1).lower()
        closing = tag[1] == "/"
        if closing:
            if name not in _NO_DEPTH and depth > 0:
                depth -= 1
            out.append(tag)
            continue
        if len(tag) > _COUNT_ABOVE_CHARS:
            attrs = sum(1 for _ in _ATTRIBUTE.finditer(_QUOTED.sub("Q", tag[m.end() : -1])))
            max_attrs = max(max_attrs, attrs)
            attr_cost += attrs * attrs
            if attrs > MAX_ATTRIBUTES:
                raise QuarantineError(f"hostile markup: <{name}> with {attrs} attributes")
            if attr_cost > ATTRIBUTE_BUDGET:
                raise QuarantineError("hostile markup: too many tags with hundreds of attributes")
        if name in _RAW_TEXT:
            close = _find_close(html, name, i)
            body_end, after = (n, n) if close < 0 else (close, html.find(">", close) + 1 or n)
            if name in _REMOVED and not (name == "script" and "ld+json" in tag.lower()):
                i = after
                continue
            out.append(tag)
            out.append(html[i:body_end])
            out.append(html[body_end:after])
            i = after
            continue
        out.append(tag)
        if name not in _NO_DEPTH and not tag.endswith("/>"):
            depth += 1
            if depth > max_depth:
                max_depth = depth
                if depth > MAX_DEPTH:
                    raise QuarantineError(f"hostile markup: elements nested deeper than {MAX_DEPTH}")
    bounded = "".join(out)
    size = len(bounded.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise QuarantineError(f"page too large: {size} bytes of markup after stripping scripts > {max_bytes}")
    return Bounded(bounded, original - len(bounded), control, max_depth, max_attrs)


def _find_close(html: str, name: str, start: int) -> int:
    """Index of the "</name" closing a raw-text element, case-insensitively, or -1 (linear scan)."""
    needle = "</" + name
    pos = start
    while True:
        j = html.find("</", pos)
        if j < 0:
            return -1
        if html[j : j + len(needle)].lower() == needle:
            return j
        pos = j + 2
