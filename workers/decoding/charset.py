"""Decoding: page bytes + HTTP headers → text, or QuarantineError when no clean decoding exists (fetch, clean
and feed discovery all decode through `decode_html`).

Order: BOM, then valid UTF-8, then the declared charset (HTTP header, <meta> in the head), then
detection among windows-1251 and KOI8-R by Russian letter frequency; finally mojibake repair
(UTF-8 bytes once read as windows-1251 or latin-1). Every decode is strict: never a lossy U+FFFD.
"""

from __future__ import annotations

import codecs
import contextlib
import math
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from workers.errors import QuarantineError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w:.+-]+)", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]*?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"charset\s*=\s*[\"']?\s*([\w:.+-]+)", re.IGNORECASE)
HEAD_SCAN_BYTES = 4096  # how far past the start of <head> a <meta> declaration is looked for
SINGLE_BYTE_CYRILLIC = ("windows-1251", "koi8-r")
OTHER_CYRILLIC = ("iso8859-5", "cp866", "mac-cyrillic", "kz1048")

# Relative frequency of Russian letters in ordinary prose (per mille), used to tell which of
# several single-byte decodings produced Russian and which produced letter soup.
_FREQ = dict(zip(
    "оеаинтсрвлкмдпуяызьгбчйхжшюцщэфъё",
    (110, 85, 80, 74, 67, 63, 55, 47, 45, 44, 35, 32, 30, 28, 26, 20, 19, 17, 17, 17, 16, 14, 12, 10,
     9, 7, 6, 5, 4, 3, 3, 1, 1),
    strict=True,
))
PLAUSIBLE_RUSSIAN = -4.5  # Russian prose scores about -3, Ukrainian/Kazakh about -3.8, soup below -5
_RARE = 0.05  # per mille, for Cyrillic letters that are not Russian (Serbian, Ukrainian, ...)
_CYRILLIC_RUN = re.compile(r"[\u0400-\u04ff]+")
_RARE_LOG = math.log(_RARE / 1000)
_LOG_WEIGHT = {chr(c): math.log(_FREQ.get(chr(c).lower(), _RARE) / 1000) for c in range(0x400, 0x500)}
_CYRILLIC_UPPER = frozenset(chr(c) for c in range(0x400, 0x500) if chr(c).isupper())
_SMALL = "".join(chr(c) for c in range(0x400, 0x500) if chr(c).islower())
_CAPITAL_AFTER_SMALL = re.compile(f"[a-z{_SMALL}][{''.join(sorted(_CYRILLIC_UPPER))}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_CONTROL_FRACTION = 0.002
MAX_SOURCE_REPLACEMENTS = 3  # U+FFFD already present in the source text
SAMPLE_CHARS = 120_000  # characters the letter statistics look at
MAX_PATCHED_FRACTION = 0.05  # invalid bytes a "UTF-8 with cp1251 fragments" page may have
MAX_JUNK_FRACTION = 0.15  # non-ASCII symbols (not letters) a single-byte decoding may produce
_TYPOGRAPHY = set("«»„“”‘’‚—–…№•·°§©®™€‰†‡\u00a0\u00ad")


# Labels seen on real pages that Python's codec registry does not know (WHATWG Encoding aliases and
# common misspellings).
_LABELS = {
    "win-1251": "windows-1251", "win1251": "windows-1251", "windows1251": "windows-1251",
    "x-cp1251": "windows-1251", "koi8r": "koi8-r", "koi8": "koi8-r", "koi": "koi8-r",
    "x-mac-cyrillic": "mac-cyrillic", "unicode": "utf-8", "x-unicode20utf8": "utf-8",
}


def _normalize(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABELS.get(label, label)).name
    except LookupError:
        return None
    # HTML: a page that declares UTF-16 in ASCII-compatible bytes is really UTF-8; latin-1 means 1252.
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    # WHATWG: latin-1 and ASCII labels mean windows-1252; GB2312/GBK labels mean GB18030 (a superset).
    return {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "cp1251": "windows-1251",
            "gb2312": "gb18030", "gbk": "gb18030"}.get(name, name)


def _meta_charset(body: bytes) -> str | None:
    head = body.lower().find(b"<head", 0, 16384)
    start = max(head, 0)
    window = body[: start + HEAD_SCAN_BYTES]
    for tag in _META.finditer(window):
        match = _META_CHARSET.search(tag.group())
        if match:
            return _normalize(match.group(1).decode("ascii", "replace"))
    return None


def declared_charset(body: bytes, headers: Mapping[str, str]) -> str | None:
    """The charset the server or the page claims (HTTP header first), normalised; None if none/unknown."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    match = _HEADER_CHARSET.search(content_type)
    return (_normalize(match.group(1)) if match else None) or _meta_charset(body)


def _sample(text: str) -> str:
    """At most SAMPLE_CHARS of `text`, from evenly spaced places: the statistics below are per
    character, and a pure-Python pass over a 5 MB page would cost seconds per candidate."""
    if len(text) <= SAMPLE_CHARS:
        return text
    piece = SAMPLE_CHARS // 4
    step = (len(text) - piece) // 3
    return " ".join(text[i * step : i * step + piece] for i in range(4))


def russian_score(text: str, *, junk_counts: bool = False) -> float:
    """Mean log-frequency per Cyrillic letter, minus penalties for capitals where Russian has none.

    Russian prose scores about -3; cp1251 bytes read as KOI8-R (or the reverse) score far lower,
    because the common letters land on rare ones and lower case lands on upper case.
    With `junk_counts`, every other non-space character scores as a rare letter (for short runs).
    Counted with Counter and a regex (C loops): this runs on every candidate of every page.
    """
    sample = _sample(text)
    counts = Counter(sample)
    total = 0.0
    letters = upper = 0
    for ch, n in counts.items():
        weight = _LOG_WEIGHT.get(ch)
        if weight is not None:
            total += n * weight
            letters += n
            if ch in _CYRILLIC_UPPER:
                upper += n
        elif junk_counts and not ch.isspace():
            total += n * _RARE_LOG
            letters += n
    if not letters:
        return 0.0
    total -= 2.0 * len(_CAPITAL_AFTER_SMALL.findall(sample))  # "пРИ"; ALL CAPS is fine
    # Mostly capitals is what lower-case text looks like in the other charset (cp1251 <-> KOI8-R).
    return total / letters - 3.0 * max(0.0, upper / letters - 0.5)


@lru_cache(maxsize=64)
def _single_byte(encoding: str) -> bool:
    """One byte, one character (latin-1, cp1252, ...): unlike GBK or Shift_JIS, such a label can hide
    Cyrillic bytes."""
    try:
        return len(bytes(range(256)).decode(encoding, "replace")) == 256
    except LookupError:
        return False


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def cyrillic_in_words(text: str) -> tuple[int, float]:
    """(Cyrillic letters, share of them inside runs of 3+ Cyrillic letters).

    Russian read correctly is words of Cyrillic letters; French or German read as windows-1251
    scatters single Cyrillic letters between Latin ones ("cafй").
    """
    total = in_words = 0
    for run in _CYRILLIC_RUN.findall(_sample(text)):
        total += len(run)
        if len(run) >= 3:
            in_words += len(run)
    return total, (in_words / total if total else 0.0)


def _looks_russian(text: str) -> bool:
    letters, share = cyrillic_in_words(text)
    return letters >= 20 and share >= 0.8 and russian_score(text) >= PLAUSIBLE_RUSSIAN


def _best_single_byte(body: bytes, candidates: tuple[str, ...]) -> tuple[str, str] | None:
    decoded = [(enc, text) for enc in candidates if (text := _strict(body, enc)) is not None]
    if not decoded:
        return None
    return max(decoded, key=lambda pair: russian_score(pair[1]))


# --- mojibake: UTF-8 bytes that were once decoded with a single-byte charset and re-encoded -------

def _byte_table(encoding: str) -> dict[str, int]:
    # Bytes 0x80-0x9F also map back from their C1 code points: undefined bytes pass through that
    # way on Windows, and latin-1 mojibake is cp1252 mojibake with C1 instead of punctuation.
    table = {chr(b): b for b in range(0xA0)}
    for b in range(256):
        with contextlib.suppress(UnicodeDecodeError):
            table[bytes([b]).decode(encoding)] = b
    return table


_MOJIBAKE_TABLES = {enc: _byte_table(enc) for enc in ("windows-1251", "cp1252")}


def _lead_cont(encoding: str) -> tuple[str, str]:
    table = _MOJIBAKE_TABLES[encoding]
    lead = "".join(ch for ch, b in table.items() if b in (0xD0, 0xD1))  # UTF-8 lead bytes of Cyrillic
    cont = "".join(ch for ch, b in table.items() if 0x80 <= b <= 0xBF)
    return re.escape(lead), re.escape(cont)


def _pair_pattern(encoding: str) -> re.Pattern[str]:
    lead, cont = _lead_cont(encoding)
    return re.compile(f"[{lead}][{cont}]")


def _lead_pattern(encoding: str) -> re.Pattern[str]:
    lead, cont = _lead_cont(encoding)
    # Whole words only: a lone pair inside a real word ("Рі" in Ukrainian "Рівне") is not mojibake.
    return re.compile(f"(?<![^\\W\\d_])(?:[{lead}][{cont}])+(?![^\\W\\d_])")


_MOJIBAKE_RUNS = {enc: _lead_pattern(enc) for enc in _MOJIBAKE_TABLES}
# The same pairs without the word-boundary lookarounds: a fast first look (lookbehinds at every
# position made the full pattern cost 0.2 s on a 4 MB page).
_MOJIBAKE_PAIRS = {enc: _pair_pattern(enc) for enc in _MOJIBAKE_TABLES}


def _unmangle(run: str, encoding: str) -> str | None:
    table = _MOJIBAKE_TABLES[encoding]
    try:
        return bytes(table[ch] for ch in run).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None


def _better(repaired: str, original: str, *, junk_counts: bool = False) -> bool:
    score = russian_score(repaired)
    if score < PLAUSIBLE_RUSSIAN:
        return False
    # latin-1/cp1252 mojibake has no Cyrillic letters at all (score 0.0): plausible Russian wins
    return not _has_cyrillic(original) or score > russian_score(original, junk_counts=junk_counts) + 0.5


def _has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-cp1251/cp1252/latin-1, in the whole text or word by word, where it reads better."""
    if text.isascii():
        return text
    for encoding, pattern in _MOJIBAKE_RUNS.items():
        if not _MOJIBAKE_PAIRS[encoding].search(text) or not pattern.search(text):
            continue
        whole = _unmangle(text, encoding)
        if whole is not None and _better(whole, text):
            return whole

        def fix(match: re.Match[str], encoding: str = encoding) -> str:
            run = match.group()
            # A one-letter word (с, о, в, к, у, я, и, а) shows as lead + letter (or ° for "а");
            # lead + punctuation ("«С»") is usually real text.
            if encoding == "windows-1251" and len(run) == 2 and not (run[1].isalpha() or run[1] == "°"):
                return run
            fixed = _unmangle(run, encoding)
            return fixed if fixed is not None and _better(fixed, run, junk_counts=True) else run

        text = pattern.sub(fix, text)
    return text


def _check_clean(text: str, encoding: str) -> str:
    if not text:
        return text
    replacements = text.count("\ufffd")
    if replacements > MAX_SOURCE_REPLACEMENTS:
        raise QuarantineError(f"{replacements} replacement characters in {encoding} text")
    controls = len(_CONTROL.findall(text))
    if controls > max(10, MAX_CONTROL_FRACTION * len(text)):
        raise QuarantineError(f"{controls} control characters in {len(text)} chars decoded as {encoding}")
    return text


def _cp1251_patch(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("windows-1251"), exc.end  # raises on 0x98: no patch


codecs.register_error("silkwire-cp1251-patch", _cp1251_patch)


def _utf8_patched(body: bytes) -> str | None:
    """UTF-8 whose few invalid bytes are windows-1251 (a cp1251 fragment pasted into a UTF-8 page).

    None when the invalid sequences are more than MAX_PATCHED_FRACTION of the non-ASCII bytes (then
    the page is not UTF-8 at all) or are not windows-1251 either.
    """
    invalid = body.decode("utf-8", "replace").count("\ufffd")  # one pass in C, to decide cheaply
    non_ascii = len(body) - len(body.decode("ascii", "ignore"))
    if invalid > max(8, MAX_PATCHED_FRACTION * non_ascii):
        return None
    try:
        return body.decode("utf-8", "silkwire-cp1251-patch")
    except UnicodeDecodeError:
        return None


def _check_plausible(text: str, encoding: str) -> str:
    """A single-byte charset decodes any bytes; random ones come out as symbols between letters."""
    non_ascii = [ch for ch in _sample(text) if ch > "\x7f"]
    junk = sum(1 for ch in non_ascii if not (ch.isalpha() or ch.isspace() or ch in _TYPOGRAPHY))
    if len(non_ascii) >= 20 and junk > MAX_JUNK_FRACTION * len(non_ascii):
        raise QuarantineError(f"{junk} of {len(non_ascii)} non-ASCII characters are symbols as {encoding}")
    return text


def decode_html(body: bytes, headers: Mapping[str, str]) -> str:
    """Decode an HTML page to text; raises QuarantineError when no candidate decodes cleanly."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            text = _strict(body[len(bom) :], encoding)
            if text is None:
                raise QuarantineError(f"byte order mark says {encoding} but the body is not")
            return _check_clean(repair_mojibake(text), encoding)

    # Valid UTF-8 with any non-ASCII byte is almost never an accident in another charset, and pages
    # that declare windows-1251 while serving UTF-8 are common, so this wins over the declaration.
    text = _strict(body, "utf-8")
    if text is not None:
        return _check_clean(repair_mojibake(text), "utf-8")

    declared = declared_charset(body, headers)
    if declared is not None and declared != "utf-8":
        text = _strict(body, declared)
        if text is not None:
            if declared in SINGLE_BYTE_CYRILLIC + OTHER_CYRILLIC:
                # A Cyrillic declaration can still be the wrong Cyrillic charset: let the letters decide.
                best = _best_single_byte(body, (declared, *SINGLE_BYTE_CYRILLIC))
                if best is not None and russian_score(best[1]) > russian_score(text) + 0.5:
                    declared, text = best
            elif _single_byte(declared):
                # Old servers label everything ISO-8859-1; Russian bytes then come out as "Ïðåçèäåíò".
                best = _best_single_byte(body, SINGLE_BYTE_CYRILLIC)
                if best is not None and _looks_russian(best[1]):
                    declared, text = best
            return _check_clean(_check_plausible(repair_mojibake(text), declared), declared)

    text = _utf8_patched(body)
    if text is not None:
        return _check_clean(repair_mojibake(text), "utf-8 (with windows-1251 fragments)")

    best = _best_single_byte(body, SINGLE_BYTE_CYRILLIC)
    if best is None:
        raise QuarantineError("not UTF-8 and not decodable as windows-1251 or KOI8-R")
    encoding, text = best
    letters, share = cyrillic_in_words(text)
    if letters and share < 0.5:
        # Scattered single Cyrillic letters: a Western page without a charset, not Russian.
        western = _strict(body, "cp1252")
        if western is not None:
            encoding, text = "cp1252", western
    return _check_clean(_check_plausible(repair_mojibake(text), encoding), encoding)
