"""parse_feed and listing_links over the replay corpus feeds (RSS 2.0, Atom, RSS 1.0) and listing page."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.support.settings import SETTINGS
from workers.feeds.discover import listing_links
from workers.feeds.parse import parse_feed
from workers.urls import canonicalize

REPLAY = Path(__file__).resolve().parents[2] / "seeds" / "replay"
BASE = "http://127.0.0.1:8080"
MANIFEST: dict[str, Any] = (
    tomllib.loads((REPLAY / "manifest.toml").read_text(encoding="utf-8")) if REPLAY.is_dir() else {}
)
pytestmark = pytest.mark.skipif(not MANIFEST, reason="replay corpus seeds/replay not present")


def body(path: str) -> bytes:
    return (REPLAY / "sites" / path.lstrip("/")).read_bytes().replace(b"{base}", BASE.encode())


@pytest.mark.parametrize("feed", MANIFEST.get("feed", []), ids=lambda f: f["format"])
def test_replay_feed(feed: dict[str, Any]) -> None:
    parsed = parse_feed(body(feed["path"]), url=BASE + feed["path"], headers={"content-type": feed["content_type"]},
        settings=SETTINGS)
    duplicates = [d for d in MANIFEST.get("duplicate", []) if d["feed"] == feed["path"]]
    # a link that canonicalises to one already listed is listed once
    assert len(parsed.entries) == feed["expected_entries"] - len(duplicates)
    assert parsed.warnings == ()
    pages = {BASE + p["path"] for p in MANIFEST["page"]} | {BASE + m["path"] for m in MANIFEST.get("missing", [])}
    for entry in parsed.entries:
        assert entry.url in pages
        assert entry.title and entry.published is not None
    for dup in duplicates:
        assert canonicalize(dup["link"].replace("{base}", BASE)) == dup["canonical"].replace("{base}", BASE)


@pytest.mark.parametrize("listing", MANIFEST.get("listing", []), ids=lambda x: x["path"])
def test_replay_listing(listing: dict[str, Any]) -> None:
    pattern = listing["pattern"].replace("{base}", re.escape(BASE))
    links = listing_links(body(listing["path"]), BASE + listing["path"], pattern, settings=SETTINGS)
    assert len(links) == listing["expected_links"]
    assert all(re.search(pattern, u) for u in links)
