"""The shared seed article (official visit, talks, four documents) scores F1 1.000 in every category."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.scoring import load_scorer
from tests.support.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
SEED_TEXT = ROOT.parent / "shared" / "seeds" / "000_26ebbd2a5ad7ecf1.txt"
SEED_GOLD = ROOT.parent / "shared" / "gold" / "seed_000.json"
CORE = ["events", "agreements", "agreement_totals", "persons", "figures", "sectors"]


@pytest.mark.slow
def test_seed_article_scores_perfectly() -> None:
    scorer = load_scorer()
    if not SEED_TEXT.exists() or not SEED_GOLD.exists():
        pytest.skip("shared seed article or gold absent")
    gold = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    from workers.extract import extract_document
    from workers.models import CleanDoc

    # the raw text still has its photo caption and "Еще по теме": they must not produce anything
    pred = extract_document(CleanDoc(text=SEED_TEXT.read_text(encoding="utf-8")), settings=SETTINGS)
    scores = scorer.score_document(gold, pred)
    for cat in [*CORE, "relevance"]:
        if cat not in scores:  # the gold file has no totals section
            continue
        tp, fp, fn = scores[cat]
        assert fp == 0 and fn == 0, f"{cat}: tp={tp} fp={fp} fn={fn}"
    # bodies (not scored by the tool) come out as the gold's canonical nominative names
    assert {o["name"] for o in gold["organizations"]} <= {o["name"] for o in pred["organizations"]}
