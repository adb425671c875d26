"""Clean + extract as one call, shared by the workers and `silkwire extract` so both agree byte for byte."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workers.clean import clean_html, clean_text
from workers.extract import extract_document
from workers.models import CleanDoc
from workers.settings import Settings


@dataclass(frozen=True)
class Analysis:
    doc: CleanDoc
    result: dict[str, Any]


def analyse_html(body: bytes | str, *, settings: Settings, url: str | None = None,
                 headers: Mapping[str, str] | None = None) -> Analysis:
    doc = clean_html(body, settings=settings, url=url, headers=headers)
    return Analysis(doc, extract_document(doc, settings=settings))


def analyse_text(text: str, *, settings: Settings, title: str | None = None) -> Analysis:
    doc = clean_text(text, settings=settings, title=title)
    return Analysis(doc, extract_document(doc, settings=settings))


def to_json_line(result: Mapping[str, Any], path: str) -> str:
    """The contract's JSON Lines form: `path` after the version, then the stored object unchanged."""
    ordered = {"schema": result.get("schema"), "extractor_version": result.get("extractor_version"),
               "path": path}
    ordered.update((k, v) for k, v in result.items() if k not in ordered)
    return json.dumps(ordered, ensure_ascii=False)
