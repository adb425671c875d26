"""Events: type, status (occurred/planned/negated), participants' countries, one event per encounter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.extraction.conftest import Run


def kinds(out: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["type"], e["status"]) for e in out["events"]]


def countries(event: dict[str, Any]) -> set[str]:
    return {p["country"] for p in event["participants"] if p["country"]}


@pytest.mark.slow
def test_future_visit_is_planned_with_both_countries(run: Run) -> None:
    out = run("Премьер Госсовета КНР Ли Цян посетит Казахстан с официальным визитом в июне.")
    assert kinds(out) == [("visit", "planned")]
    assert countries(out["events"][0]) == {"CN", "KZ"}


@pytest.mark.slow
def test_cancelled_meeting_is_negated(run: Run) -> None:
    out = run("Встреча Касым-Жомарта Токаева и Ли Цяна в Астане не состоится.")
    assert kinds(out) == [("meeting", "negated")]


@pytest.mark.slow
def test_invited_visit_is_an_invitation_not_a_visit(run: Run) -> None:
    out = run("Касым-Жомарт Токаев пригласил Ли Цяна посетить Казахстан с визитом в удобное время.")
    assert kinds(out) == [("invitation", "occurred")]
    assert countries(out["events"][0]) == {"CN", "KZ"}


@pytest.mark.slow
def test_visit_and_talks_during_it_are_two_events_and_repeats_fold(run: Run) -> None:
    out = run("В ходе визита в Китай Касым-Жомарт Токаев провёл переговоры с Ли Цяном. "
              "На встрече стороны обсудили транзит. По итогам переговоров стороны сделали заявления.")
    assert sorted(kinds(out)) == [("talks", "occurred"), ("visit", "occurred")]


@pytest.mark.slow
def test_reception_of_two_ambassadors_is_two_meetings(run: Run) -> None:
    out = run("Министр иностранных дел Казахстана принял послов Китая и Монголии.")
    meetings = [e for e in out["events"] if e["type"] == "meeting"]
    assert sorted(sorted(countries(e)) for e in meetings) == [["CN", "KZ"], ["KZ", "MN"]]


@pytest.mark.slow
def test_phone_call_is_not_talks(run: Run) -> None:
    out = run("Касым-Жомарт Токаев провёл телефонный разговор с Ли Цяном.")
    assert kinds(out) == [("phone_call", "occurred")]


@pytest.mark.slow
def test_condolence_telegram_is_a_message(run: Run) -> None:
    out = run("Касым-Жомарт Токаев направил телеграмму соболезнования Ли Цяну в связи с наводнением в Китае.")
    assert ("message", "occurred") in kinds(out)


@pytest.mark.slow
def test_opening_of_a_route_is_a_launch_but_opening_prospects_is_not(run: Run) -> None:
    out = run("В Урумчи состоялся запуск нового контейнерного маршрута в Казахстан.")
    assert ("launch", "occurred") in kinds(out)
    out = run("Рост торговли Казахстана с Китаем откроет большие перспективы.")
    assert not [e for e in out["events"] if e["type"] == "launch"]


@pytest.mark.slow
def test_date_range_takes_first_day_and_publication_year(run: Run) -> None:
    out = run("17–18 октября Ли Цян посетит Казахстан с официальным визитом.", published=date(2025, 9, 1))
    assert out["events"][0]["date"] == "2025-10-17"
    assert out["events"][0]["evidence"]["text"].startswith("17–18 октября")


@pytest.mark.slow
def test_evidence_offsets_index_the_text(run: Run) -> None:
    text = "Заголовок новости\n\nКасым-Жомарт Токаев провёл переговоры с Ли Цяном в Астане."
    out = run(text)
    ev = out["events"][0]["evidence"]
    assert text[ev["start"]:ev["end"]] == ev["text"]
    assert ev["text"].startswith("Касым-Жомарт Токаев провёл переговоры")


@pytest.mark.slow
def test_headline_without_verb_takes_the_status_the_body_gives(run: Run) -> None:
    out = run("Визит Ли Цяна в Казахстан\n\nВ сентябре Ли Цян посетит Казахстан с официальным визитом.")
    assert kinds(out) == [("visit", "planned")]
