"""Extraction unit tests run against a small gazetteer written for them, not the project's seeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.support.extraction import FIXTURE_SETTINGS

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def run() -> Run:
    from workers.extract import extract_document
    from workers.models import CleanDoc

    def _run(text: str, published: date | None = date(2025, 5, 20)) -> dict[str, Any]:
        return extract_document(CleanDoc(text=text, published=published), settings=FIXTURE_SETTINGS)

    return _run
