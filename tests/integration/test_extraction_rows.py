"""The normalised rows Postgres derives from a stored extraction (insert_extraction_rows) are the rows the
contract object describes: checked against a plain-Python reading of the same object, on awkward input
and on a real extraction of the seed article.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_support import add_article
from tests.support.settings import SETTINGS
from workers.db.results import store_extraction

pytestmark = pytest.mark.integration

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_26ebbd2a5ad7ecf1.txt"

AWKWARD: dict[str, Any] = {
    "extractor_version": "extract/test", "kz_cn": {"relevant": True, "score": 0.9},
    "persons": [
        {"name": "Касым-Жомарт Токаев", "country": "KZ", "position": "Президент", "mentions": 3},
        {"name": "Си Цзиньпин", "country": None, "mentions": 0},
        # the same person again: mentions add up, the first country and position stay
        {"name": "Касым-Жомарт Токаев", "country": "CN", "position": "другое", "mentions": 2},
    ],
    "organizations": [{"name": "минтранс РК", "country": "KZ"}],
    "events": [
        {"type": "visit", "status": "occurred", "date": "2026-11-20", "location": "Астана", "cameo": "042",
         "participants": [{"name": "a", "country": "KZ"}, {"name": "b", "country": "CN"},
                          {"name": "c", "country": "KZ"}, {"name": "d"}, {"name": "e", "country": ""}],
         "evidence": {"text": "прибыл с государственным визитом"}},
        {"type": "call", "status": "planned", "date": None, "participants": None, "evidence": None},
    ],
    "agreements": [
        {"kind": "memorandum", "level": "interagency", "status": "signed", "title": "О сотрудничестве",
         "subject": "транзит", "parties": [{"name": "x", "country": "RU"}, {"name": "y", "country": "CN"}],
         "evidence": {}},
    ],
    "figures": [{"kind": "money", "value": 21000000000, "unit": "USD", "text": "21 млрд долларов"},
                {"kind": "count", "value": 1.5, "unit": None, "text": "полтора"},
                {"kind": "count", "value": None, "text": "несколько"}],
    "sectors": ["trade", "energy", "trade"],
}
EMPTY: dict[str, Any] = {"extractor_version": "extract/test", "kz_cn": {"relevant": False, "score": 0.0},
                         "persons": [], "organizations": None, "events": [], "sectors": None}


def _countries(items: list[dict[str, Any]]) -> list[str]:
    return sorted({i["country"] for i in items if i.get("country")})


def expected_rows(r: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows as the workers wrote them one by one before the insert moved into Postgres."""
    entities: dict[tuple[str, str], list[Any]] = {}
    for kind, key in (("person", "persons"), ("organization", "organizations")):
        for e in r.get(key) or []:
            row = entities.setdefault((kind, e["name"]), [e.get("country"), e.get("position"), 0])
            row[2] += int(e.get("mentions") or 1)
    return {
        "entities": sorted((k, n, c, p, m) for (k, n), (c, p, m) in entities.items()),
        "events": [(i, e["type"], e["status"], date.fromisoformat(e["date"]) if e.get("date") else None,
                    e.get("location"), e.get("cameo"), _countries(e.get("participants") or []),
                    e.get("participants") or [], e.get("evidence") or {})
                   for i, e in enumerate(r.get("events") or [])],
        "agreements": [(i, a["kind"], a.get("level"), a["status"], a.get("title"), a.get("subject"),
                        _countries(a.get("parties") or []), a.get("parties") or [], a.get("evidence") or {})
                       for i, a in enumerate(r.get("agreements") or [])],
        "figures": [(i, f["kind"], None if f.get("value") is None else float(f["value"]), f.get("unit"), f.get("text"))
                    for i, f in enumerate(r.get("figures") or [])],
        "sectors": sorted(set(r.get("sectors") or [])),
    }


def stored_rows(db: Any, article_id: int) -> dict[str, list[tuple[Any, ...]]]:
    def q(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row.values()) for row in db.execute(sql, (article_id,)).fetchall()]
    return {
        "entities": q("SELECT kind, name, country, position, mentions FROM entities WHERE article_id = %s"
                      " ORDER BY kind, name"),
        "events": q("SELECT ord, type, status, event_date, location, cameo, countries, participants, evidence"
                    " FROM events WHERE article_id = %s ORDER BY ord"),
        "agreements": q("SELECT ord, kind, level, status, title, subject, countries, parties, evidence"
                        " FROM agreements WHERE article_id = %s ORDER BY ord"),
        "figures": q("SELECT ord, kind, value, unit, text FROM figures WHERE article_id = %s ORDER BY ord"),
        "sectors": [s for (s,) in q("SELECT sector FROM article_sectors WHERE article_id = %s ORDER BY sector")],
    }


@pytest.fixture
def store(db: Any) -> Iterator[Any]:
    def run(result: dict[str, Any], url: str = "https://example.kz/a") -> int:
        article_id = add_article(db, url)
        with db.transaction():
            store_extraction(db, article_id, result)
        return article_id
    yield run


@pytest.mark.parametrize("result", [AWKWARD, EMPTY], ids=["awkward", "empty-and-null-lists"])
def test_rows_are_what_the_object_says(db: Any, store: Any, result: dict[str, Any]) -> None:
    article_id = store(result)
    assert stored_rows(db, article_id) == expected_rows(result)


def test_storing_again_replaces_the_rows(db: Any, store: Any) -> None:
    article_id = store(AWKWARD)
    with db.transaction():
        store_extraction(db, article_id, {**AWKWARD, "events": AWKWARD["events"][1:], "sectors": ["finance"]})
    rows = stored_rows(db, article_id)
    assert [e[1] for e in rows["events"]] == ["call"] and rows["sectors"] == ["finance"]
    assert rows["entities"] == expected_rows(AWKWARD)["entities"]  # not summed with the first store's


def test_rows_of_a_real_extraction(db: Any, store: Any) -> None:
    if not SEED.exists():
        pytest.skip(f"the shared seed article is not here ({SEED}): a fresh clone outside the workspace")
    from workers.clean import clean_text
    from workers.extract import extract_document

    result = extract_document(clean_text(SEED.read_text(encoding="utf-8"), settings=SETTINGS), settings=SETTINGS)
    assert result["events"] and result["persons"]  # the seed article is a Kazakhstan–China visit
    article_id = store(result)
    assert stored_rows(db, article_id) == expected_rows(result)
