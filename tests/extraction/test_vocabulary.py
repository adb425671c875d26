"""The closed vocabularies the engine, the CLI and the tests share are the contract's own: each list in
workers/extract/vocabulary.py is read back out of docs/extraction-contract.md."""

from __future__ import annotations

import re

from tests.support.services import ROOT
from workers.extract import vocabulary


def _listed(contract: str, label: str) -> set[str]:
    """The backticked values on the contract's line (or wrapped lines) that start with `label`."""
    block = contract.split(label, 1)[1].split("\n- ", 1)[0]
    return set(re.findall(r"`([a-z_]+)`", block))


def test_vocabularies_are_the_contracts() -> None:
    contract = (ROOT / "docs" / "extraction-contract.md").read_text(encoding="utf-8")
    assert set(vocabulary.EVENT_TYPES) == _listed(contract, "`events[].type`:")
    assert set(vocabulary.EVENT_STATUSES) == _listed(contract, "`events[].status`:")
    assert set(vocabulary.AGREEMENT_KINDS) == _listed(contract, "`agreements[].kind`:")
    assert set(vocabulary.AGREEMENT_LEVELS) == _listed(contract, "`agreements[].level`:")
    assert set(vocabulary.AGREEMENT_STATUSES) == _listed(contract, "`agreements[].status`:")
    assert set(vocabulary.SECTORS) == _listed(contract, "`sectors`:")
