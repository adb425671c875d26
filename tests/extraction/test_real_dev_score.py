"""Extraction on real reporting (issue #14): the 56 reports of ../shared/data/real-dev, both halves of the split
fixed before tuning (odd numbers tune, even numbers check; tests/extraction/real_dev.py).

Run with -s to see each half's table and every miss (what gold has, what we gave). The texts are read from
../shared by relative path and never copied here; the test skips (fails in CI) when they are absent.

The issue's bars (overall ≥ 0.92, events ≥ 0.90, agreements ≥ 0.85, persons ≥ 0.95, relevance 1.0) are in
real_dev.BARS and printed with the gap to each. What is asserted is relevance without a miss and a floor just
under the figures reached so far, so a change that loses ground on real text fails here.
"""

from __future__ import annotations

import pytest

from tests.conftest import require_shared
from tests.extraction import real_dev

# Reached when this floor was set (tune / check): overall 0.912 / 0.914, events 0.919 / 0.818,
# agreements 0.593 / 0.706, persons 0.977 / 0.993. Raise these as the engine improves; never lower them.
FLOORS = {
    "tune": {"overall": 0.90, "events": 0.90, "agreements": 0.58, "persons": 0.96, "figures": 0.95},
    "check": {"overall": 0.90, "events": 0.80, "agreements": 0.69, "persons": 0.98, "figures": 0.95},
}


@pytest.fixture(scope="module")
def halves() -> dict[str, real_dev.HalfScore]:
    require_shared("data", "real-dev", "gold")
    require_shared("tools", "score_extraction.py")
    from workers.extract import gazetteer

    gazetteer.use(None)  # the project's own seeds, as the workers run
    return real_dev.score()


def _report(name: str, half: real_dev.HalfScore) -> None:
    print(f"\n== {name} half")
    print(half.table())
    for category, bar in real_dev.BARS.items():
        got = half.overall() if category == "overall" else half.f1(category)
        verdict = "ok" if got >= bar else f"short by {bar - got:.3f}"
        print(f"  bar {category:11} {bar:.2f}  reached {got:.3f}  {verdict}")
    print("\n".join(half.misses))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tune", "check"])
def test_real_dev_half_holds_its_floor(halves: dict[str, real_dev.HalfScore], name: str) -> None:
    half = halves[name]
    _report(name, half)
    assert half.totals["relevance_accuracy"][2] == 0, "a real report got the wrong kz_cn.relevant"
    for category, floor in FLOORS[name].items():
        got = half.overall() if category == "overall" else half.f1(category)
        assert got >= floor, f"{name} half: {category} F1 {got:.3f} fell below its floor {floor}"


def test_the_split_is_odd_and_even() -> None:
    assert [real_dev.half_of(f"d{n:02d}") for n in (1, 2, 37, 58)] == ["tune", "check", "tune", "check"]
