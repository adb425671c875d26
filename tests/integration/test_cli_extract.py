"""`silkwire extract` follows the contract, and agrees byte for byte with what the workers store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.scoring import load_scorer
from tests.support.services import require_shared, wait_until
from workers.cli.main import main

SEED = "seeds/000_26ebbd2a5ad7ecf1.txt"


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.slow
def test_seed_article_scores_perfectly_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    seed = require_shared(SEED)
    gold = json.loads(require_shared("gold", "seed_000.json").read_text(encoding="utf-8"))
    assert main(["extract", "--json", str(seed)]) == 0
    (pred,) = _lines(capsys.readouterr().out)
    assert pred["schema"] == "silkwire.extraction/1" and pred["path"] == str(seed)
    for start_end in [e["evidence"] for e in pred["events"] + pred["agreements"]]:
        assert pred["text"][start_end["start"]:start_end["end"]] == start_end["text"]
    scores = load_scorer().score_document(gold, pred)
    for category, (tp, fp, fn) in scores.items():
        assert fp == 0 and fn == 0, (category, tp, fp, fn)


@pytest.mark.slow
def test_unreadable_input_is_reported_and_the_rest_still_printed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "note.txt"
    good.write_text("Министр иностранных дел Казахстана провёл переговоры с послом КНР в Астане.",
                    encoding="utf-8")
    latin1 = tmp_path / "broken.txt"
    latin1.write_bytes("Переговоры".encode("cp1251"))
    assert main(["extract", "--json", str(tmp_path / "absent.txt"), str(good), str(latin1)]) == 1
    missing, ok, broken = _lines(capsys.readouterr().out)
    assert missing["path"].endswith("absent.txt") and "error" in missing
    assert ok["path"] == str(good) and ok["text"].startswith("Министр")
    assert "UTF-8" in broken["error"]


@pytest.mark.parametrize("argv", [["extract"], ["extract", "a.txt", "--url", "http://127.0.0.1/"],
                                  ["extract", "--bogus"], ["no-such-command"]])
def test_bad_arguments_get_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("silkwire: error:")


@pytest.mark.integration
@pytest.mark.slow
def test_cli_url_mode_and_workers_store_the_same_object(
        db: Any, celery_worker: Any, replay: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from workers.cli.demo_cmd import import_replay_feeds
    from workers.tasks.feeds import poll_due_feeds

    feeds = import_replay_feeds(db, replay)
    poll_due_feeds.delay()
    assert wait_until(lambda: db.execute(
        "SELECT (SELECT count(*) FROM feed_fetches) >= %s AND NOT EXISTS"
        " (SELECT 1 FROM articles WHERE state IN ('queued', 'pending')) AS done", (feeds,)).fetchone()["done"],
        timeout_s=180)
    stored = db.execute("SELECT a.url, e.result FROM articles a JOIN extractions e ON e.article_id = a.id"
                        " ORDER BY a.id").fetchall()
    assert stored
    for row in stored[:4]:  # includes the windows-1251 pages of the second site when ordered by id
        capsys.readouterr()
        assert main(["extract", "--json", "--url", row["url"]]) == 0
        (cli,) = _lines(capsys.readouterr().out)
        assert cli.pop("path") == row["url"]
        assert json.dumps(cli, sort_keys=True, ensure_ascii=False) == json.dumps(
            row["result"], sort_keys=True, ensure_ascii=False)


def test_html_is_recognised_without_an_extension_and_txt_stays_text() -> None:
    from workers.cli.extract_cmd import looks_like_html

    page = b"\n<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>"
    assert looks_like_html(page, "")
    assert looks_like_html(page, ".htm")
    assert not looks_like_html(page, ".txt")  # the name says text: the user asked for text
    assert not looks_like_html("Президент <b>не</b> тег".encode(), "")
    assert not looks_like_html(b"<note>xml, not a page</note>", "")


@pytest.mark.slow
def test_every_replay_page_gets_its_expected_relevance(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.services import ROOT
    from workers.devtools.replay import load_manifest

    manifest, _ = load_manifest(ROOT / "seeds" / "replay")
    pages = [p for p in manifest["page"] if p.get("feed")]
    files = [str(ROOT / "seeds" / "replay" / "sites" / p["path"].lstrip("/")) for p in pages]
    assert main(["extract", "--json", *files]) == 0
    got = [r["kz_cn"]["relevant"] for r in _lines(capsys.readouterr().out)]
    assert got == [p["relevant"] for p in pages]
