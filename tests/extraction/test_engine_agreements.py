"""Agreements, totals, figures, sectors and relevance on sentences written for these tests."""

from __future__ import annotations

import pytest

from tests.extraction.conftest import Run

ENUMERATION = (
    "По итогам переговоров были подписаны соглашение между правительствами о сотрудничестве в области "
    "возобновляемой энергетики; меморандум о взаимопонимании между министерством энергетики Казахстана и "
    "министерством коммерции КНР о развитии электронной торговли; протокол о фитосанитарных требованиях "
    "к экспорту пшеницы."
)


@pytest.mark.slow
def test_enumeration_gives_one_record_per_document(run: Run) -> None:
    out = run("Касым-Жомарт Токаев провёл переговоры с Ли Цяном. " + ENUMERATION)
    assert [a["kind"] for a in out["agreements"]] == ["agreement", "memorandum", "protocol"]
    first, second, third = out["agreements"]
    assert [p["name"] for p in first["parties"]] == ["Правительство Республики Казахстан",
                                                     "Правительство Китайской Народной Республики"]
    assert first["level"] == "intergovernmental"
    assert first["subject"].startswith("сотрудничество в области возобновляемой энергетики")
    assert {p["country"] for p in second["parties"]} == {"KZ", "CN"}
    assert second["level"] == "interagency"
    assert second["subject"] == "развитие электронной торговли"
    assert third["subject"].startswith("фитосанитарные требования")
    assert all(a["status"] == "signed" for a in out["agreements"])


@pytest.mark.slow
def test_planned_signing_and_agreeing_to_act_is_not_a_document(run: Run) -> None:
    out = run("В ходе визита планируется подписать соглашение о строительстве логистического центра.")
    assert [(a["kind"], a["status"]) for a in out["agreements"]] == [("agreement", "planned")]
    out = run("Стороны договорились ускорить строительство логистического центра в Казахстане.")
    assert out["agreements"] == []


@pytest.mark.slow
def test_count_of_signed_documents_goes_to_totals_not_figures(run: Run) -> None:
    out = run("В Урумчи казахстанские и китайские компании подписали 12 соглашений на $340 млн.")
    assert [(t["count"], t["status"], t["value"], t["currency"]) for t in out["agreement_totals"]] == [
        (12, "signed", 340_000_000, "USD")]
    assert not [f for f in out["figures"] if f["kind"] == "count"]


@pytest.mark.slow
def test_money_counts_percent_and_volume(run: Run) -> None:
    out = run("В 2024 году товарооборот вырос на 15% и достиг 3,5 млрд тенге. Компании реализуют "
              "18 совместных проектов на пять миллиардов юаней и перевезли 2 млн тонн грузов за 10 лет. "
              "Форум пройдёт 17 октября.")
    got = {(f["kind"], f["value"], f["unit"]) for f in out["figures"]}
    assert got == {("percent", 15, "%"), ("money", 3_500_000_000, "KZT"), ("count", 18, "проект"),
                   ("money", 5_000_000_000, "CNY"), ("volume", 2_000_000, "т")}


@pytest.mark.slow
def test_sectors_come_from_the_closed_list_and_ignore_body_names(run: Run) -> None:
    out = run("Стороны обсудили сотрудничество в нефтегазовой отрасли и туризме. Документ подписан с "
              "главным таможенным управлением КНР.")
    assert out["sectors"] == ["oil_gas", "tourism"]


@pytest.mark.slow
def test_relevance_true_for_kz_cn_talks_false_for_kz_ru(run: Run) -> None:
    kz_cn = run("Касым-Жомарт Токаев провёл переговоры с Ли Цяном о торговле между Казахстаном и Китаем.")
    assert kz_cn["kz_cn"]["relevant"] is True
    kz_ru = run("Президент Казахстана провёл переговоры с Президентом России в Москве. Стороны обсудили "
                "транзит грузов из Китая в Европу.")
    assert kz_ru["kz_cn"]["relevant"] is False
    assert 0.0 <= kz_ru["kz_cn"]["score"] < kz_cn["kz_cn"]["score"] <= 1.0
    assert ("talks", "occurred") in [(e["type"], e["status"]) for e in kz_ru["events"]]


@pytest.mark.slow
def test_numbered_list_after_a_colon_is_signed_and_makes_a_signing_event(run: Run) -> None:
    out = run("По итогам переговоров подписаны следующие документы:\n"
              "1. Соглашение между Правительством РК и Правительством КНР о сотрудничестве в области энергетики;\n"
              "2. Меморандум между министерством энергетики Казахстана и министерством коммерции КНР о развитии "
              "торговли.\nСтороны высоко оценили итоги визита.")
    assert [(a["kind"], a["status"]) for a in out["agreements"]] == [("agreement", "signed"), ("memorandum", "signed")]
    signing = [e for e in out["events"] if e["type"] == "signing"]
    assert len(signing) == 1
    assert {p["country"] for p in signing[0]["participants"]} >= {"KZ", "CN"}


@pytest.mark.slow
def test_trade_between_the_two_countries_is_relevant_transit_in_passing_is_not(run: Run) -> None:
    assert run("Товарооборот между Казахстаном и Китаем вырос на 20%.")["kz_cn"]["relevant"] is True
    assert run("Президенты России и Казахстана обсудили транзит грузов из Китая через Казахстан.")[
        "kz_cn"]["relevant"] is False
