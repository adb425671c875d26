"""People and bodies: nominative canonical names, gazetteer resolution in any case, glued words, context."""

from __future__ import annotations

from typing import Any

import pytest

from tests.extraction.conftest import Run


def names(out: dict[str, Any], key: str = "persons") -> list[str]:
    return [x["name"] for x in out[key]]


@pytest.mark.slow
def test_person_in_instrumental_case_is_nominative_and_gets_gazetteer_country(run: Run) -> None:
    out = run("Вчера в Астане министр провёл беседу с Ли Цяном о поставках газа.")
    assert names(out) == ["Ли Цян"]
    assert out["persons"][0]["country"] == "CN"


@pytest.mark.slow
def test_surname_alone_is_the_same_person_as_the_full_name(run: Run) -> None:
    out = run("Касым-Жомарт Токаев открыл заседание. Затем Токаев ответил на вопросы журналистов.")
    assert names(out) == ["Касым-Жомарт Токаев"]
    assert out["persons"][0]["mentions"] == 2


@pytest.mark.slow
def test_glued_following_word_does_not_break_a_name(run: Run) -> None:
    out = run("Переговоры провёл Ли Цян. Ли Цянтакже отметил рост товарооборота с Казахстаном.")
    assert names(out) == ["Ли Цян"]


@pytest.mark.slow
def test_country_of_unknown_person_comes_from_the_position_before_the_name(run: Run) -> None:
    out = run("Министр иностранных дел Монголии Батбаяр Дашдорж прибыл в Астану с официальным визитом.")
    person = out["persons"][0]
    assert person["name"] == "Батбаяр Дашдорж"
    assert person["country"] == "MN"


@pytest.mark.slow
def test_lowercase_ministry_resolves_to_canonical_gazetteer_name(run: Run) -> None:
    out = run("Соглашение подписали представители министерства энергетики Казахстана и министерства "
              "коммерции КНР.")
    assert set(names(out, "organizations")) == {
        "Министерство энергетики Республики Казахстан",
        "Министерство коммерции Китайской Народной Республики",
    }


@pytest.mark.slow
def test_body_missing_from_gazetteer_gets_nominative_name_with_country_written_out(run: Run) -> None:
    out = run("Меморандум подписан с главным таможенным управлением КНР и министерством цифрового "
              "развития Казахстана.")
    orgs = {o["name"]: o["country"] for o in out["organizations"]}
    assert orgs.get("Главное таможенное управление Китайской Народной Республики") == "CN"
    assert orgs.get("Министерство цифрового развития Республики Казахстан") == "KZ"


@pytest.mark.slow
def test_caption_words_are_not_people(run: Run) -> None:
    out = run("Стороны обсудили торговлю между Казахстаном и Китаем.\nЧитайте также:\nФото пресс-службы")
    assert out["persons"] == []


@pytest.mark.slow
def test_glued_words_split_only_with_evidence_from_the_text() -> None:
    from workers.extract import nlp

    text = ("Компания Тестэнерго сообщила о росте добычи. Тестэнергоподписал контрактна поставку газа. "
            "Эта задача возможна, а картина Живерни интересна.")
    fixed, index = nlp.repair(text)
    assert "Тестэнерго подписал" in fixed
    assert "контракт на поставку" in fixed
    assert "возможна" in fixed and "Живерни" in fixed and "интересна" in fixed
    # offsets map back to the original text
    assert index is not None
    pos = fixed.index("подписал")
    assert text[index[pos]:index[pos] + len("подписал")] == "подписал"


@pytest.mark.slow
def test_transcribed_chinese_name_in_oblique_case_becomes_nominative(run: Run) -> None:
    out = run("Аким области провёл встречу с Генеральным консулом КНР Ду Дэвэнем. "
              "Аким пригласил Ду Дэвэня на выставку.")
    assert "Ду Дэвэнь" in names(out)
