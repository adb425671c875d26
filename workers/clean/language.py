"""Clean stage: a cheap language guess from letter scripts (ru, kk, zh, en or None)."""

from __future__ import annotations

_KAZAKH_ONLY = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
MIN_LETTERS = 20
# Kazakh-only letters are ~6-10% of letters in Kazakh prose and ~0 in Russian news, where they
# appear only in the odd proper name.
KAZAKH_SHARE = 0.02


def guess_language(text: str) -> str | None:
    cyr = lat = cjk = kaz = 0
    for ch in text[:20_000]:
        if not ch.isalpha():
            continue
        o = ord(ch)
        if 0x0400 <= o <= 0x04FF:
            cyr += 1
            if ch in _KAZAKH_ONLY:
                kaz += 1
        elif o < 0x0250:
            lat += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            cjk += 1
    # A CJK character carries about as much as a word: weight it so Chinese text is not outvoted.
    total = cyr + lat + cjk * 3
    if total < MIN_LETTERS:
        return None
    if cyr * 2 > total:
        return "kk" if kaz / cyr >= KAZAKH_SHARE else "ru"
    if cjk * 3 * 2 > total:
        return "zh"
    if lat * 2 > total:
        return "en"
    return None
