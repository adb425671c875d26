"""Every feed in feedparser's own test suite is parsed or rejected with PermanentError, never crashes."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from tests.support.settings import SETTINGS
from workers.errors import PermanentError
from workers.feeds.parse import parse_feed
from workers.models import ParsedFeed

BATTERY = Path(__file__).resolve().parents[3] / "shared" / "data" / "feedparser-tests" / "tests"
FOLDERS = ("wellformed", "illformed", "encoding", "entities")


def _files() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (BATTERY / folder).rglob("*") if p.is_file())


@pytest.mark.skipif(not BATTERY.is_dir(), reason=f"feedparser test feeds not present at {BATTERY}")
def test_every_battery_feed_is_parsed_or_rejected_cleanly() -> None:
    files = _files()
    assert len(files) > 2000, "the battery should hold feedparser's ~2,100 test feeds"
    counts: collections.Counter[str] = collections.Counter()
    crashes: list[str] = []
    for path in files:
        # Given a feed file read as bytes, as the poller hands it over
        try:
            parsed = parse_feed(
                path.read_bytes(), url="http://example.com/feed", headers={"content-type": "application/xml"},
                    settings=SETTINGS
            )
        except PermanentError as exc:
            counts["rejected: " + str(exc).split(":", 1)[0]] += 1
            continue
        except Exception as exc:  # the point of the battery: anything else is a bug
            crashes.append(f"{path.relative_to(BATTERY)}: {type(exc).__name__}: {exc}")
            continue
        # expect a well-formed result whose entries all carry canonical http(s) URLs
        assert isinstance(parsed, ParsedFeed)
        assert all(e.url.startswith(("http://", "https://")) for e in parsed.entries)
        counts["parsed"] += 1
    print(f"\nfeedparser battery: {len(files)} files")
    for reason, n in counts.most_common():
        print(f"  {n:5d}  {reason}")
    assert not crashes, "\n".join(crashes[:20])
    assert counts["parsed"] > len(files) // 2
