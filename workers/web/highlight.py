"""Marking untrusted press text: everything is escaped first, then only our own <mark> tags go in.

The evidence of a report is marked by its offsets into the cleaned text when they still point at it, else
where its text is found; search snippets come from ts_headline with private-use characters as the marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

START, STOP = "\ue000", "\ue001"  # the page asks ts_headline for these marks (private-use: never in text)


@dataclass(frozen=True)
class Marked:
    html: Markup
    found: bool  # False: the evidence is not in this text (re-cleaned since), shown on its own instead


def _norm(text: str) -> str:
    return " ".join(text.split())


def locate(text: str, start: int | None, end: int | None, evidence: str | None) -> tuple[int, int] | None:
    """Where the evidence is in the text: its offsets if they still hold, else its first occurrence."""
    if (start is not None and end is not None and 0 <= start < end <= len(text)
            and (not evidence or _norm(text[start:end]) == _norm(evidence))):
        return start, end
    if evidence:
        at = text.find(evidence)
        if at >= 0:
            return at, at + len(evidence)
    return None


def mark(text: str, start: int | None, end: int | None, evidence: str | None, anchor: str = "evidence") -> Marked:
    """The whole text, escaped, with the evidence in <mark id=anchor>."""
    where = locate(text, start, end, evidence)
    if where is None:
        return Marked(escape(text), False)
    a, b = where
    html = escape(text[:a]) + Markup(f'<mark id="{anchor}">') + escape(text[a:b]) + Markup("</mark>") + escape(text[b:])
    return Marked(Markup(html), True)


def window(before: str | None, marked: str | None, after: str | None) -> Markup:
    """A few hundred characters around the evidence (web_report_windows), escaped, the evidence marked."""
    lead = "…" if before and len(before) > 0 else ""
    return Markup(escape(lead + (before or "")) + Markup("<mark>") + escape(marked or "") + Markup("</mark>")
                  + escape((after or "") + ("…" if after else "")))


def snippet(text: str | None) -> Markup:
    """A ts_headline snippet: escaped, its private-use marks turned into <mark> (dropped when unbalanced)."""
    text = " ".join((text or "").split())
    opened = text.count(START)
    if opened != text.count(STOP):
        return escape(text.replace(START, "").replace(STOP, ""))
    return Markup(str(escape(text)).replace(START, "<mark>").replace(STOP, "</mark>"))
