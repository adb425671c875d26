"""clean_html over every page of the replay corpus (seeds/replay): text, title, date, no boilerplate left."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.support.settings import SETTINGS
from workers.clean import clean_html

REPLAY = Path(__file__).resolve().parents[2] / "seeds" / "replay"
BASE = "http://127.0.0.1:8080"
MANIFEST: dict[str, Any] = (
    tomllib.loads((REPLAY / "manifest.toml").read_text(encoding="utf-8")) if REPLAY.is_dir() else {"page": []}
)
PAGES = MANIFEST.get("page", [])
# Page furniture of the three replay layouts that must never reach the text.
LEFTOVERS = (
    "Поделиться", "Читайте также", "Еще по теме", "Свежее из этой рубрики", "cookie", "Согласен",
    "Все права защищены", "All rights reserved", "Ответственный редактор", "Автор:", "Источник: Агентство",
    "Фото:",
)  # fmt: skip


def body(page: dict[str, Any]) -> bytes:
    return (REPLAY / "sites" / page["path"].lstrip("/")).read_bytes().replace(b"{base}", BASE.encode())


pytestmark = pytest.mark.skipif(not PAGES, reason="replay corpus seeds/replay not present")


@pytest.mark.parametrize("page", PAGES, ids=[p["path"].rsplit("/", 1)[-1][:40] for p in PAGES])
def test_replay_page(page: dict[str, Any]) -> None:
    doc = clean_html(body(page), url=BASE + page["path"], headers={"content-type": page["content_type"]},
        settings=SETTINGS)
    assert doc.title == page["title"]
    assert doc.published == date.fromisoformat(page["published"])
    assert doc.language == "ru"
    assert doc.canonical_url == BASE + page["path"]
    assert len(doc.text) > 300
    for furniture in LEFTOVERS:
        assert furniture not in doc.text, furniture
    # decoded right whatever the declared charset: no mojibake, no replacement characters
    assert "\ufffd" not in doc.text and "Ð" not in doc.text and "Р°" not in doc.text
