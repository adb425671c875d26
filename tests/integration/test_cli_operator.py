"""Operator verbs: `article ID|URL`, `--article`/`--feed` filters, `feeds enable|disable|poll-now`,
`feeds import --file - --prune`, reprocess's dry-run list, TSV output and tables that keep every character
in a pipe; `--version` and a bare `silkwire`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.integration.test_cli_support import (
    add_article,
    add_document,
    add_extraction,
    add_feed,
    json_lines,
    result,
    run_cli,
    set_state,
)
from tests.support.services import ROOT
from tests.support.settings import SETTINGS
from workers import versions
from workers.taskspec import POLL_FEED

pytestmark = pytest.mark.integration

LONG_URL = "https://www.gov.kz/memleket/entities/mfa/press/news/details/" + "very-long-slug-" * 12 + "1"
EVENT = {"type": "visit", "status": "occurred", "date": "2026-10-02", "location": "Астана", "countries": ["CN", "KZ"],
         "participants": [{"name": "Ван И", "country": "CN"}], "evidence": {"text": "Ван И прибыл в Астану"}}


@pytest.fixture
def two_feeds(db: Any) -> dict[str, int]:
    f1 = add_feed(db, "akorda-ru", "https://www.akorda.kz/ru/rss")
    f2 = add_feed(db, "mfa-ru", "https://www.gov.kz/memleket/entities/mfa/rss")
    a1 = add_article(db, "https://www.akorda.kz/ru/a1", feeds=(f1,))
    add_document(db, a1, "Визит Ван И\n\nМинистр иностранных дел КНР Ван И прибыл в Астану с визитом.")
    add_extraction(db, a1, result(version=versions.EXTRACT_VERSION, events=[EVENT]))
    set_state(db, a1, "done", "done")
    a2 = add_article(db, LONG_URL, feeds=(f2,))
    add_document(db, a2, "Переговоры\n\nВан И и Нуртлеу провели переговоры в Астане.")
    add_extraction(db, a2, result(version=versions.EXTRACT_VERSION, events=[{**EVENT, "location": "Алматы"}]))
    set_state(db, a2, "done", "done")
    a3 = add_article(db, "https://www.akorda.kz/ru/a3", feeds=(f1,))
    set_state(db, a3, "fetch", "failed", "PermanentError: HTTP 404")
    return {"f1": f1, "f2": f2, "a1": a1, "a2": a2, "a3": a3}


def test_article_shows_state_error_feeds_text_and_events(two_feeds: dict[str, int], capsys: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    code, out, err = run_cli(capsys, "article", str(two_feeds["a3"]))
    assert code == 0, err
    assert "fetch/failed" in out and "attempts" in out
    assert "at fetch: PermanentError: HTTP 404" in out
    assert "akorda-ru" in out and "no page stored" in out

    # by URL, as JSON: stages, excerpt and the event mentioned
    code, out, err = run_cli(capsys, "article", "https://www.akorda.kz/ru/a1", "--json")
    assert code == 0, err
    [shown] = json_lines(out)
    assert shown["id"] == two_feeds["a1"] and shown["state"] == "done"
    assert shown["extractor_version"] == versions.EXTRACT_VERSION
    assert "Ван И прибыл в Астану" in shown["excerpt"]
    assert [f["name"] for f in shown["feeds"]] == ["akorda-ru"]
    assert [(e["type"], e["location"]) for e in shown["events"]] == [("visit", "Астана")]


def test_article_unknown_is_one_line(db: Any, capsys: Any) -> None:
    code, out, err = run_cli(capsys, "article", "https://nowhere.kz/x")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["silkwire: error: Invalid value for ID|URL: no article "
                                        "'https://nowhere.kz/x' (neither an id nor a stored URL) "
                                        "(see 'silkwire article --help')"]


def test_mentions_filter_by_article_and_feed(two_feeds: dict[str, int], capsys: Any) -> None:
    verb = "events"
    code, out, _ = run_cli(capsys, verb, "--mentions", "-o", "json")
    assert {r["article_id"] for r in json_lines(out)} == {two_feeds["a1"], two_feeds["a2"]}
    code, out, _ = run_cli(capsys, verb, "--mentions", "--article", str(two_feeds["a2"]), "-o", "json")
    assert code == 0 and [r["location"] for r in json_lines(out)] == ["Алматы"]
    code, out, _ = run_cli(capsys, verb, "--mentions", "--feed", str(two_feeds["f1"]), "-o", "json")
    assert code == 0 and [r["article_id"] for r in json_lines(out)] == [two_feeds["a1"]]


def test_canonical_events_filter_by_article_and_feed(two_feeds: dict[str, int], capsys: Any) -> None:
    assert run_cli(capsys, "registry", "rebuild")[0] == 0
    code, out, _ = run_cli(capsys, "events", "-o", "json")
    everything = json_lines(out)
    assert everything, "the fixture's visits should make canonical events"
    code, out, _ = run_cli(capsys, "events", "--article", str(two_feeds["a1"]), "-o", "json")
    by_article = json_lines(out)
    assert code == 0 and by_article and all(r["location"] == "Астана" for r in by_article)
    code, out, _ = run_cli(capsys, "events", "--feed", str(two_feeds["f2"]), "-o", "json")
    assert code == 0 and {r["location"] for r in json_lines(out)} == {"Алматы"}
    code, out, _ = run_cli(capsys, "agreements", "--feed", str(two_feeds["f2"]), "-o", "json")
    assert code == 0 and json_lines(out) == []


def test_feeds_disable_enable_and_poll_now(two_feeds: dict[str, int], db: Any, clean_redis: Any,
                                           capsys: Any) -> None:
    f1 = two_feeds["f1"]
    db.execute("UPDATE feeds SET muted_reason = 'HTTP 410 Gone' WHERE id = %s", (f1,))
    code, _, err = run_cli(capsys, "feeds", "disable", "https://www.akorda.kz/ru/rss")
    assert code == 0 and "disabled" in err
    assert db.execute("SELECT enabled FROM feeds WHERE id = %s", (f1,)).fetchone()["enabled"] is False

    code, _, err = run_cli(capsys, "feeds", "poll-now", str(f1))
    assert code == 1 and "is disabled" in err and f"silkwire feeds enable {f1}" in err

    code, _, err = run_cli(capsys, "feeds", "enable", "akorda-ru")
    assert code == 0 and "mute lifted (HTTP 410 Gone)" in err
    row = db.execute("SELECT enabled, muted_reason, next_poll_at <= now() AS due FROM feeds WHERE id = %s",
                     (f1,)).fetchone()
    assert row == {"enabled": True, "muted_reason": None, "due": True}

    code, _, err = run_cli(capsys, "feeds", "poll-now", str(f1))
    assert code == 0, err
    [raw] = clean_redis.lrange(SETTINGS.key_prefix + "feeds", 0, -1)
    message = json.loads(raw)
    assert message["headers"]["task"] == POLL_FEED and message["headers"]["argsrepr"] == f"[{f1}]"

    code, _, err = run_cli(capsys, "feeds", "enable", "999")
    assert code == 2 and "no feed '999'" in err


REGISTRY = """[[feed]]
name = "akorda-ru"
source = "akorda.kz"
url = "https://www.akorda.kz/ru/rss"
kind = "rss"
language = "ru"
country = "KZ"
category = "government"
poll_interval_s = 900
"""


def _import(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli.main", "feeds", "import", "--file", "-", *args],
                          input=REGISTRY, capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(),
                          timeout=120, check=False)


def test_import_from_stdin_with_prune_is_a_dry_run_until_yes(two_feeds: dict[str, int], db: Any) -> None:
    dry = _import("--prune")
    assert dry.returncode == 0, dry.stderr
    assert "1 feeds in the registry: 0 new, 1 updated" in dry.stderr
    assert "would disable (dry run; --yes to apply)" in dry.stderr
    assert dry.stdout.splitlines() == [f"{two_feeds['f2']}\tmfa-ru\thttps://www.gov.kz/memleket/entities/mfa/rss"]
    assert db.execute("SELECT bool_and(enabled) AS all_on FROM feeds").fetchone()["all_on"] is True

    applied = _import("--prune", "--yes")
    assert applied.returncode == 0 and "1 enabled feeds not in the file: disabled" in applied.stderr
    states = {r["name"]: r["enabled"] for r in db.execute("SELECT name, enabled FROM feeds").fetchall()}
    assert states == {"akorda-ru": True, "mfa-ru": False}


def test_reprocess_dry_run_lists_ids_urls_and_stages(two_feeds: dict[str, int], capsys: Any) -> None:
    code, out, _ = run_cli(capsys, "reprocess", "--stage", "fetch", "--only-failed", "--dry-run", "-o", "json")
    [report] = json_lines(out)
    assert code == 0 and report["ids"] == [two_feeds["a3"]]
    assert [(a["id"], a["url"], a["stage"], a["state"], a["restart_stage"]) for a in report["articles"]] == [
        (two_feeds["a3"], "https://www.akorda.kz/ru/a3", "fetch", "failed", "fetch")]
    code, out, _ = run_cli(capsys, "reprocess", "--stage", "fetch", "--only-failed", "--dry-run", "-o", "tsv")
    assert code == 0 and out.splitlines() == ["id\turl\tstage\tstate\trestart_stage\ttask",
                                              f"{two_feeds['a3']}\thttps://www.akorda.kz/ru/a3\tfetch\tfailed\tfetch"
                                              "\tsilkwire.fetch_article"]


def test_piped_tables_keep_long_urls_and_tsv_is_one_line_a_row(two_feeds: dict[str, int]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    piped = subprocess.run([sys.executable, "-m", "workers.cli.main", "events", "--mentions"], capture_output=True,
                           text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert LONG_URL in piped.stdout
    tsv = subprocess.run([sys.executable, "-m", "workers.cli.main", "events", "--mentions", "-o", "tsv"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    header, *rows = tsv.stdout.splitlines()
    assert header.split("\t")[:3] == ["article_id", "ord", "date"] and len(rows) == 2
    assert all(len(r.split("\t")) == len(header.split("\t")) for r in rows)
    assert any(LONG_URL in r.split("\t") for r in rows)


def test_version_and_bare_silkwire(capsys: Any) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.startswith("silkwire ") and versions.EXTRACT_VERSION in out
    code, out, err = run_cli(capsys)
    assert code == 2 and "Usage: silkwire" in out and "error" not in err
