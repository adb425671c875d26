"""`silkwire events`, `agreements` and `search` over rows stored with the workers' own storage code."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tests.integration.test_cli_support import (
    add_article,
    add_document,
    add_extraction,
    json_lines,
    result,
    run_cli,
    set_state,
)

pytestmark = pytest.mark.integration

TOKAYEV = {"name": "Касым-Жомарт Токаев", "country": "KZ"}
XI = {"name": "Си Цзиньпин", "country": "CN"}
PUTIN = {"name": "Владимир Путин", "country": "RU"}
KMG = {"name": "АО НК «КазМунайГаз»", "country": "KZ"}
SINOPEC = {"name": "China Petrochemical Corporation (Sinopec)", "country": "CN"}
MINTRANS_KZ = {"name": "Министерство транспорта Республики Казахстан", "country": "KZ"}
MINTRANS_CN = {"name": "Министерство транспорта КНР", "country": "CN"}

# Texts written for these tests; facts are invented for the fixture.
TEXT_TALKS = ("Токаев и Си Цзиньпин провели переговоры в Астане\n\n"
              "Президент Казахстана Касым-Жомарт Токаев провёл переговоры с Председателем КНР Си Цзиньпином. "
              "Стороны обсудили транзитные перевозки и подписали меморандум о развитии транспортных коридоров. "
              "Министерства транспорта двух стран договорились о новых налоговых льготах для перевозчиков.")
TEXT_PUTIN = ("Телефонный разговор с Владимиром Путиным\n\n"
              "Касым-Жомарт Токаев провёл телефонный разговор с Президентом России Владимиром Путиным. "
              "Обсуждались вопросы поставок зерна и работы Евразийского экономического союза.")
TEXT_SINOPEC = ("КазМунайГаз и Sinopec подписали контракт\n\n"
                "Национальная компания КазМунайГаз и китайская корпорация Sinopec подписали контракт "
                "на строительство завода полиэтилена в Атырауской области. Стоимость проекта оценена "
                "в несколько миллиардов долларов.")


def _evidence(text: str) -> dict[str, Any]:
    return {"start": 0, "end": len(text), "text": text}


@pytest.fixture
def stored(db: Any) -> dict[str, int]:
    talks = add_article(db, "https://www.akorda.kz/ru/talks-astana")
    add_document(db, talks, TEXT_TALKS, published=date(2026, 9, 2))
    add_extraction(db, talks, result(relevant=True, events=[
        {"type": "talks", "status": "occurred", "date": "2026-09-02", "location": "Астана",
         "participants": [{**TOKAYEV, "role": "host"}, {**XI, "role": "visitor"}], "cameo": "046",
         "evidence": _evidence("Касым-Жомарт Токаев провёл переговоры с Председателем КНР Си Цзиньпином.")},
        {"type": "signing", "status": "occurred", "date": None, "location": "Астана",
         "participants": [MINTRANS_KZ, MINTRANS_CN], "cameo": "057",
         "evidence": _evidence("подписали меморандум о развитии транспортных коридоров")},
    ], agreements=[
        {"kind": "memorandum", "level": "interagency", "status": "signed",
         "title": "меморандум о развитии транспортных коридоров", "subject": "транспортные коридоры",
         "parties": [MINTRANS_KZ, MINTRANS_CN], "evidence": _evidence("подписали меморандум")},
    ]))
    putin = add_article(db, "https://www.akorda.kz/ru/call-putin")
    add_document(db, putin, TEXT_PUTIN, published=date(2026, 10, 15))
    add_extraction(db, putin, result(relevant=False, events=[
        {"type": "phone_call", "status": "occurred", "date": "2026-10-14", "location": None,
         "participants": [TOKAYEV, PUTIN], "cameo": "041",
         "evidence": _evidence("Токаев провёл телефонный разговор с Президентом России Владимиром Путиным.")},
    ]))
    sinopec = add_article(db, "https://www.gov.kz/memleket/entities/energo/press/news/details/kmg-sinopec")
    add_document(db, sinopec, TEXT_SINOPEC, published=date(2026, 11, 5))
    add_extraction(db, sinopec, result(relevant=True, events=[
        {"type": "signing", "status": "occurred", "date": "2026-11-04", "location": "Атырау",
         "participants": [KMG, SINOPEC], "cameo": "057", "evidence": _evidence("подписали контракт")},
    ], agreements=[
        {"kind": "contract", "level": "corporate", "status": "signed", "title": "контракт на строительство завода",
         "subject": "строительство завода полиэтилена", "parties": [KMG, SINOPEC],
         "evidence": _evidence("КазМунайГаз и китайская корпорация Sinopec подписали контракт")},
    ]))
    for article_id in (talks, putin, sinopec):
        set_state(db, article_id, "done", "done")
    return {"talks": talks, "putin": putin, "sinopec": sinopec}


def _events(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[int, int]]:
    code, out, err = run_cli(capsys, "events", "--mentions", *args, "-o", "json")
    assert code == 0, err
    return [(r["article_id"], r["ord"]) for r in json_lines(out)]


def test_events_filters(stored: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    talks, putin, sinopec = stored["talks"], stored["putin"], stored["sinopec"]
    # newest first; the signing without its own date takes the document's publication date
    assert _events(capsys) == [(sinopec, 0), (putin, 0), (talks, 0), (talks, 1)]
    assert _events(capsys, "--countries", "kz,CN") == [(sinopec, 0), (talks, 0), (talks, 1)]
    assert _events(capsys, "--countries", "KZ,RU") == [(putin, 0)]
    assert _events(capsys, "--type", "signing") == [(sinopec, 0), (talks, 1)]
    assert _events(capsys, "--type", "talks,phone_call") == [(putin, 0), (talks, 0)]
    assert _events(capsys, "--party", "токаев") == [(putin, 0), (talks, 0)]
    assert _events(capsys, "--relevant-only") == [(sinopec, 0), (talks, 0), (talks, 1)]
    assert _events(capsys, "--since", "2026-10-14", "--until", "2026-11-03") == [(putin, 0)]
    assert _events(capsys, "--until", "2026-09-02") == [(talks, 0), (talks, 1)]
    assert _events(capsys, "--limit", "1") == [(sinopec, 0)]
    assert _events(capsys, "--party", "Токаев", "--countries", "CN") == [(talks, 0)]


def test_events_json_keeps_structure(stored: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "events", "--mentions", "--type", "talks", "-o", "json")
    assert code == 0
    [row] = json_lines(out)
    assert row["date"] == "2026-09-02" and row["countries"] == ["CN", "KZ"]
    assert [p["name"] for p in row["participants"]] == [TOKAYEV["name"], XI["name"]]
    assert row["url"] == "https://www.akorda.kz/ru/talks-astana"
    assert row["title"] == "Токаев и Си Цзиньпин провели переговоры в Астане"
    assert "переговоры" in row["evidence"] and row["relevant"] is True


def test_agreements_filters_and_csv(stored: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    def kinds(*args: str) -> list[str]:
        code, out, err = run_cli(capsys, "agreements", "--mentions", *args, "-o", "json")
        assert code == 0, err
        return [r["kind"] for r in json_lines(out)]

    assert kinds() == ["contract", "memorandum"]
    assert kinds("--type", "memorandum") == ["memorandum"]
    assert kinds("--party", "sinopec") == ["contract"]
    assert kinds("--countries", "KZ,CN") == ["contract", "memorandum"]
    assert kinds("--countries", "RU") == []
    assert kinds("--since", "2026-10-01") == ["contract"]
    assert kinds("--until", "2026-10-01") == ["memorandum"]

    code, out, _ = run_cli(capsys, "agreements", "--mentions", "--type", "contract", "-o", "csv")
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["countries"] == "CN,KZ"
    assert row["parties"] == f"{KMG['name']} (KZ); {SINOPEC['name']} (CN)"
    assert row["date"] == "2026-11-05" and row["level"] == "corporate"


def test_table_output_shows_title_url_and_evidence(stored: dict[str, int], capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # wide enough that rich wraps no cell
    code, out, _ = run_cli(capsys, "events", "--mentions", "--type", "phone_call")
    assert code == 0
    flat = " ".join(out.split())
    assert "Телефонный разговор с Владимиром Путиным" in flat
    assert "call-putin" in flat and "phone_call" in flat and "2026-10-14" in flat


def _search(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code, out, err = run_cli(capsys, "search", *args, "-o", "json")
    assert code == 0, err
    return json_lines(out)


def test_search_ranks_filters_and_highlights(stored: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    hits = _search(capsys, "Токаев")
    assert {h["article_id"] for h in hits} == {stored["talks"], stored["putin"]}
    assert all("«" in h["snippet"] and "»" in h["snippet"] for h in hits)
    # web-search syntax: a minus excludes
    assert [h["article_id"] for h in _search(capsys, "Токаев -Путин")] == [stored["talks"]]
    assert [h["article_id"] for h in _search(capsys, "Токаев", "--relevant-only")] == [stored["talks"]]
    assert [h["article_id"] for h in _search(capsys, "Токаев", "--since", "2026-10-01")] == [stored["putin"]]
    assert _search(capsys, "Токаев", "--limit", "1")[0]["rank"] >= 0
    # a word in the title and the text ranks above a single mention
    ranked = _search(capsys, "переговоры")
    assert ranked[0]["article_id"] == stored["talks"]


def test_prefix_search_reaches_other_word_forms(stored: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    # 'налог' and 'налоговых' stem differently: plain search misses, a prefix query finds it
    assert _search(capsys, "налог") == []
    hits = _search(capsys, "--prefix", "налог", "льгот")
    assert [h["article_id"] for h in hits] == [stored["talks"]]
    assert "«налоговых»" in hits[0]["snippet"]
    # operators typed by the user are plain characters under --prefix, never tsquery syntax
    assert _search(capsys, "--prefix", "налог|!(") == _search(capsys, "--prefix", "налог")


def test_search_narrowed_by_extracted_results(stored: dict[str, int], db: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    add_extraction(db, stored["putin"], result(relevant=False, persons=[{**PUTIN, "mentions": 2}], events=[
        {"type": "phone_call", "status": "occurred", "date": "2026-10-14", "participants": [TOKAYEV, PUTIN],
         "evidence": _evidence("телефонный разговор")}]))
    add_extraction(db, stored["talks"], result(persons=[{**XI, "mentions": 1}], events=[
        {"type": "talks", "status": "occurred", "participants": [TOKAYEV, XI], "evidence": _evidence("переговоры")}],
        agreements=[{"kind": "memorandum", "status": "signed", "parties": [MINTRANS_KZ, MINTRANS_CN],
                     "evidence": _evidence("меморандум")}]))

    def ids(*args: str) -> list[int]:
        return [h["article_id"] for h in _search(capsys, "Токаев", *args)]

    assert ids("--countries", "KZ,RU") == [stored["putin"]]
    assert ids("--countries", "CN") == [stored["talks"]]
    assert ids("--type", "memorandum") == [stored["talks"]]
    assert set(ids("--type", "phone_call,talks")) == {stored["talks"], stored["putin"]}
    assert ids("--type", "signing") == []  # the talks article's signing event went with its old extraction
    assert ids("--party", "путин") == [stored["putin"]]
    assert ids("--party", "Цзиньпин", "--countries", "RU") == []


# Issue 17, finding 10: arguments Postgres cannot take were a traceback and exit 1.
MANY_ORS = " OR ".join(f"слово{i}" for i in range(20_000))


@pytest.mark.parametrize("argv", [
    ["search", MANY_ORS],
    ["search", "транзит", "--limit", "99999999999999999999"],
    ["events", "--limit", "99999999999999999999"],
    ["agreements", "--limit", "99999999999999999999"],
    ["search", "x" * 5000],
], ids=["20000-ors", "search-limit", "events-limit", "agreements-limit", "5000-chars"])
def test_arguments_postgres_cannot_take_are_one_line_and_exit_2(db: Any, capsys: pytest.CaptureFixture[str],
                                                                 argv: list[str]) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("silkwire: error: "), err
    assert "Traceback" not in err


def test_a_query_the_database_refuses_is_one_line_even_past_the_caps(
        db: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.cli import query_cmd
    from workers.settings import get_settings

    # With the CLI's own bounds lifted, Postgres itself refuses: still one line, exit 2.
    monkeypatch.setattr(get_settings(), "query_max_terms", 10**6)
    monkeypatch.setattr(get_settings(), "query_max_rows", 10**30)
    monkeypatch.setattr(query_cmd, "QUERY_MAX_CHARS", 10**7)
    for argv in (["search", MANY_ORS], ["events", "--limit", "99999999999999999999"]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and out == "", err
        assert err.startswith("silkwire: error: ") and "the database refused these arguments" in err, err
        assert err.count("\n") == 1, err


def test_markup_in_stored_text_is_printed_as_text(db: Any, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # rich folds cells to the terminal's width
    # Issue 17, finding 8 (the query side): a title and a query with rich markup in them
    article_id = add_article(db, "https://press.kz/markup")
    add_document(db, article_id, "Транзит [/bold][link=https://evil.example]грузов[/link]\n\n" + TEXT_TALKS)
    code, out, err = run_cli(capsys, "search", "транзит")
    assert code == 0, err
    assert "[/bold][link=https://evil.example]" in out
    code, out, err = run_cli(capsys, "search", "транзит [/red]")  # the query is in the table's title
    assert code == 0, err
    assert "транзит [/red]" in out
