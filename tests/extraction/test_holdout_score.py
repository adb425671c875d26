"""Extraction quality on the held-out set written after the engine (tests/extraction/holdout/README.md).

Scored by the shared acceptance scorer; per-category figures are printed (-s); overall F1 must stay ≥ 0.85.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.scoring import load_scorer
from tests.support.settings import SETTINGS
from workers.extract import vocabulary

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = ROOT / "tests" / "extraction" / "holdout"
CORE = ["events", "agreements", "agreement_totals", "persons", "figures", "sectors"]
EVENT_TYPES = set(vocabulary.EVENT_TYPES)
EVENT_STATUSES = set(vocabulary.EVENT_STATUSES)
AGREEMENT_KINDS = set(vocabulary.AGREEMENT_KINDS)
SECTORS = set(vocabulary.SECTORS)


def _predict(path: Path) -> dict:
    from workers.extract import extract_document
    from workers.models import CleanDoc

    return extract_document(CleanDoc(text=path.read_text(encoding="utf-8")), settings=SETTINGS)


@pytest.mark.slow
def test_holdout_overall_f1() -> None:
    scorer = load_scorer()
    golds = sorted(HOLDOUT.glob("*.json"))
    assert len(golds) >= 12, "the held-out set has twelve documents"
    totals: dict[str, list[int]] = {}
    misses: list[str] = []
    for gold_path in golds:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pred = _predict(gold_path.with_suffix(".txt"))
        for k, v in scorer.score_document(gold, pred).items():
            acc = totals.setdefault(k, [0, 0, 0])
            for i in range(3):
                acc[i] += v[i]
            if k in CORE and (v[1] or v[2]):
                misses.append(f"{gold_path.stem}: {k} tp/fp/fn={v}")
    print("\n".join(misses))
    f1 = scorer.report(totals)  # per-category precision/recall/F1, then "overall f1=..."
    # relevance is decided per document and must not slip on held-out text either
    assert totals["relevance_accuracy"][2] == 0, "a held-out document got the wrong kz_cn.relevant"
    assert f1 >= 0.85


def test_holdout_gold_is_well_formed() -> None:
    """Every held-out gold names its text, which exists, and uses the contract's closed vocabularies."""
    golds = sorted(HOLDOUT.glob("*.json"))
    assert golds
    for gold_path in golds:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        assert (ROOT / gold["document"]).exists(), gold["document"]
        assert gold["document"].endswith(gold_path.stem + ".txt")
        for e in gold["events"]:
            assert e["type"] in EVENT_TYPES and e["status"] in EVENT_STATUSES, (gold_path.name, e)
        for g in gold["agreements"]:
            assert g["kind"] in AGREEMENT_KINDS and len(g["parties"]) >= 2, (gold_path.name, g)
        assert gold["sectors"] is None or set(gold["sectors"]) <= SECTORS, gold_path.name
