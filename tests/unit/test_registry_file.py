"""The feed registry seeds/feeds.toml: parses, and every entry obeys the schema in its header."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REGISTRY = Path(__file__).resolve().parents[2] / "seeds" / "feeds.toml"

KINDS = {"rss", "atom", "listing", "sitemap"}
CATEGORIES = {"presidential", "government", "mfa", "agency", "embassy"}
# Publishers we expect for Kazakhstan–China coverage; a new country is a deliberate edit here.
COUNTRIES = {"KZ", "CN", "RU"}
LANGUAGES = {"ru", "en", "kk", "zh"}
REQUIRED = {"name", "source", "url", "kind", "language", "country", "category", "poll_interval_s"}
OPTIONAL = {"pattern", "enabled", "verified"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def feeds() -> list[dict[str, Any]]:
    with REGISTRY.open("rb") as fh:
        data = tomllib.load(fh)
    assert set(data) == {"feed"}, "only [[feed]] tables belong in the registry"
    entries = data["feed"]
    assert isinstance(entries, list)
    return entries


def test_registry_has_russian_sources_from_each_side(feeds: list[dict[str, Any]]) -> None:
    ru = [f for f in feeds if f["language"] == "ru"]
    assert {f["country"] for f in ru} >= {"KZ", "CN", "RU"}
    assert len(ru) > len(feeds) // 2, "Russian-language sources come first"


def test_every_entry_has_required_keys_and_nothing_unknown(feeds: list[dict[str, Any]]) -> None:
    for f in feeds:
        keys = set(f)
        assert keys >= REQUIRED, (f.get("name"), REQUIRED - keys)
        assert keys <= REQUIRED | OPTIONAL, (f["name"], keys - REQUIRED - OPTIONAL)


def test_names_and_urls_are_unique(feeds: list[dict[str, Any]]) -> None:
    names = Counter(f["name"] for f in feeds)
    urls = Counter(f["url"].rstrip("/").lower() for f in feeds)
    assert [n for n, c in names.items() if c > 1] == []
    assert [u for u, c in urls.items() if c > 1] == []


def test_values_come_from_closed_vocabularies(feeds: list[dict[str, Any]]) -> None:
    for f in feeds:
        assert SLUG.match(f["name"]), f["name"]
        assert f["kind"] in KINDS, f["name"]
        assert f["category"] in CATEGORIES, f["name"]
        assert f["country"] in COUNTRIES, f["name"]
        assert f["language"] in LANGUAGES, f["name"]
        assert isinstance(f["source"], str) and f["source"].strip(), f["name"]


def test_urls_are_https_with_a_real_host(feeds: list[dict[str, Any]]) -> None:
    for f in feeds:
        parts = urlsplit(f["url"])
        assert parts.scheme == "https", f["name"]
        assert parts.hostname and "." in parts.hostname, f["name"]
        assert not parts.fragment and not parts.username, f["name"]


def test_poll_intervals_are_polite(feeds: list[dict[str, Any]]) -> None:
    for f in feeds:
        # bool is an int subclass; reject it explicitly
        assert type(f["poll_interval_s"]) is int, f["name"]
        assert 300 <= f["poll_interval_s"] <= 86_400, f["name"]


def test_listing_feeds_have_a_compilable_pattern(feeds: list[dict[str, Any]]) -> None:
    for f in feeds:
        if f["kind"] == "listing":
            assert "pattern" in f, f"{f['name']}: a listing feed needs a link pattern"
        if "pattern" in f:
            rx = re.compile(f["pattern"])
            # the pattern selects article links on the feed's own host, not the listing page itself
            assert urlsplit(f["url"]).hostname in f["pattern"].replace("\\.", "."), f["name"]
            assert not rx.search(f["url"]), f["name"]


def test_unprobed_urls_are_marked_unverified(feeds: list[dict[str, Any]]) -> None:
    # The URLs were written without network access; nothing may claim otherwise by default.
    for f in feeds:
        assert f.get("verified") is False, f["name"]
        assert isinstance(f.get("enabled", True), bool), f["name"]
