"""clean_html: a written news page → CleanDoc; not-HTML, empty and hostile pages → the right error."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.settings import SETTINGS
from workers.clean import clean_html
from workers.errors import PermanentError, QuarantineError

PARAGRAPHS = [
    "Премьер-министр Казахстана принял в Астане делегацию крупной китайской машиностроительной корпорации.",
    "Стороны обсудили строительство завода по сборке сельскохозяйственной техники в Костанайской области "
    "и локализацию производства комплектующих.",
    "Проект рассчитан на пять лет; первая очередь предприятия должна заработать уже в следующем году.",
    "Также речь шла о подготовке кадров: инженеров планируют обучать в профильных колледжах региона.",
]

PAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>Премьер принял китайскую делегацию | Новости</title>
<meta property="og:title" content="Премьер принял китайскую делегацию">
<meta property="article:published_time" content="2025-09-14T10:20:00+05:00">
<link rel="canonical" href="https://gov.example.kz/ru/news/premier-delegation-4411">
<script>var tracker = "<div><div><div>"; function f(a,b){{return a<b}}</script>
<style>.x{{color:red}}</style>
</head><body>
<header><nav><a href="/">Главная</a> <a href="/ru/news">Новости</a> <a href="/ru/contacts">Контакты</a></nav></header>
<main><article>
<h1>Премьер принял китайскую делегацию</h1>
<p class="date">14 сентября 2025</p>
<figure><img src="data:image/png;base64,{blob}"><figcaption>Фото: пресс-служба правительства</figcaption></figure>
{paragraphs}
<p>Поделиться</p>
</article>
<aside><h3>Читайте также</h3><ul><li><a href="/ru/news/1">Другая новость</a></li></ul></aside>
</main>
<footer><p>© 2025 Правительство. Все права защищены.</p></footer>
</body></html>"""


def page(**kw: str) -> str:
    return PAGE.format(blob="A" * 5000, paragraphs="\n".join(f"<p>{p}</p>" for p in PARAGRAPHS), **kw)


def test_article_text_title_date_language_canonical() -> None:
    doc = clean_html(
        page().encode("utf-8"),
        url="https://gov.example.kz/ru/news/premier-delegation-4411?utm_source=tg",
        headers={"Content-Type": "text/html; charset=utf-8"}, settings=SETTINGS
    )
    for p in PARAGRAPHS:
        assert p in doc.text
    assert "Главная" not in doc.text and "Все права защищены" not in doc.text
    assert "Поделиться" not in doc.text and "tracker" not in doc.text
    assert doc.title == "Премьер принял китайскую делегацию"
    assert doc.published == date(2025, 9, 14)
    assert doc.language == "ru"
    assert doc.canonical_url == "https://gov.example.kz/ru/news/premier-delegation-4411"
    assert "\n\n" in doc.text and "\n\n\n" not in doc.text
    assert len(doc.content_hash) == 64 and doc.simhash != 0


def test_str_input_gives_the_same_document() -> None:
    a = clean_html(page(), url="https://gov.example.kz/ru/news/x", settings=SETTINGS)
    b = clean_html(page().encode(), url="https://gov.example.kz/ru/news/x", settings=SETTINGS)
    assert a == b


def test_canonical_falls_back_to_the_page_url() -> None:
    html = page().replace("https://gov.example.kz/ru/news/premier-delegation-4411", "https://mirror.example.com/x")
    doc = clean_html(html, url="https://gov.example.kz/ru/news/x#top", settings=SETTINGS)
    assert doc.canonical_url == "https://gov.example.kz/ru/news/x"


def test_windows_1251_page_through_the_decoder() -> None:
    html = page().replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
    doc = clean_html(
        html.encode("cp1251"),
        url="https://gov.example.kz/ru/news/x",
        headers={"content-type": "text/html; charset=windows-1251"}, settings=SETTINGS
    )
    assert PARAGRAPHS[0] in doc.text


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"%PDF-1.7 binary", {}, "not HTML"),
        (b"\x89PNG\r\n\x1a\n....", {"content-type": "image/png"}, "not HTML"),
        ("просто текст без разметки".encode(), {}, "not HTML"),
        (b"<html><head><title>x</title></head><body></body></html>", {}, "no article text"),
        (b"<html><body><nav><a href='/'>Menu</a></nav></body></html>", {}, "no article text"),
    ],
)
def test_not_html_or_empty(body: bytes, headers: dict[str, str], message: str) -> None:
    with pytest.raises(PermanentError, match=message) as info:
        clean_html(body, url="https://a.example.kz/x", headers=headers, settings=SETTINGS)
    assert not isinstance(info.value, QuarantineError)


def test_hostile_attribute_flood_is_quarantined() -> None:
    flood = "<p " + " ".join(f"data-a{i}='v'" for i in range(20_000)) + ">x</p>"
    with pytest.raises(QuarantineError, match="attributes"):
        clean_html(page().replace("<main>", "<main>" + flood), url="https://a.example.kz/x", settings=SETTINGS)


def test_deep_nesting_is_quarantined() -> None:
    nest = "<div>" * 5000 + "x" + "</div>" * 5000
    with pytest.raises(QuarantineError, match="nested"):
        clean_html(page().replace("<main>", "<main>" + nest), url="https://a.example.kz/x", settings=SETTINGS)


def test_oversized_raw_input_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.clean import html
    from workers.decoding import charset
    small = SETTINGS.model_copy(update={"max_html_bytes": 10_000})

    def never(*_a: object, **_k: object) -> str:
        raise AssertionError("an oversized page must not be decoded")

    monkeypatch.setattr(html, "decode_html", never)
    assert charset.decode_html is not never
    with pytest.raises(QuarantineError, match="too large"):
        clean_html(b"<html><body>" + b"<p>x</p>" * 5000, url="https://a.example.kz/x", settings=small)
