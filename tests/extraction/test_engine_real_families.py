"""Families of errors real reporting showed (issue #14), each on sentences written for this test, with the
project's own gazetteer (as the workers run). The real reports themselves stay in ../shared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.settings import SETTINGS
from workers.extract import names


@pytest.fixture
def run() -> Iterator[Any]:
    from workers.extract import extract_document
    from workers.models import CleanDoc

    yield lambda text: extract_document(CleanDoc(text=text), settings=SETTINGS)


def _events(out: dict[str, Any]) -> list[tuple[str, str, frozenset[str]]]:
    return [(e["type"], e["status"], frozenset(p["country"] for p in e["participants"] if p["country"]))
            for e in out["events"]]


def test_transcribed_names_leave_their_case() -> None:
    assert names.chinese_nominative("Сюном") == "Сюн"
    assert names.chinese_nominative("Цзяньцзюнем") == "Цзяньцзюнь"
    assert names.strip_case("Тилеком", "Ins") == "Тилек"
    assert names.strip_case("Сергеем", "Ins") == "Сергей"
    assert names.looks_chinese("Цюньли Сюн") and names.looks_chinese("Ван Цзяньцзюнь")
    assert not names.looks_chinese("Тилек Текебаев")
    assert names.surname_of_initialled("Б. Жаксылыков") == "Жаксылыков"
    assert names.initials_fit("Б.Жаксылыков", "Бауыржан Жаксылыков")
    assert not names.initials_fit("Б.Жаксылыков", "Ерлан Жаксылыков")


@pytest.mark.slow
def test_people_named_in_an_oblique_case_or_by_initials(run: Any) -> None:
    out = run("Министр Ерлан Сарсенбаев провел встречу с заместителем председателя Народного банка Китая "
              "Ваном Чжэнжуном. Е. Сарсенбаев отметил рост торговли. Встреча прошла в Астане.")
    got = {p["name"] for p in out["persons"]}
    assert "Ван Чжэнжун" in got
    assert "Ерлан Сарсенбаев" in got and not any(n.startswith("Е.") for n in got)


@pytest.mark.slow
def test_invitations_by_and_accepted(run: Any) -> None:
    out = run("Премьер Госсовета КНР прибыл в Казахстан по приглашению Премьер-Министра РК для участия "
              "в заседании Совета глав правительств ШОС.")
    kinds = {(t, s) for t, s, _ in _events(out)}
    assert ("invitation", "occurred") in kinds
    assert ("visit", "occurred") in kinds
    assert ("forum", "planned") in kinds


@pytest.mark.slow
def test_greetings_said_are_no_message_but_a_telegram_is(run: Any) -> None:
    said = run("Президент Казахстана провел телефонный разговор с Председателем КНР. "
               "Лидеры обменялись поздравлениями с праздником.")
    assert [t for t, _, _ in _events(said)] == ["phone_call"]
    quoted = run('Президент Казахстана встретился с послом КНР. "Хотел бы поздравить Вас с праздником", '
                 "- сказал он.")
    assert "message" not in [t for t, _, _ in _events(quoted)]
    sent = run("Президент Казахстана направил поздравительную телеграмму Председателю КНР.")
    assert [t for t, _, _ in _events(sent)] == ["message"]


@pytest.mark.slow
def test_video_talks_are_talks_and_a_call_by_phone_is_a_call(run: Any) -> None:
    talks = run("Председатель Мажилиса провел по видеосвязи переговоры с председателем ВСНП КНР.")
    assert [t for t, _, _ in _events(talks)] == ["talks"]
    call = run("Президент Казахстана переговорил по телефону с Председателем КНР.")
    assert [t for t, _, _ in _events(call)] == ["phone_call"]


@pytest.mark.slow
def test_media_cited_as_sources_are_not_actors(run: Any) -> None:
    out = run("Министр энергетики РК встретился с послом КНР, сообщает Newstimes.kz со ссылкой на "
              "пресс-службу министерства.")
    names_ = {o["name"] for o in out["organizations"]}
    assert not any("Newstimes" in n for n in names_)
    for e in out["events"]:
        assert not any("Newstimes" in str(p["name"]) for p in e["participants"])


@pytest.mark.slow
def test_bodies_between_many_countries_are_the_parties(run: Any) -> None:
    out = run("В Пекине подписано соглашение о строительстве автодороги между правительствами Кыргызской "
              "Республики, Китайской Народной Республики и Республики Узбекистан.")
    (g,) = out["agreements"]
    assert {p["country"] for p in g["parties"]} == {"KG", "CN", "UZ"}
    assert all(p["name"].startswith("Правительство") for p in g["parties"])


@pytest.mark.slow
def test_documents_counted_and_named_by_subject_and_the_eu_as_a_party(run: Any) -> None:
    out = run("Министерство торговли РК и Министерство коммерции КНР подписали 2 протокола о поставках "
              "зерна и муки.")
    assert [(g["kind"], g["status"]) for g in out["agreements"]] == [("protocol", "signed")]
    assert out["agreements"][0]["subject"].startswith("поставки зерна")
    assert [(t["count"], t["status"]) for t in out["agreement_totals"]] == [(2, "signed")]
    eu = run("Казахстан и Европейский Союз подписали меморандум о сотрудничестве в области водорода.")
    assert {p["country"] for p in eu["agreements"][0]["parties"]} == {"KZ", "EU"}


@pytest.mark.slow
def test_a_companys_project_on_the_other_side_is_relevant(run: Any) -> None:
    out = run("Китайская компания начала строительство солнечной электростанции в Карагандинской области "
              "Казахстана. Мощность станции составит 200 МВт.")
    assert out["kz_cn"]["relevant"]
    assert ("volume", 200) in {(f["kind"], f["value"]) for f in out["figures"]}


@pytest.mark.slow
def test_rates_and_english_thousands(run: Any) -> None:
    out = run("По курсу 1 юань = 70,5 тенге проект создаст 12,000 рабочих мест.")
    assert not [f for f in out["figures"] if f["kind"] == "money"]
    assert ("count", 12000) in {(f["kind"], f["value"]) for f in out["figures"]}


@pytest.mark.slow
def test_a_tour_is_one_visit_and_one_invitation_per_host(run: Any) -> None:
    out = run("Министр иностранных дел Казахстана посетит Туркменистан, Азербайджан и Грузию в декабре. "
              "Визит пройдет по приглашению глав МИД Туркменистана, Азербайджана и Грузии.")
    visits = sorted(sorted(c) for t, _, c in _events(out) if t == "visit")
    invitations = sorted(sorted(c) for t, _, c in _events(out) if t == "invitation")
    hosts = [["AZ", "KZ"], ["GE", "KZ"], ["KZ", "TM"]]
    assert visits == hosts
    assert invitations == hosts
