"""The registry in Postgres: linking per article (what the task runs), bad input, and rebuild = incremental."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from tests.integration.registry_data import (
    NEA,
    TOKAYEV,
    XI,
    add_report,
    clear_registry,
    event,
    link,
    memo,
    restore,
    result,
    snapshot,
)
from workers.db.registry import rebuild

pytestmark = pytest.mark.integration


def _link(db: Any, *article_ids: int) -> None:
    for a in article_ids:
        link(db, a)


def _beijing_visit(db: Any) -> dict[str, int]:
    """One state visit: its announcement, three outlets, a reprint; and the same president's visit a month on."""
    ids = {
        "announce": add_report(db, 1, date(2026, 10, 13), result([event("visit", "planned", location="Китай")]),
                               outlet="Шёлковый путь"),
        "akorda": add_report(db, 2, date(2026, 10, 20), result(
            [event("visit"), event("talks"), event("signing", who=(TOKAYEV, XI))],
            [memo(subject="сотрудничество в области цифровой экономики")],
            totals=[{"count": 14, "kind": "document", "status": "signed", "value": 9e9, "currency": "USD",
                     "evidence": {"text": "Всего подписано 14 документов"}}]), outlet="Акорда"),
        "step": add_report(db, 3, date(2026, 10, 20), result([event("talks"), event("visit", location=None)]),
                           outlet="Степной вестник"),
        "silk": add_report(db, 4, date(2026, 10, 21), result([event("visit", location="Китай")]),
                           outlet="Шёлковый путь"),
        "shanghai": add_report(db, 6, date(2026, 11, 22), result([event("visit", location="Шанхай")])),
    }
    ids["reprint"] = add_report(db, 5, date(2026, 10, 22), result([event("talks"), event("visit", location=None)]),
                                outlet="Деловой Казахстан", near_dup_of=ids["step"])
    return ids


def _events(db: Any, type_: str) -> list[dict[str, Any]]:
    return [e for e in snapshot(db)["events"] if e["type"] == type_]


def test_one_visit_many_reports_is_one_event_and_the_next_visit_another(db: Any) -> None:
    # Given a visit reported by its announcement, three outlets and a reprint, and a second visit a month later
    ids = _beijing_visit(db)
    # When every article is linked, in arrival order
    _link(db, *ids.values())
    # Expect two visits: Beijing with six reports (planned, then occurred), Shanghai alone
    visits = _events(db, "visit")
    assert [v["report_count"] for v in visits] == [5, 1]
    beijing = visits[0]
    assert beijing["status"] == "occurred"
    assert beijing["location"] == "Пекин"
    assert beijing["first_article_id"] == ids["announce"]
    assert beijing["event_date"] == date(2026, 10, 20)
    assert {a for a, _ in beijing["reports"]} == {ids["announce"], ids["akorda"], ids["step"], ids["silk"],
                                                 ids["reprint"]}
    talks = _events(db, "talks")
    assert len(talks) == 1 and talks[0]["report_count"] == 3  # the talks stay their own event
    signing = _events(db, "signing")[0]
    assert [t["count"] for t in signing["totals"]] == [14]  # the totals sit on the event where they were signed
    outlets = db.execute("SELECT DISTINCT outlet FROM registry_event_reports ORDER BY 1").fetchall()
    assert {o["outlet"] for o in outlets} >= {"Акорда", "Степной вестник", "Деловой Казахстан"}


def test_linking_again_changes_nothing_and_ids_stay(db: Any) -> None:
    ids = _beijing_visit(db)
    _link(db, *ids.values())
    before = snapshot(db)
    _link(db, *ids.values())  # a redelivery of every task
    assert snapshot(db) == before


def test_rebuild_equals_the_incremental_result_in_any_order(db: Any) -> None:
    _beijing_visit(db)
    add_report(db, 7, date(2026, 9, 2), result(agreements=[memo("planned")]))
    add_report(db, 8, date(2026, 9, 15), result([event("signing", location="Астана", who=(NEA,))], [memo("signed")]))
    every = [r["id"] for r in db.execute("SELECT id FROM articles ORDER BY id").fetchall()]
    _link(db, *every)
    incremental = snapshot(db)
    random.Random(15).shuffle(every)
    clear_registry(db)
    _link(db, *every)
    shuffled = snapshot(db)
    with db.transaction():
        rebuild(db)
    rebuilt = snapshot(db)
    assert strip(shuffled) == strip(incremental)
    assert rebuilt == shuffled  # same groups, same ids


def strip(snap: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The registry without its ids, in report order: what must not depend on the order of linking."""
    return {k: sorted(({f: v for f, v in r.items() if f != "id"} for r in rows), key=lambda r: r["reports"])
            for k, rows in snap.items()}


def test_planned_then_signed_is_one_agreement_with_both_steps(db: Any) -> None:
    planned = add_report(db, 1, date(2026, 9, 2), result(agreements=[memo("planned")]))
    signed = add_report(db, 2, date(2026, 9, 15), result(agreements=[memo("signed")]))
    # a late report still calling it planned: kept, and the later step still wins
    late = add_report(db, 3, date(2026, 9, 20), result(agreements=[memo("planned")]))
    other = add_report(db, 4, date(2026, 9, 15), result(agreements=[memo("signed", "поставки зерна")]))
    _link(db, signed, late, planned, other)
    agreements = snapshot(db)["agreements"]
    assert len(agreements) == 2
    energy = next(a for a in agreements if "энергетики" in a["subject"])
    assert energy["status"] == "signed"
    assert energy["steps"] == [["planned", "2026-09-02", 2], ["signed", "2026-09-15", 1]]
    assert {a for a, _ in energy["reports"]} == {planned, signed, late}


def test_reextraction_with_fewer_events_removes_only_its_own_reports(db: Any) -> None:
    ids = _beijing_visit(db)
    _link(db, *ids.values())
    visit_id = _events(db, "visit")[0]["id"]
    # When Akorda's article is re-extracted without its visit (and linked again)
    restore(db, ids["akorda"], result([event("talks"), event("signing")]))
    _link(db, ids["akorda"])
    # Expect the same visit, one report fewer, its other reports untouched
    visit = _events(db, "visit")[0]
    assert visit["id"] == visit_id
    assert visit["report_count"] == 4
    assert ids["akorda"] not in {a for a, _ in visit["reports"]}
    assert _events(db, "talks")[0]["report_count"] == 3


def test_an_event_whose_last_report_disappears_disappears(db: Any) -> None:
    ids = _beijing_visit(db)
    _link(db, *ids.values())
    assert len(_events(db, "visit")) == 2
    restore(db, ids["shanghai"], result(relevant=False))
    _link(db, ids["shanghai"])
    assert len(_events(db, "visit")) == 1


def test_called_off_visit_is_negated(db: Any) -> None:
    a = add_report(db, 1, date(2026, 10, 1), result([event("visit", "planned")]))
    b = add_report(db, 2, date(2026, 10, 5), result([event("visit", "negated")]))
    _link(db, a, b)
    [visit] = _events(db, "visit")
    assert visit["status"] == "negated" and visit["report_count"] == 2


def test_a_late_reprint_joins_its_original_whatever_the_dates(db: Any) -> None:
    original = add_report(db, 1, date(2026, 10, 20), result([event("visit")]))
    _link(db, original)
    # a reprint six weeks later (SimHash linked it to the original), linked on its own
    reprint = add_report(db, 2, date(2026, 12, 1), result([event("visit", location=None)]), near_dup_of=original)
    _link(db, reprint)
    [visit] = _events(db, "visit")
    assert {a for a, _ in visit["reports"]} == {original, reprint}
    before = snapshot(db)
    with db.transaction():
        rebuild(db)
    assert snapshot(db) == before
