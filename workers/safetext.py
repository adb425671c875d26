"""Text from outside, made safe to store and show: no controls, no direction overrides, no mark stacks.

Used wherever text enters (feed fields in `workers.feeds.parse`, page text in `workers.clean.text`),
so a name like "То\\u202eкаев" or a title drowned in combining marks never reaches extraction, the
database or a terminal. Stdlib only: a data-layer helper any stage may import.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional embeddings and overrides (U+202A-202E) and isolates (U+2066-2069): they reorder what a
# terminal, a CSV viewer or a browser shows ("То\u202eкаев" displays reversed) and carry no meaning in
# Russian text. U+200E/U+200F/U+061C (directional marks) are zero-width and go with them.
_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
# NUL and the other C0 controls but tab/newline/carriage return, DEL and the C1 controls, and lone
# surrogates (from "&#xD800;": Postgres cannot store them, psycopg cannot encode them).
_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_BIDI_ONLY = re.compile(f"[{_BIDI}]")
# Combining marks of the scripts we read (Latin, Cyrillic incl. titlo, the supplements and the half
# marks): a real letter carries at most two after NFC; "zalgo" text stacks hundreds on one letter.
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK_RUNS: dict[int, re.Pattern[str]] = {}

DEFAULT_MAX_MARKS = 3


def _mark_run(limit: int) -> re.Pattern[str]:
    pattern = _MARK_RUNS.get(limit)
    if pattern is None:
        # One pass, no backtracking: the first `limit` marks of a run are kept, the rest matched and dropped.
        pattern = _MARK_RUNS[limit] = re.compile(f"([{_MARKS}]{{{limit}}})[{_MARKS}]+")
    return pattern


def cap_marks(text: str, limit: int = DEFAULT_MAX_MARKS) -> str:
    """At most `limit` combining marks in a row (after NFC a real letter needs one or two)."""
    return _mark_run(max(limit, 0)).sub(r"\1", text) if limit > 0 else re.sub(f"[{_MARKS}]+", "", text)


def strip_bidi(text: str) -> str:
    return _BIDI_ONLY.sub("", text)


def safe_text(text: str, *, max_marks: int = DEFAULT_MAX_MARKS) -> str:
    """NFC, without controls (but tab and line breaks), lone surrogates or direction controls, and
    with stacks of combining marks cut to `max_marks`. Lone surrogates go first: NFC cannot take them."""
    text = _UNSAFE.sub("", text)
    return cap_marks(unicodedata.normalize("NFC", text), max_marks)


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character `safe_text` would remove (controls, surrogates, direction controls)."""
    return _UNSAFE.search(text) is not None
