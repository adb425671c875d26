"""Extraction unit tests run against a small gazetteer written for them, not the project's seeds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

FIXTURE = Path(__file__).parent / "gazetteer_fixture"
Run = Callable[..., dict[str, Any]]


@pytest.fixture
def run() -> Iterator[Run]:
    from workers.extract import extract_document, gazetteer
    from workers.models import CleanDoc

    gazetteer.use(gazetteer.load(FIXTURE))

    def _run(text: str, published: date | None = date(2025, 5, 20)) -> dict[str, Any]:
        return extract_document(CleanDoc(text=text, published=published))

    yield _run
    gazetteer.use(None)
