"""docs/extraction-contract.md is the team's contract (../shared/docs/extraction-contract.md) kept in the repo:
below its leading comment it is that file byte for byte. Skips where ../shared is absent (fails in CI)."""

from __future__ import annotations

from tests.support.services import ROOT, require_shared

NOTE_END = "-->\n\n"


def test_repo_copy_is_the_shared_contract() -> None:
    shared = require_shared("docs", "extraction-contract.md").read_bytes()
    ours = (ROOT / "docs" / "extraction-contract.md").read_text(encoding="utf-8")
    assert ours.startswith("<!-- Kept in step with"), "the copy says at its top where it comes from"
    body = ours.split(NOTE_END, 1)[1]
    assert body.encode("utf-8") == shared, "docs/extraction-contract.md drifted from ../shared: copy it over again"
