"""Operator and analyst commands refuse bad arguments with one line on stderr and exit status 2,
before touching any service; and the small parsers behind them."""

from __future__ import annotations

import pytest
import typer

from workers.cli.main import main
from workers.cli.query_cmd import parse_countries, parse_types
from workers.cli.reprocess_cmd import Stage, parse_version
from workers.listings import prefix_tsquery
from workers.observability.metrics import queue_keys

BAD = [
    ["reprocess", "--stage", "nope"],
    ["reprocess"],
    ["reprocess", "--stage", "fetch", "--since", "2026-13-01"],
    ["reprocess", "--stage", "fetch", "--until", "yesterday"],
    ["reprocess", "--stage", "fetch", "--limit", "0"],
    ["reprocess", "--stage", "fetch", "--output", "csv"],
    ["reprocess", "--stage", "fetch", "--feed", "akorda"],
    ["reprocess", "--stage", "extract", "--older-than-version", "clean/3"],
    ["reprocess", "--stage", "extract", "--older-than-version", "v3"],
    ["reprocess", "--stage", "fetch", "--since", "2026-11-02", "--until", "2026-11-01"],
    ["status", "--output", "xml"],
    ["events", "--countries", "KAZ"],
    ["events", "--countries", ","],
    ["events", "--type", "parade"],
    ["events", "--limit", "0"],
    ["events", "--since", "02.11.2026"],
    ["agreements", "--type", "visit"],
    ["agreements", "--output", "yaml"],
    ["search"],
    ["search", "--prefix", "!!!"],
    ["search", "Токаев", "--limit", "-1"],
    ["metrics", "serve", "--port", "70000"],
    ["metrics", "scrape"],
    ["reprocesss", "--stage", "fetch"],
    ["events", "--countries", "KZ,XX"],
    ["events", "--feed", "akorda"],
    ["events", "--article", "0"],
    ["event", "twelve"],
    ["agreements", "--until", "2026-02-30"],
    ["export", "events", "--since", "01/02/2026"],
    ["search", "x", "--limit", "lots"],
    ["reprocess", "--stage", "fetch", "--article", "-3"],
    ["article", " "],
    ["feeds", "import", "--file", "/nonexistent/feeds.toml"],
]
# click's and Python's own phrasing, which the user should never have to decode
LIBRARY_PHRASES = ("does not match the format", "is not in the range", "is not a valid integer", "not a extract",
                   "Traceback")


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_arguments_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("silkwire: error: ")
    assert not any(phrase in err for phrase in LIBRARY_PHRASES), err


def test_unknown_country_codes_are_named_with_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--countries", "kz,XX,QQ"]) == 2
    err = capsys.readouterr().err
    assert "QQ, XX: not a country the extractor knows" in err and "KZ" in err


def test_a_bare_silkwire_prints_usage_not_an_empty_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert "Usage: silkwire" in out and "Commands" in out
    assert err == ""


@pytest.mark.parametrize("command", ["reprocess", "status", "events", "agreements", "search", "metrics serve"])
def test_help_shows_an_example(command: str, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main([*command.split(), "--help"]) == 0
    assert f"silkwire {command}" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "expected"), [
    ("налог льгот", "налог:* & льгот:*"),
    ("  Си   Цзиньпин ", "Си:* & Цзиньпин:*"),
    ("налог | !(льгот) & 'x'", "налог:* & льгот:* & x:*"),
    ("!!!", ""),
])
def test_prefix_tsquery_keeps_only_words(text: str, expected: str) -> None:
    assert prefix_tsquery(text) == expected


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("extract/12", 12), (" extract/0 ", 0)])
def test_parse_version(value: str, expected: int) -> None:
    assert parse_version(value, Stage.extract) == expected


@pytest.mark.parametrize("value", ["clean/3", "extract/", "extract/3a", "3.1", ""])
def test_parse_version_refuses(value: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_version(value, Stage.extract)


def test_parse_countries_and_types() -> None:
    assert parse_countries(" kz, CN ,kz") == ["CN", "KZ"]
    assert parse_countries(None) is None
    assert parse_types("Talks, visit", ("visit", "talks"), "--type") == ["talks", "visit"]
    with pytest.raises(typer.BadParameter, match="parade"):
        parse_types("visit,parade", ("visit", "talks"), "--type")


def test_queue_keys_cover_kombu_priority_lists() -> None:
    assert queue_keys("nlp", "p:") == ["p:nlp", "p:nlp\x06\x163", "p:nlp\x06\x166", "p:nlp\x06\x169"]
