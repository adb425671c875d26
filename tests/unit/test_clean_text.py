"""clean_text: whitespace, paragraphs, boilerplate lines, title from the first line, hash and language."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.support.settings import SETTINGS
from workers.clean import clean_text
from workers.clean.text import is_credit, is_prompt, is_related_header

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED = SHARED / "seeds" / "000_26ebbd2a5ad7ecf1.txt"
GOLD = SHARED / "gold" / "seed_000.json"

ARTICLE = """Министр встретился с послом КНР
Стороны обсудили грузовые перевозки
Фото: пресс-служба МИД РК

Министр иностранных дел Казахстана провёл  встречу с\u00a0послом Китая в Астане.

Собеседники обсудили\tрост контейнерных перевозок через пограничный переход Хоргос.
Читайте также: Новый терминал открыт на границе
Подписывайтесь на наш Telegram-канал
Поделиться

Еще по теме:
Транзит через Казахстан вырос
Вице-премьер посетил Урумчи
"""


def test_boilerplate_removed_and_recorded() -> None:
    doc = clean_text(ARTICLE, settings=SETTINGS)
    for gone in (
        "Фото: пресс-служба МИД РК",
        "Читайте также: Новый терминал открыт на границе",
        "Подписывайтесь на наш Telegram-канал",
        "Поделиться",
        "Еще по теме:",
        "Транзит через Казахстан вырос",
        "Вице-премьер посетил Урумчи",
    ):
        assert gone not in doc.text
        assert gone in doc.removed_lines
    assert "пограничный переход Хоргос." in doc.text


def test_paragraphs_and_whitespace() -> None:
    doc = clean_text(ARTICLE, settings=SETTINGS)
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[:2] == ["Министр встретился с послом КНР", "Стороны обсудили грузовые перевозки"]
    assert "Министр иностранных дел Казахстана провёл встречу с послом Китая в Астане." in paragraphs
    assert "\n\n\n" not in doc.text and "  " not in doc.text and "\t" not in doc.text and "\u00a0" not in doc.text
    assert doc.text == doc.text.strip()


def test_title_is_the_first_line_unless_given() -> None:
    assert clean_text(ARTICLE, settings=SETTINGS).title == "Министр встретился с послом КНР"
    assert clean_text(ARTICLE, title="  Заголовок\nиз ленты ", settings=SETTINGS).title == "Заголовок из ленты"


def test_title_kept_in_text() -> None:
    doc = clean_text(ARTICLE, settings=SETTINGS)
    assert doc.text.startswith(doc.title or "<none>")


def test_hash_and_simhash_follow_the_text() -> None:
    doc = clean_text(ARTICLE, settings=SETTINGS)
    assert doc.content_hash == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    # the same text with different boilerplate and spacing is the same document
    noisy = ARTICLE.replace("Поделиться", "Поделиться\n\n\nФото из открытых источников").replace("  ", "   ")
    again = clean_text(noisy, settings=SETTINGS)
    assert again.content_hash == doc.content_hash and again.simhash == doc.simhash
    assert -(2**63) <= doc.simhash < 2**63 and doc.simhash != 0


def test_invisible_and_control_characters() -> None:
    doc = clean_text("Строка\u200bс нулевым\u00adпробелом\x00 и\r\nвторая строка\x07", settings=SETTINGS)
    assert doc.text == "Строкас нулевымпробелом и\n\nвторая строка"


def test_composed_unicode() -> None:
    decomposed = "Казахстан и Китаи\u0306: новыи\u0306 маршрут"
    assert clean_text(decomposed, settings=SETTINGS).text == "Казахстан и Китай: новый маршрут"


@pytest.mark.parametrize(
    "line",
    [
        "фото пресс-службы президента Казахстана",
        "Фото: Akorda",
        "Фото из открытых источников",
        "Фото — Reuters",
        "© Kazinform",
        "Иллюстративное фото: pixabay",
    ],
)
def test_credits(line: str) -> None:
    assert is_credit(line)


@pytest.mark.parametrize(
    "line",
    [
        "Фотографии с переговоров опубликовала пресс-служба, на них видно, как стороны подписывают соглашение.",
        "Видеосвязь позволила провести заседание межправкомиссии без задержек.",
        "По теме переговоров стороны выпустили совместное заявление.",
        "Поделиться опытом приехали специалисты из Сианя.",
        "Следите за ситуацией в регионе, призвал министр.",
        "Присоединяйтесь к инициативе по озеленению, обратился к жителям аким.",
    ],
)
def test_sentences_that_merely_start_like_boilerplate_are_kept(line: str) -> None:
    assert not is_credit(line) and not is_prompt(line) and not is_related_header(line)
    assert clean_text(line, settings=SETTINGS).text == line


@pytest.mark.parametrize(
    "line",
    [
        "Поделиться",
        "Подписывайтесь на наш Telegram",
        "Если вы нашли ошибку, выделите её и нажмите Ctrl+Enter",
        "Facebook, Telegram, WhatsApp",
        "Теги: Китай, Казахстан",
    ],
)
def test_prompts(line: str) -> None:
    assert is_prompt(line)


@pytest.mark.parametrize(
    "line", ["Еще по теме:", "Ещё по теме", "Читайте также", "Свежее из этой рубрики", "Похожие новости"]
)
def test_related_headers(line: str) -> None:
    assert is_related_header(line)


def test_related_header_mid_article_does_not_swallow_the_rest() -> None:
    text = "Начало статьи.\n\nЧитайте также\n\n" + "\n\n".join(
        f"Абзац номер {i}: стороны обсудили поставки зерна и сроки строительства нового терминала." for i in range(5)
    )
    doc = clean_text(text, settings=SETTINGS)
    assert doc.removed_lines == ("Читайте также",)
    assert doc.text.count("Абзац номер") == 5


def test_language_guess() -> None:
    assert clean_text(ARTICLE, settings=SETTINGS).language == "ru"
    assert (
        clean_text("Қазақстан мен Қытай арасындағы сауда көлемі өсті, тараптар жаңа жобаларды талқылады.",
            settings=SETTINGS).language
        == "kk"
    )
    assert clean_text("The two sides discussed freight transit and new border crossings.",
        settings=SETTINGS).language == "en"
    assert clean_text("中国与哈萨克斯坦签署了关于铁路建设的合作备忘录。", settings=SETTINGS).language == "zh"
    assert clean_text("12 345", settings=SETTINGS).language is None


def test_dateline_near_the_top_is_the_publication_date() -> None:
    from datetime import date

    assert clean_text("Заголовок\n1 октября 2026 года\n\nТекст о переговорах.",
        settings=SETTINGS).published == date(2026, 10, 1)
    assert clean_text("Заголовок\n12.11.2025 14:30\nТекст.", settings=SETTINGS).published == date(2025, 11, 12)
    # a date inside a sentence, or a future one, is not a dateline
    assert clean_text("Заголовок\nВстреча пройдёт 1 октября 2026 года в Астане, сообщили в МИД.",
        settings=SETTINGS).published is None
    assert clean_text("Заголовок\n1 октября 2099 года\nТекст.", settings=SETTINGS).published is None
    assert clean_text(ARTICLE, settings=SETTINGS).published is None


def test_empty_text() -> None:
    doc = clean_text("\n \n", settings=SETTINGS)
    assert doc.text == "" and doc.title is None


@pytest.mark.skipif(not SEED.exists() or not GOLD.exists(), reason="shared seed article/gold not present")
def test_seed_article_matches_gold() -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    doc = clean_text(SEED.read_text(encoding="utf-8"), settings=SETTINGS)
    for must in gold["text_must_contain"]:
        assert must in doc.text
    for gone in gold["boilerplate_removed"]:
        assert gone not in doc.text
        assert gone in doc.removed_lines
    assert doc.title == SEED.read_text(encoding="utf-8").splitlines()[0].strip()
    assert doc.language == "ru"
