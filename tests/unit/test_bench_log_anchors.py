"""Code and docs cite measurements as bench/LOG.md#hot-spot-N: every anchor they cite exists in the log."""

from __future__ import annotations

import re

from tests.support.services import ROOT

CITE = re.compile(r"bench/LOG\.md#([\w-]+)")


def test_every_cited_anchor_exists() -> None:
    log = (ROOT / "bench" / "LOG.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', log))
    files = [*ROOT.joinpath("workers").rglob("*.py"), *ROOT.joinpath("docs").glob("*.md"), ROOT / "bench" / "README.md"]
    cited = {(str(f.relative_to(ROOT)), a) for f in files for a in CITE.findall(f.read_text(encoding="utf-8"))}
    assert cited, "the code cites the log somewhere"
    assert sorted(c for c in cited if c[1] not in anchors) == []
    assert {f"hot-spot-{n}" for n in range(1, 23)} <= anchors  # numbered once, never renumbered
