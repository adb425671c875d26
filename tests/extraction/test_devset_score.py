"""Extraction quality on the paraphrased dev set, scored by the shared acceptance scorer (overall F1 ≥ 0.90)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.scoring import load_scorer
from tests.support.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "tests" / "extraction" / "devset"
CORE = ["events", "agreements", "agreement_totals", "persons", "figures", "sectors"]


def _predict(path: Path) -> dict:
    from workers.extract import extract_document
    from workers.models import CleanDoc

    return extract_document(CleanDoc(text=path.read_text(encoding="utf-8")), settings=SETTINGS)


def _score(pairs: list[tuple[dict, dict]], scorer: ModuleType) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = {}
    for gold, pred in pairs:
        for k, v in scorer.score_document(gold, pred).items():
            acc = totals.setdefault(k, [0, 0, 0])
            for i in range(3):
                acc[i] += v[i]
    return totals


def _overall(totals: dict[str, list[int]], scorer: ModuleType) -> float:
    tp = sum(totals[c][0] for c in CORE if c in totals)
    fp = sum(totals[c][1] for c in CORE if c in totals)
    fn = sum(totals[c][2] for c in CORE if c in totals)
    return float(scorer.prf(tp, fp, fn)[2])


@pytest.mark.slow
def test_devset_overall_f1(tmp_path: Path) -> None:
    scorer = load_scorer()
    golds = sorted(DEVSET.glob("*.json"))
    if not golds:
        pytest.skip("dev set not present yet")
    pairs = []
    lines = []
    for gold_path in golds:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        txt = gold_path.with_suffix(".txt")
        pred = _predict(txt)
        pairs.append((gold, pred))
        lines.append(json.dumps({**pred, "path": str(txt.relative_to(ROOT))}, ensure_ascii=False))
    (tmp_path / "devset_pred.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    totals = _score(pairs, scorer)
    scorer.report(totals)  # per-category figures in the test output (-s or on failure)
    assert _overall(totals, scorer) >= 0.90
