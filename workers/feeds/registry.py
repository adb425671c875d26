"""Feeds stage: the feed registry (seeds/feeds.toml, [[feed]] tables) → validated FeedSpec values.

Every problem raises ValueError naming the feed, so a bad edit fails `silkwire feeds import` loudly.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.urls import canonicalize

KINDS = frozenset({"rss", "atom", "listing", "sitemap"})
REQUIRED = ("name", "source", "url", "kind", "language", "country", "category", "poll_interval_s")
OPTIONAL = ("pattern", "enabled", "verified")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MIN_POLL_INTERVAL_S = 60


@dataclass(frozen=True)
class FeedSpec:
    name: str
    source: str
    url: str
    kind: str
    language: str
    country: str
    category: str
    poll_interval_s: int
    pattern: str | None = None
    enabled: bool = True
    verified: bool = False


def load_registry(path: str | Path) -> list[FeedSpec]:
    with Path(path).open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    unknown_tables = set(data) - {"feed"}
    if unknown_tables:
        raise ValueError(f"{path}: only [[feed]] tables belong in the registry, found {sorted(unknown_tables)}")
    raw = data.get("feed", [])
    if not isinstance(raw, list):
        raise ValueError(f"{path}: 'feed' must be an array of tables ([[feed]])")
    specs = [parse_spec(entry, index=i) for i, entry in enumerate(raw)]
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.name in seen:
            raise ValueError(f"feed {spec.name!r}: name used twice")
        seen[spec.name] = spec.url
    urls = [s.url for s in specs]
    for spec in specs:
        if urls.count(spec.url) > 1:
            raise ValueError(f"feed {spec.name!r}: URL {spec.url} listed by more than one feed")
    return specs


def parse_spec(entry: Any, *, index: int = 0) -> FeedSpec:
    if not isinstance(entry, dict):
        raise ValueError(f"feed #{index}: not a table")
    name = entry.get("name")
    label = f"feed {name!r}" if isinstance(name, str) else f"feed #{index}"
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise ValueError(f"{label}: missing {', '.join(missing)}")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ValueError(f"{label}: unknown keys {', '.join(unknown)}")
    for key in ("name", "source", "url", "kind", "language", "country", "category"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ValueError(f"{label}: {key} must be a non-empty string")
    if not _SLUG.match(entry["name"]):
        raise ValueError(f"{label}: name must be a lower-case slug")
    if entry["kind"] not in KINDS:
        raise ValueError(f"{label}: kind {entry['kind']!r} is not one of {sorted(KINDS)}")
    if not _LANGUAGE.match(entry["language"]):
        raise ValueError(f"{label}: language must be an ISO 639-1 code")
    if not _COUNTRY.match(entry["country"]):
        raise ValueError(f"{label}: country must be an ISO 3166-1 alpha-2 code in capitals")
    interval = entry["poll_interval_s"]
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < MIN_POLL_INTERVAL_S:
        raise ValueError(f"{label}: poll_interval_s must be an integer ≥ {MIN_POLL_INTERVAL_S}")
    # Validated through canonicalize but kept as written: it is fetched, and a feed URL's query
    # parameters (even ones we drop from article URLs) may select the feed.
    url = entry["url"].strip()
    try:
        canonicalize(url)
    except ValueError as exc:
        raise ValueError(f"{label}: bad url: {exc}") from exc
    pattern = entry.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"{label}: pattern must be a non-empty string")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{label}: pattern is not a valid regex: {exc}") from exc
    elif entry["kind"] == "listing":
        raise ValueError(f"{label}: a listing feed needs a link pattern")
    flags = {}
    for key, default in (("enabled", True), ("verified", False)):
        value = entry.get(key, default)
        if not isinstance(value, bool):
            raise ValueError(f"{label}: {key} must be true or false")
        flags[key] = value
    return FeedSpec(
        name=entry["name"],
        source=entry["source"].strip(),
        url=url,
        kind=entry["kind"],
        language=entry["language"],
        country=entry["country"],
        category=entry["category"].strip(),
        poll_interval_s=interval,
        pattern=pattern,
        enabled=flags["enabled"],
        verified=flags["verified"],
    )
