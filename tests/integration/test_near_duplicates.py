"""Reprints of one release are linked to the first copy; the SimHash comparison looks back a bounded window."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.support.settings import SETTINGS
from workers.clean import clean_text
from workers.clean.simhash import NEAR_DUPLICATE_BITS
from workers.db.results import NEAR_DUP_WINDOW_DAYS, store_document

pytestmark = pytest.mark.integration

RELEASE = (
    "Министр транспорта Казахстана и заместитель председателя Госкомитета по развитию и реформам КНР "
    "обсудили в Астане строительство второго железнодорожного пути на участке Достык – Мойынты, загрузку "
    "терминала в Хоргосе и рост контейнерных перевозок по маршруту Китай – Европа. Стороны отметили, что "
    "за девять месяцев объём перевозок через пограничные переходы вырос на пятую часть, и договорились "
    "провести следующее заседание подкомиссии по транспорту весной будущего года в Урумчи."
)


def _article(db: Any, url: str) -> int:
    return int(db.execute("INSERT INTO articles (url) VALUES (%s) RETURNING id", (url,)).fetchone()["id"])


def test_a_reprint_is_linked_to_the_first_copy_and_unrelated_text_is_not(db: Any) -> None:
    first, reprint, other = (_article(db, f"https://site{i}.kz/a") for i in range(3))
    original = clean_text(RELEASE, settings=SETTINGS)
    assert store_document(db, first, original, near_dup_bits=NEAR_DUPLICATE_BITS) is None
    edited = clean_text(RELEASE.replace("весной", "летом"), settings=SETTINGS)  # a reprint that changed one word
    assert edited.content_hash != original.content_hash
    assert store_document(db, reprint, edited, near_dup_bits=NEAR_DUPLICATE_BITS) == first
    unrelated = clean_text("Акимат Павлодара сообщил о начале отопительного сезона во всех районах города "
                           "и о проверке готовности котельных к зиме после летнего ремонта сетей.", settings=SETTINGS)
    assert store_document(db, other, unrelated, near_dup_bits=NEAR_DUPLICATE_BITS) is None


def test_same_text_is_found_at_any_age_near_text_only_inside_the_window(db: Any) -> None:
    old, same, near = (_article(db, f"https://old{i}.kz/a") for i in range(3))
    doc = clean_text(RELEASE, settings=SETTINGS)
    store_document(db, old, doc, near_dup_bits=NEAR_DUPLICATE_BITS)
    db.execute("UPDATE documents SET cleaned_at = now() - make_interval(days => %s) WHERE article_id = %s",
               (NEAR_DUP_WINDOW_DAYS + 5, old))
    assert store_document(db, same, replace(doc), near_dup_bits=NEAR_DUPLICATE_BITS) == old
    close = clean_text(RELEASE.replace("весной", "летом"), settings=SETTINGS)
    # the only near copy in the window is `same` (identical text): the old one is past the window
    assert store_document(db, near, close, near_dup_bits=NEAR_DUPLICATE_BITS) == same


def _bands(h: int) -> list[int]:
    """The band codes of migration 0002, computed here independently."""
    u = h & (2**64 - 1)
    return [i * 1024 + ((u >> (9 * i)) & (511 if i < 6 else 1023)) for i in range(7)]


def test_band_function_matches_the_bands_for_signed_hashes(db: Any) -> None:
    import random

    rng = random.Random(5)
    for h in [0, -1, 2**63 - 1, -(2**63)] + [rng.randrange(-(2**63), 2**63) for _ in range(200)]:
        assert db.execute("SELECT silkwire_simhash_bands(%s) AS b", (h,)).fetchone()["b"] == _bands(h)


def _with_simhash(doc: Any, simhash: int, text: str) -> Any:
    return replace(doc, simhash=simhash, content_hash=f"hash-{text}", text=text)


def test_six_bits_apart_across_six_bands_is_found_seven_is_not(db: Any) -> None:
    base = clean_text(RELEASE, settings=SETTINGS)
    h = 0x5A5A_1234_F0F0_0FF1 - 2**63  # negative: the sign bit is in the last band
    six = h ^ sum(1 << (9 * i + 4) for i in range(6))  # one bit flipped in each of bands 0..5
    seven = h ^ sum(1 << (9 * i + 4) for i in range(7))  # ... and in band 6: no band left intact
    first, far, near = (_article(db, f"https://bands{i}.kz/a") for i in range(3))
    assert store_document(db, first, _with_simhash(base, h, "a"), near_dup_bits=NEAR_DUPLICATE_BITS) is None
    assert store_document(db, far, _with_simhash(base, seven, "c"), near_dup_bits=NEAR_DUPLICATE_BITS) is None
    # six bits from `first`, one from `far`: the earliest near copy wins
    assert store_document(db, near, _with_simhash(base, six, "b"), near_dup_bits=NEAR_DUPLICATE_BITS) == first


def test_lookup_reads_candidates_through_the_band_index(db: Any) -> None:
    from workers.db import QUERIES

    db.execute("SET enable_seqscan = off")  # a tiny table would otherwise be scanned: ask what the index gives
    plan = db.execute("EXPLAIN " + QUERIES["find_near_duplicate"], {
        "article_id": 1, "content_hash": "x", "simhash": 12345, "max_bits": 6, "window_days": 21}).fetchall()
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    assert "documents_simhash_bands" in text


def test_more_bits_than_the_index_can_find_is_refused(db: Any) -> None:
    article = _article(db, "https://refused.kz/a")
    with pytest.raises(ValueError, match="band index"):
        store_document(db, article, clean_text(RELEASE, settings=SETTINGS), near_dup_bits=7)


def test_the_band_index_keeps_no_pending_list(db: Any) -> None:
    """Every store searches the band index; a GIN pending list would be read in full by each search."""
    options = db.execute("SELECT reloptions FROM pg_class WHERE relname = 'documents_simhash_bands'").fetchone()
    assert "fastupdate=off" in (options["reloptions"] or [])
    tsv = db.execute("SELECT reloptions FROM pg_class WHERE relname = 'documents_tsv'").fetchone()
    assert not tsv["reloptions"]  # full-text search keeps fast updates: hundreds of keys per document
