"""`silkwire events`, `event`, `agreements`, `export` and `registry rebuild` over a registry the task code built."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from tests.integration.registry_data import add_report, clear_registry, event, memo, result, snapshot
from tests.integration.test_cli_support import json_lines, run_cli
from workers.db.registry import link_article

pytestmark = pytest.mark.integration


@pytest.fixture
def linked(db: Any) -> dict[str, int]:
    ids = {
        "announce": add_report(db, 1, date(2026, 10, 13), result([event("visit", "planned")]), outlet="Шёлковый путь"),
        "akorda": add_report(db, 2, date(2026, 10, 20), result(
            [event("visit", text="Токаев прибыл в Пекин"), event("signing")], [memo("planned")],
            totals=[{"count": 14, "kind": "document", "status": "signed", "value": 9e9, "currency": "USD"}])),
        "step": add_report(db, 3, date(2026, 10, 21), result([event("visit")], [memo("signed")]),
                           outlet="Степной вестник"),
    }
    for a in ids.values():
        with db.transaction():
            link_article(db, a)
    return ids


def test_events_lists_canonical_records_and_mentions_the_rows(linked: dict[str, int], capsys: Any) -> None:
    code, out, err = run_cli(capsys, "events", "-o", "json")
    assert code == 0, err
    rows = json_lines(out)
    # newest first; on one day, the newer record first
    assert [(r["type"], r["status"], r["report_count"]) for r in rows] == [("signing", "occurred", 1),
                                                                            ("visit", "occurred", 3)]
    visit = rows[1]
    assert visit["first_report_at"] == "2026-10-13" and visit["last_report_at"] == "2026-10-21"
    assert set(visit["outlets"]) == {"Акорда", "Шёлковый путь", "Степной вестник"}
    code, out, _ = run_cli(capsys, "events", "--mentions", "-o", "json")
    assert code == 0 and len(json_lines(out)) == 4  # one row per article's event
    code, out, _ = run_cli(capsys, "events", "--type", "signing", "-o", "json")
    assert [r["type"] for r in json_lines(out)] == ["signing"]
    code, out, _ = run_cli(capsys, "events")
    assert code == 0 and "Canonical events (2)" in out


def test_event_shows_every_report_with_its_evidence(linked: dict[str, int], capsys: Any) -> None:
    _, out, _ = run_cli(capsys, "events", "--type", "visit", "-o", "json")
    visit_id = json_lines(out)[0]["id"]
    code, out, err = run_cli(capsys, "event", str(visit_id), "-o", "json")
    assert code == 0, err
    record = json.loads(out)
    assert [r["article_id"] for r in record["reports"]] == [linked["announce"], linked["akorda"], linked["step"]]
    assert [r["status"] for r in record["reports"]] == ["planned", "occurred", "occurred"]
    assert "Токаев прибыл в Пекин" in [r["evidence"] for r in record["reports"]]
    code, out, _ = run_cli(capsys, "event", str(visit_id))
    assert code == 0 and "Reports (3)" in out


def test_agreements_show_their_steps(linked: dict[str, int], capsys: Any) -> None:
    code, out, err = run_cli(capsys, "agreements", "-o", "json")
    assert code == 0, err
    [agreement] = json_lines(out)
    assert agreement["status"] == "signed"
    assert [(s["step"], s["date"]) for s in agreement["steps"]] == [("planned", "2026-10-20"), ("signed", "2026-10-21")]
    code, out, _ = run_cli(capsys, "agreements", "--mentions", "-o", "json")
    assert len(json_lines(out)) == 2


def test_export_writes_jsonl_with_reports_and_csv(linked: dict[str, int], capsys: Any) -> None:
    code, out, err = run_cli(capsys, "export", "events", "--format", "jsonl", "--since", "2026-10-15")
    assert code == 0, err
    rows = json_lines(out)
    assert [len(r["reports"]) for r in rows] == [1, 3]
    signing = rows[0]
    assert signing["totals"][0]["count"] == 14 and signing["totals"][0]["article_id"] == linked["akorda"]
    code, out, _ = run_cli(capsys, "export", "agreements", "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["steps"].startswith("planned 2026-10-20") and row["report_count"] == "2"
    code, out, _ = run_cli(capsys, "export", "events", "--since", "2026-12-01")
    assert code == 0 and out == ""


def test_registry_rebuild_gives_the_incremental_registry(db: Any, linked: dict[str, int], capsys: Any) -> None:
    before = snapshot(db)
    clear_registry(db)
    code, out, err = run_cli(capsys, "registry", "rebuild", "-o", "json")
    assert code == 0, err
    assert json_lines(out) == [{"events": 2, "agreements": 1}]
    after = snapshot(db)
    key = lambda s: sorted((r["type"], r["reports"]) for r in s["events"])  # noqa: E731 - ids are new after a clear
    assert key(after) == key(before)


@pytest.mark.parametrize("argv", [
    ["event", "999999"],
    ["event", "abc"],
    ["export", "people"],
    ["export", "events", "--format", "xml"],
    ["events", "--type", "parade"],
    ["events", "--since", "2026-13-01"],
    ["agreements", "--since", "2026-10-02", "--until", "2026-10-01"],
    ["events", "--limit", "99999999999999999999"],
])
def test_bad_arguments_get_one_line_and_status_2(db: Any, argv: list[str], capsys: Any) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and err.startswith("silkwire: error:")
