"""decode_html: declared and detected charsets, BOMs, mojibake repair, and quarantine of garbage."""

from __future__ import annotations

import random

import pytest

from workers.decoding.charset import declared_charset, decode_html, repair_mojibake, russian_score
from workers.errors import QuarantineError

# Our own sentences, written for these tests.
RU = ("Министры двух стран подписали в Астане соглашение о совместном строительстве логистического "
      "центра. Стороны договорились ускорить оформление грузов на границе и расширить поставки зерна.")
KK = "Қазақстан мен Қытай арасындағы сауда көлемі өсті деп хабарлады министрлік."


def page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>Новости</title></head><body><p>{text}</p></body></html>"


def ct(charset: str) -> dict[str, str]:
    return {"Content-Type": f"text/html; charset={charset}"}


def cp1251_mojibake(text: str) -> str:
    """UTF-8 bytes read as windows-1251 (0x98, undefined there, kept as U+0098 as Windows does)."""
    return "".join(bytes([b]).decode("cp1251") if b != 0x98 else "\x98" for b in text.encode("utf-8"))


def cp1252_mojibake(text: str) -> str:
    undefined = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    return "".join(chr(b) if b in undefined else bytes([b]).decode("cp1252") for b in text.encode("utf-8"))


@pytest.mark.parametrize("encoding", ["utf-8", "windows-1251", "koi8-r"])
def test_declared_charset_in_the_http_header(encoding: str) -> None:
    assert RU in decode_html(page(RU).encode(encoding), ct(encoding))


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
@pytest.mark.parametrize("meta", [
    '<meta charset="{}">',
    '<meta http-equiv="Content-Type" content="text/html; charset={}">',
    "<META CONTENT='text/html; charset={}' HTTP-EQUIV='content-type'>",
])
def test_meta_charset_in_the_head(encoding: str, meta: str) -> None:
    body = page(RU, head=meta.format(encoding)).encode(encoding)
    assert declared_charset(body, {}) == encoding
    assert RU in decode_html(body, {})


def test_meta_after_a_long_head_start_is_found() -> None:
    head = "<script>" + "var x = 1;" * 300 + "</script>" + '<meta charset="koi8-r">'  # ~3 KB in
    body = page(RU, head=head).encode("koi8-r")
    assert declared_charset(body, {}) == "koi8-r"


def test_http_header_wins_over_meta() -> None:
    body = page(RU, head='<meta charset="koi8-r">').encode("windows-1251")
    assert declared_charset(body, ct("windows-1251")) == "windows-1251"
    assert RU in decode_html(body, ct("windows-1251"))


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
def test_undeclared_single_byte_cyrillic_is_detected(encoding: str) -> None:
    assert RU in decode_html(page(RU).encode(encoding), {})


def test_wrong_cyrillic_declaration_is_overruled_by_the_letters() -> None:
    # The server says KOI8-R but sends windows-1251: read as KOI8-R it would be letter soup.
    body = page(RU).encode("windows-1251")
    assert RU in decode_html(body, ct("koi8-r"))


def test_utf8_declared_as_cp1251_is_read_as_utf8() -> None:
    assert RU in decode_html(page(RU).encode("utf-8"), ct("windows-1251"))


def test_kazakh_utf8_is_kept() -> None:
    assert KK in decode_html(page(KK).encode("utf-8"), {})


@pytest.mark.parametrize("bom,encoding", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                                          (b"\xfe\xff", "utf-16-be")])
def test_bom_decides(bom: bytes, encoding: str) -> None:
    body = bom + page(RU).encode(encoding)
    text = decode_html(body, ct("windows-1251"))  # a BOM outranks the header
    assert RU in text
    assert not text.startswith("\ufeff")


def test_bom_that_lies_is_quarantined() -> None:
    with pytest.raises(QuarantineError, match="byte order mark"):
        decode_html(b"\xef\xbb\xbf" + page(RU).encode("windows-1251"), {})


def test_cp1251_mojibake_is_repaired() -> None:
    broken = cp1251_mojibake(RU)
    assert broken.startswith("РњРёРЅРёСЃС‚СЂС‹")
    assert RU in decode_html(page(broken).encode("utf-8"), {})


def test_president_example_from_the_brief() -> None:
    assert repair_mojibake("РџСЂРµР·РёРґРµРЅС‚") == "Президент"


@pytest.mark.parametrize("mangle", [cp1252_mojibake, lambda t: t.encode("utf-8").decode("latin-1")])
def test_latin_mojibake_is_repaired(mangle: object) -> None:
    broken = mangle(RU)  # type: ignore[operator]
    assert "Ð" in broken
    assert RU in decode_html(page(broken).encode("utf-8"), {})


def test_mojibake_words_inside_good_text_are_repaired_one_by_one() -> None:
    text = "Сводка: " + cp1251_mojibake("в Астане и у границы") + " — обычный текст рядом."
    assert repair_mojibake(text) == "Сводка: в Астане и у границы — обычный текст рядом."


@pytest.mark.parametrize("good", [
    "Рівне і Сіверськ: українські назви не ламаються.",  # "Рі" inside a word is not mojibake
    "Класс «С» и модель «Р» остаются как есть.",
    "Plain ASCII text stays.",
    KK,
])
def test_real_text_is_not_repaired(good: str) -> None:
    assert repair_mojibake(good) == good
    assert decode_html(page(good).encode("utf-8"), {}) == page(good)


def test_score_separates_russian_from_wrong_decodings() -> None:
    right = russian_score(RU)
    assert right > russian_score(RU.encode("windows-1251").decode("koi8-r")) + 1
    assert right > russian_score(RU.encode("koi8-r").decode("windows-1251")) + 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_are_quarantined(seed: int) -> None:
    garbage = random.Random(seed).randbytes(4000)
    with pytest.raises(QuarantineError, match=r"control characters|symbols"):
        decode_html(garbage, {})


@pytest.mark.parametrize("charset", [None, "windows-1251", "koi8-r"])
def test_random_high_bytes_are_quarantined_even_without_control_characters(charset: str | None) -> None:
    garbage = bytes(b | 0x80 for b in random.Random(5).randbytes(4000))
    with pytest.raises(QuarantineError, match="symbols"):
        decode_html(garbage, ct(charset) if charset else {})


def test_binary_with_an_html_header_is_quarantined() -> None:
    body = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    with pytest.raises(QuarantineError):
        decode_html(body, ct("utf-8"))


def test_source_full_of_replacement_characters_is_quarantined() -> None:
    damaged = page(RU.replace("о", "\ufffd")).encode("utf-8")
    with pytest.raises(QuarantineError, match="replacement"):
        decode_html(damaged, {})


def test_utf8_page_with_a_cp1251_fragment_is_patched_not_replaced() -> None:
    # Mostly UTF-8 with one windows-1251 word (a mixed-encoding page): no U+FFFD may appear.
    body = page(RU).encode("utf-8").replace("Астане".encode(), "Астане".encode("windows-1251"))
    text = decode_html(body, ct("utf-8"))
    assert "\ufffd" not in text
    assert RU in text


def test_mostly_invalid_utf8_is_not_patched_but_detected() -> None:
    body = page(RU).encode("windows-1251").replace(b"<title>", "<title>Заголовок ".encode())
    text = decode_html(body, {})
    # Read as windows-1251, the one UTF-8 word is mojibake, which the repair step then undoes.
    assert RU in text
    assert "<title>Заголовок Новости</title>" in text


def test_empty_body_is_empty_text() -> None:
    assert decode_html(b"", {}) == ""


FR = "Le marché était fermé; à côté, la boulangère préparait des crêpes pour l’été. Ça coûte déjà très cher."


@pytest.mark.parametrize("label", ["iso-8859-1", "latin1", "windows-1252"])
@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
def test_russian_mislabelled_as_latin_is_read_as_cyrillic(label: str, encoding: str) -> None:
    assert RU in decode_html(page(RU).encode(encoding), ct(label))


def test_western_page_labelled_latin_stays_latin() -> None:
    assert FR in decode_html(f"<p>{FR}</p>".encode("cp1252"), ct("iso-8859-1"))


def test_unlabelled_western_page_is_not_forced_into_cyrillic() -> None:
    assert FR in decode_html(f"<p>{FR}</p>".encode("cp1252"), {})


def test_a_few_stray_control_characters_are_tolerated() -> None:
    text = page(RU + "\x0b" + RU + "\x1f")
    assert decode_html(text.encode("utf-8"), {}) == text


@pytest.mark.parametrize("label,expected", [("win-1251", "windows-1251"), ("x-cp1251", "windows-1251"),
                                            ('"Windows-1251"', "windows-1251"), ("koi8r", "koi8-r"),
                                            ("cp1251", "windows-1251"), ("GB2312", "gb18030"),
                                            ("utf8", "utf-8"), ("no-such-charset", None)])
def test_charset_labels_seen_in_the_wild(label: str, expected: str | None) -> None:
    assert declared_charset(b"<html></html>", ct(label)) == expected


def test_chinese_page_in_gbk() -> None:
    text = "<p>两国签署了新的合作协议。</p>"
    assert decode_html(text.encode("gbk"), ct("gb2312")) == text


def test_long_chinese_page_in_gbk_is_not_taken_for_cyrillic() -> None:
    text = "<p>" + "两国元首在首都举行会谈，双方签署了关于物流、能源和农业合作的多项协议。" * 40 + "</p>"
    assert decode_html(text.encode("gbk"), ct("gbk")) == text
