"""Clean stage: 64-bit SimHash over word 3-shingles for near-duplicate detection.

Stored as a signed 64-bit integer so it fits a Postgres bigint; `hamming` works on either form.
"""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+", re.UNICODE)
_MASK = (1 << 64) - 1
SHINGLE = 3
# Texts whose simhashes differ in at most this many bits are near-duplicates. Measured on the seed
# article (~500 words): a new headline moved 1 bit, one changed figure or an added sentence 4 bits;
# a paraphrase of the same event by another outlet was 34 bits away, unrelated texts ~32 on average.
NEAR_DUPLICATE_BITS = 6


def _h64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big")


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def to_signed(value: int) -> int:
    value &= _MASK
    return value - (1 << 64) if value >= 1 << 63 else value


def simhash(text: str) -> int:
    """Signed 64-bit SimHash of `text`; 0 for text without words.

    Bit i is set when more than half of the shingle hashes have bit i set (all shingles weigh 1).
    Counting runs column-wise over 64-character bit strings, which keeps it in C.
    """
    grams = shingles(text)
    if not grams:
        return 0
    half = len(grams) / 2
    rows = [format(_h64(g), "064b") for g in grams]
    value = 0
    for column in zip(*rows, strict=True):  # column 0 is the most significant bit
        value = (value << 1) | (column.count("1") > half)
    return to_signed(value)


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


def is_near_duplicate(a: int, b: int, *, max_bits: int = NEAR_DUPLICATE_BITS) -> bool:
    return hamming(a, b) <= max_bits
