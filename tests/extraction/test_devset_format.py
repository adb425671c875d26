"""Extraction dev set and gazetteer: every gold file and gazetteer entry is well formed.

Gold files follow docs/extraction-contract.md; a broken or inconsistent gold file fails here.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from workers.extract import vocabulary

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "tests" / "extraction" / "devset"
GAZETTEER = ROOT / "seeds" / "gazetteer"

EVENT_TYPES = set(vocabulary.EVENT_TYPES)
EVENT_STATUSES = set(vocabulary.EVENT_STATUSES)
AGREEMENT_KINDS = set(vocabulary.AGREEMENT_KINDS)
AGREEMENT_LEVELS = {*vocabulary.AGREEMENT_LEVELS, None}
AGREEMENT_STATUSES = set(vocabulary.AGREEMENT_STATUSES)
FIGURE_KINDS = set(vocabulary.FIGURE_KINDS)
CURRENCIES = set(vocabulary.CURRENCIES)
SECTORS = set(vocabulary.SECTORS)
ORG_KINDS = {"ministry", "agency", "committee", "government", "presidency", "parliament", "company", "bank",
             "region", "court", "party", "media", "international", "other"}
PLACE_KINDS = {"city", "region", "country"}

REQUIRED_KEYS = {"document", "note", "kz_cn", "persons", "organizations", "events", "agreements", "figures",
                 "sectors"}
OPTIONAL_KEYS = {"agreement_totals", "boilerplate_removed", "text_must_contain"}
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MIN_DOCUMENTS = 45
MIN_NEGATIVES = 12


@cache  # read-only: the gazetteer is parsed once per session
def _load_yaml(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((GAZETTEER / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{name}.yaml must be a list of mappings"
    return data


def _gold_files() -> list[Path]:
    return sorted(DEVSET.glob("*.json"))


def _load_gold(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _norm(text: str) -> str:
    return text.lower().replace("ё", "е")


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _norm(text))


def _appears(variant: str, text_words: set[str], text_prefixes: set[str]) -> bool:
    """True when every word of `variant` occurs in the text in some inflected form.

    Words of six letters or more are compared by their first four letters, words of four or
    five by their first three (an inflection changes the ending: сухой/сухим); shorter ones
    (РК, КНР, Цян) must begin a word of the text (Цяном).
    """
    words = [w for w in _words(variant) if len(w) > 1]
    if not words:
        return False
    for w in words:
        if len(w) >= 4:
            if _stem(w) not in text_prefixes:
                return False
        elif w not in text_words and w not in text_prefixes:
            return False
    return True


def _stem(word: str) -> str:
    return word[:4] if len(word) >= 6 else word[:3]


@cache
def _variants() -> dict[str, list[str]]:
    """Canonical name (lowercased) -> all its gazetteer spellings, persons and organisations."""
    out: dict[str, list[str]] = defaultdict(list)
    for entry in _load_yaml("persons") + _load_yaml("organizations"):
        out[_norm(entry["name"])].extend([entry["name"], *entry.get("aliases", [])])
    return out


@cache
def _alias_owner() -> dict[str, str]:
    """Alias (lowercased, not itself a canonical name) -> canonical name."""
    owners: dict[str, str] = {}
    entries = _load_yaml("persons") + _load_yaml("organizations")
    canonical = {_norm(e["name"]) for e in entries}
    for entry in entries:
        for alias in entry.get("aliases", []):
            if _norm(alias) not in canonical:
                owners[_norm(alias)] = entry["name"]
    return owners


# ---------------------------------------------------------------- gazetteer


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("organizations", {"name", "country", "kind", "aliases"}),
        ("persons", {"name", "country", "positions", "titles", "aliases"}),
        ("places", {"name", "country", "kind", "aliases"}),
        ("countries", {"code", "name", "short", "aliases", "adjectives"}),
    ],
)
def test_gazetteer_entries_have_exactly_the_engine_keys(name: str, keys: set[str]) -> None:
    entries = _load_yaml(name)
    assert entries
    for entry in entries:
        assert set(entry) == keys, entry
        assert isinstance(entry["name"], str) and entry["name"].strip(), entry
        for list_key in keys & {"aliases", "positions", "titles", "adjectives"}:
            assert isinstance(entry[list_key], list), entry
            assert all(isinstance(x, str) and x.strip() for x in entry[list_key]), entry


def test_gazetteer_countries_and_kinds_are_known() -> None:
    codes = {c["code"] for c in _load_yaml("countries")}
    assert {"KZ", "CN", "RU"} <= codes
    assert all(COUNTRY_RE.match(code) for code in codes)
    for entry in _load_yaml("organizations"):
        assert entry["kind"] in ORG_KINDS, entry
        assert entry["country"] is None or entry["country"] in codes, entry
    for entry in _load_yaml("places"):
        assert entry["kind"] in PLACE_KINDS, entry
        assert entry["country"] in codes, entry
    for entry in _load_yaml("persons"):
        assert entry["country"] is None or entry["country"] in codes, entry


@pytest.mark.parametrize("name", ["organizations", "persons", "places", "countries"])
def test_gazetteer_spelling_resolves_to_one_entry(name: str) -> None:
    # An alias shared by two entries would make the engine's resolution depend on file order.
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in _load_yaml(name):
        for spelling in [entry["name"], *entry.get("aliases", [])]:
            owners[_norm(spelling)].add(entry["name"])
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes


# ---------------------------------------------------------------- dev set


def test_devset_size_and_negatives() -> None:
    golds = [_load_gold(p) for p in _gold_files()]
    assert len(golds) >= MIN_DOCUMENTS
    negatives = [g for g in golds if not g["kz_cn"]["relevant"]]
    assert len(negatives) >= MIN_NEGATIVES
    assert len(golds) - len(negatives) >= MIN_NEGATIVES


def test_every_text_has_a_gold_file() -> None:
    texts = {p.stem for p in DEVSET.glob("*.txt")}
    golds = {p.stem for p in _gold_files()}
    assert texts == golds


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_gold_file_is_well_formed(path: Path) -> None:
    gold = _load_gold(path)
    assert set(gold) >= REQUIRED_KEYS, REQUIRED_KEYS - set(gold)
    assert set(gold) <= REQUIRED_KEYS | OPTIONAL_KEYS, set(gold) - REQUIRED_KEYS - OPTIONAL_KEYS
    assert gold["document"] == f"tests/extraction/devset/{path.stem}.txt"
    assert (ROOT / gold["document"]).is_file()
    assert isinstance(gold["note"], str) and gold["note"]
    assert isinstance(gold["kz_cn"]["relevant"], bool)

    for item in gold["persons"] + gold["organizations"]:
        assert set(item) == {"name", "country"}, item
        assert item["country"] is None or COUNTRY_RE.match(item["country"]), item
    assert len({_norm(p["name"]) for p in gold["persons"]}) == len(gold["persons"]), "duplicate person"

    for event in gold["events"]:
        assert set(event) == {"type", "status", "countries"}, event
        assert event["type"] in EVENT_TYPES, event
        assert event["status"] in EVENT_STATUSES, event
        assert event["countries"] and all(COUNTRY_RE.match(c) for c in event["countries"]), event

    for agreement in gold["agreements"]:
        assert set(agreement) == {"kind", "level", "status", "subject", "parties"}, agreement
        assert agreement["kind"] in AGREEMENT_KINDS, agreement
        assert agreement["level"] in AGREEMENT_LEVELS, agreement
        assert agreement["status"] in AGREEMENT_STATUSES, agreement
        assert isinstance(agreement["subject"], str) and agreement["subject"], agreement
        assert len(agreement["parties"]) >= 2, agreement
        for party in agreement["parties"]:
            assert set(party) == {"name", "country"} and COUNTRY_RE.match(party["country"]), party

    for total in gold.get("agreement_totals", []):
        assert set(total) == {"count", "kind", "status", "value", "currency"}, total
        assert isinstance(total["count"], int) and total["count"] > 0, total
        assert total["status"] in AGREEMENT_STATUSES, total
        assert (total["value"] is None) == (total["currency"] is None), total
        assert total["currency"] is None or total["currency"] in CURRENCIES, total

    for figure in gold["figures"]:
        assert set(figure) == {"kind", "value", "unit"}, figure
        assert figure["kind"] in FIGURE_KINDS, figure
        assert isinstance(figure["value"], int | float) and figure["value"] > 0, figure
        if figure["kind"] == "money":
            assert figure["unit"] in CURRENCIES, figure
        else:
            assert isinstance(figure["unit"], str) and figure["unit"], figure

    assert gold["sectors"] is None or (gold["sectors"] and set(gold["sectors"]) <= SECTORS), gold["sectors"]
    if gold["sectors"] is not None:
        assert len(set(gold["sectors"])) == len(gold["sectors"]), "duplicate sector"


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_gold_agrees_with_its_text(path: Path) -> None:
    gold = _load_gold(path)
    text = (ROOT / gold["document"]).read_text(encoding="utf-8")
    assert 300 <= len(text) <= 7000, len(text)
    words = set(_words(text))
    prefixes = {w[:n] for w in words for n in (2, 3, 4) if len(w) >= n}
    variants = _variants()
    alias_owner = _alias_owner()

    for item in gold["persons"] + gold["organizations"]:
        name = item["name"]
        # Gold uses the canonical name, never one of the gazetteer's aliases.
        assert _norm(name) not in alias_owner, f"{name!r} is an alias of {alias_owner.get(_norm(name))!r}"
        spellings = variants.get(_norm(name), [name])
        assert any(_appears(s, words, prefixes) for s in spellings), f"{name!r} not found in the text"

    for line in gold.get("boilerplate_removed", []) + gold.get("text_must_contain", []):
        assert line in text, line


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_relevance_matches_the_marked_countries(path: Path) -> None:
    # A Kazakhstan–China document shows both countries somewhere in its events, agreements or
    # actors; a negative has no event or agreement joining them.
    gold = _load_gold(path)
    joint = [set(e["countries"]) for e in gold["events"]]
    joint += [{p["country"] for p in a["parties"]} for a in gold["agreements"]]
    both = any({"KZ", "CN"} <= c for c in joint)
    if gold["kz_cn"]["relevant"]:
        actors = {x["country"] for x in gold["persons"] + gold["organizations"]}
        assert both or {"KZ", "CN"} <= actors
    else:
        assert not both
