"""warm_up leaves the process's long-lived objects (the models first of all) outside the garbage collector."""

from __future__ import annotations

import gc

from tests.support.settings import SETTINGS
from workers.extract import warm_up
from workers.extract.nlp import _models


def test_warm_up_freezes_the_loaded_models() -> None:
    gc.unfreeze()
    warm_up(SETTINGS)
    frozen = gc.get_freeze_count()
    # the natasha models and vocabularies alone are tens of thousands of objects
    assert frozen > 10_000
    # and what warm_up loaded is among them: no collection will scan the models again
    models = _models()
    assert not any(obj is models for obj in gc.get_objects())
