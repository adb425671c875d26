"""Every named query parses and is used somewhere in the code; names are unique."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.db.named import load_queries, parse_queries

ROOT = Path(__file__).resolve().parents[2]


def test_parse_queries_splits_named_blocks() -> None:
    text = "-- one --\n-- says what\nSELECT 1\n\n-- two --\n-- says what\nSELECT %(x)s\n"
    assert parse_queries(text) == {"one": "SELECT 1", "two": "SELECT %(x)s"}


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        parse_queries("-- a --\nSELECT 1\n-- a --\nSELECT 2\n")


def test_every_query_is_used() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "workers").rglob("*.py"))
    # delete_<table> queries are looked up as QUERIES[f"delete_{table}"]
    dynamic = 'QUERIES[f"delete_{table}"]' in code
    unused = [name for name in load_queries()
              if f'"{name}"' not in code and not (dynamic and name.startswith("delete_"))]
    assert unused == []
