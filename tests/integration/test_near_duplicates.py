"""Reprints of one release are linked to the first copy; the SimHash comparison looks back a bounded window."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

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
    original = clean_text(RELEASE)
    assert store_document(db, first, original, near_dup_bits=NEAR_DUPLICATE_BITS) is None
    edited = clean_text(RELEASE.replace("весной", "летом"))  # a reprint that changed one word
    assert edited.content_hash != original.content_hash
    assert store_document(db, reprint, edited, near_dup_bits=NEAR_DUPLICATE_BITS) == first
    unrelated = clean_text("Акимат Павлодара сообщил о начале отопительного сезона во всех районах города "
                           "и о проверке готовности котельных к зиме после летнего ремонта сетей.")
    assert store_document(db, other, unrelated, near_dup_bits=NEAR_DUPLICATE_BITS) is None


def test_same_text_is_found_at_any_age_near_text_only_inside_the_window(db: Any) -> None:
    old, same, near = (_article(db, f"https://old{i}.kz/a") for i in range(3))
    doc = clean_text(RELEASE)
    store_document(db, old, doc, near_dup_bits=NEAR_DUPLICATE_BITS)
    db.execute("UPDATE documents SET cleaned_at = now() - make_interval(days => %s) WHERE article_id = %s",
               (NEAR_DUP_WINDOW_DAYS + 5, old))
    assert store_document(db, same, replace(doc), near_dup_bits=NEAR_DUPLICATE_BITS) == old
    close = clean_text(RELEASE.replace("весной", "летом"))
    # the only near copy in the window is `same` (identical text): the old one is past the window
    assert store_document(db, near, close, near_dup_bits=NEAR_DUPLICATE_BITS) == same
