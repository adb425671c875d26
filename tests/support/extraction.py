"""Extraction tests run against a small gazetteer written for them (tests/extraction/fixture_seeds/gazetteer),
given to the stage the way the workers give theirs: as `settings.seeds_dir`."""

from __future__ import annotations

from pathlib import Path

from tests.support.settings import SETTINGS

FIXTURE_SEEDS = Path(__file__).resolve().parents[1] / "extraction" / "fixture_seeds"
FIXTURE_SETTINGS = SETTINGS.model_copy(update={"seeds_dir": FIXTURE_SEEDS})
