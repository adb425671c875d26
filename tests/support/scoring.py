"""The shared acceptance scorer (`../shared/tools/score_extraction.py`), loaded by path for the tests."""

from __future__ import annotations

import importlib.util
from functools import cache
from types import ModuleType

from tests.support.services import require_shared


@cache
def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_scorer() -> ModuleType:
    """The scorer module; skips locally (fails in CI) when shared/ is not beside the project."""
    return _load(str(require_shared("tools", "score_extraction.py")))
