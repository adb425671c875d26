"""Odd input never crashes extraction and always yields a contract-shaped object."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.support.settings import SETTINGS
from workers.extract import detect_language, extract_document
from workers.models import CleanDoc

KEYS = {"schema", "extractor_version", "title", "published", "language", "text", "kz_cn", "persons",
        "organizations", "events", "agreements", "agreement_totals", "figures", "sectors"}
RU = ("Касым-Жомарт Токаев провёл переговоры с Председателем КНР Си Цзиньпином в Астане. "
      "Подписано 5 соглашений на 300 млн долларов.\n")


def check_shape(out: dict[str, Any], text: str) -> None:
    assert set(out) >= KEYS
    assert out["schema"] == "silkwire.extraction/1"
    assert "path" not in out
    json.dumps(out)  # serialisable
    for section in ("events", "agreements", "agreement_totals", "figures"):
        for item in out[section]:
            ev = item["evidence"]
            assert text[ev["start"]:ev["end"]] == ev["text"]


def test_language_guess_is_by_script() -> None:
    assert detect_language("Президент провёл переговоры") == "ru"
    assert detect_language("The president held talks in Beijing") == "en"
    assert detect_language("Президент Қытайдың төрағасымен келіссөздер өткізді және әңгімелесті") == "kk"
    assert detect_language("国家主席习近平会见哈萨克斯坦总统") == "zh"
    assert detect_language("12345 !!!") is None


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\x00\x01\x02"])
def test_empty_text_gives_empty_lists(text: str) -> None:
    out = extract_document(CleanDoc(text=text), settings=SETTINGS)
    assert set(out) >= KEYS
    assert out["events"] == [] and out["persons"] == [] and out["kz_cn"]["relevant"] is False


@pytest.mark.parametrize("text", ["President Tokayev held talks with Xi Jinping in Astana on trade.",
                                  "国家主席习近平会见哈萨克斯坦总统托卡耶夫。"])
def test_non_russian_text_is_skipped_with_reason(text: str) -> None:
    out = extract_document(CleanDoc(text=text, published=date(2025, 1, 2)), settings=SETTINGS)
    assert out["skipped"].startswith("language")
    assert out["language"] in ("en", "zh")
    assert out["published"] == "2025-01-02"
    assert out["events"] == [] and out["figures"] == []


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "«" * 500 + "Казахстан" + "»" * 500,
    "а" * 20_000,
    "1 2 3 4 5 6 7 8 9 0 " * 300 + "млрд",
    "Китай\u200b и\u00a0Казахстан 🇰🇿🇨🇳 подписали\r\n\r\nдокумент\x0b о сотрудничестве. " * 20,
    "$ $ $ млн млрд %% № 12-й 2024 год 17–18 октября " * 50,
])
def test_garbage_does_not_crash(text: str) -> None:
    out = extract_document(CleanDoc(text=text), settings=SETTINGS)
    check_shape(out, out["text"])
    assert "skipped" not in out or not out["skipped"].startswith("extraction error")


@pytest.mark.slow
def test_huge_text_is_capped_and_marked() -> None:
    text = RU * 50
    out = extract_document(CleanDoc(text=text), settings=SETTINGS.model_copy(update={"max_text_chars": 1000}))
    assert out["truncated"] is True
    assert len(out["text"]) == 1000 and text.startswith(out["text"])
    check_shape(out, out["text"])
    assert out["events"]


@pytest.mark.slow
def test_output_is_deterministic() -> None:
    doc = CleanDoc(text=RU * 3, title="Заголовок", published=date(2024, 9, 1))
    first = json.dumps(extract_document(doc, settings=SETTINGS), ensure_ascii=False, sort_keys=True)
    second = json.dumps(extract_document(doc, settings=SETTINGS), ensure_ascii=False, sort_keys=True)
    assert first == second
    assert json.loads(first)["title"] == "Заголовок"


@pytest.mark.slow
def test_output_is_identical_across_processes_with_different_hash_seeds(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    src = tmp_path / "doc.txt"
    src.write_text(RU * 2 + "Министерство энергетики Казахстана и министерство коммерции КНР подписали "
                   "меморандум о сотрудничестве в области возобновляемой энергетики.", encoding="utf-8")
    code = ("import json,sys; from workers.extract import extract_document; from workers.models import CleanDoc;"
            "from workers.settings import get_settings;"
            "print(json.dumps(extract_document(CleanDoc(text=open(sys.argv[1]).read()), settings=get_settings()),"
            " ensure_ascii=False))")
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        res = subprocess.run([sys.executable, "-W", "ignore", "-c", code, str(src)], cwd=root, env=env,
                             capture_output=True, text=True, timeout=120, check=True)
        outs.append(res.stdout)
    assert outs[0] == outs[1] and outs[0].strip()


@pytest.mark.slow
@pytest.mark.parametrize("number", ["9" * 400, "1" + " 000" * 110, "1" + "0" * 25])
def test_a_huge_number_costs_nothing_else(number: str) -> None:
    """Security audit #17, finding 9: an overflowing amount replaced the whole extraction with 'skipped'."""
    text = RU + f"Инвестиции составят {number} долларов. Еще 40 млн долларов выделит банк.\n"
    out = extract_document(CleanDoc(text=text), settings=SETTINGS)
    check_shape(out, text)
    assert "skipped" not in out
    assert {p["name"] for p in out["persons"]} >= {"Касым-Жомарт Токаев", "Си Цзиньпин"}
    assert [e["type"] for e in out["events"]][:1] == ["talks"]
    money = {(f["value"], f["unit"]) for f in out["figures"] if f["kind"] == "money"}
    assert (40_000_000, "USD") in money
    assert all(isinstance(f["value"], int | float) and f["value"] < 1e15 for f in out["figures"])
