"""`silkwire reprocess`: selection by every filter, the confirmation rule, reset + enqueue on `reprocess`,
and re-extraction through a real worker that replaces results without duplicating them.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from typing import Any

import pytest

from tests.integration.test_cli_support import (
    add_article,
    add_document,
    add_extraction,
    add_feed,
    add_page,
    json_lines,
    result,
    run_cli,
    set_state,
)
from tests.support.services import ROOT
from tests.support.settings import SETTINGS
from workers.taskspec import ANALYSE_ARTICLE, EXTRACT_ARTICLE, FETCH_ARTICLE

pytestmark = pytest.mark.integration

PAGE = "<html><head><title>Новость</title></head><body><p>Текст страницы.</p></body></html>"


@pytest.fixture
def corpus(db: Any) -> dict[str, int]:
    """Four articles at different points of the pipeline, listed by two feeds, seen on four days."""
    f1 = add_feed(db, "akorda-ru", "https://www.akorda.kz/ru/rss")
    f2 = add_feed(db, "mfa-ru", "https://www.gov.kz/memleket/entities/mfa/rss")
    # a1: the page never arrived
    a1 = add_article(db, "https://www.akorda.kz/ru/a1", feeds=(f1,), first_seen=date(2026, 10, 1))
    set_state(db, a1, "fetch", "failed", "PermanentError: HTTP 404")
    # a2: fully analysed, current extractor
    a2 = add_article(db, "https://www.akorda.kz/ru/a2", feeds=(f1, f2), first_seen=date(2026, 10, 10))
    add_page(db, a2, "https://www.akorda.kz/ru/a2", PAGE)
    add_document(db, a2, "Переговоры в Астане\n\nГлава государства провёл переговоры с делегацией КНР.")
    add_extraction(db, a2, result(version="extract/5"))
    set_state(db, a2, "done", "done")
    # a3: fully analysed by an older extractor
    a3 = add_article(db, "https://www.gov.kz/mfa/a3", feeds=(f2,), first_seen=date(2026, 10, 20))
    add_page(db, a3, "https://www.gov.kz/mfa/a3", PAGE)
    add_document(db, a3, "Консультации министров\n\nМинистры иностранных дел обсудили транзит грузов.")
    add_extraction(db, a3, result(version="extract/2"))
    set_state(db, a3, "done", "done")
    # a4: a page that analysis quarantined
    a4 = add_article(db, "https://www.gov.kz/mfa/a4", first_seen=date(2026, 11, 1))
    add_page(db, a4, "https://www.gov.kz/mfa/a4", PAGE)
    set_state(db, a4, "analyse", "quarantined", "QuarantineError: undecodable")
    return {"f1": f1, "f2": f2, "a1": a1, "a2": a2, "a3": a3, "a4": a4}


CASES = [
    # (arguments, names of the articles expected)
    (["--stage", "fetch"], ["a1", "a2", "a3", "a4"]),
    (["--stage", "clean"], ["a2", "a3", "a4"]),  # needs a stored page
    (["--stage", "extract"], ["a2", "a3"]),  # needs a stored document
    (["--stage", "fetch", "--since", "2026-10-10", "--until", "2026-10-20"], ["a2", "a3"]),  # both inclusive
    (["--stage", "fetch", "--since", "2026-10-11"], ["a3", "a4"]),
    (["--stage", "fetch", "--feed", "{f1}"], ["a1", "a2"]),
    (["--stage", "fetch", "--feed", "{f1}", "--feed", "{f2}"], ["a1", "a2", "a3"]),
    (["--stage", "fetch", "--article", "{a1}", "--article", "{a3}"], ["a1", "a3"]),
    (["--stage", "fetch", "--only-failed"], ["a1", "a4"]),
    (["--stage", "clean", "--only-failed"], ["a4"]),
    (["--stage", "extract", "--older-than-version", "extract/3"], ["a3"]),
    (["--stage", "extract", "--older-than-version", "6"], ["a2", "a3"]),
    (["--stage", "extract", "--older-than-version", "2"], []),
    (["--stage", "clean", "--older-than-version", "clean/99"], ["a2", "a3", "a4"]),  # a4 has no document: v0
    (["--stage", "fetch", "--older-than-version", "fetch/1"], ["a1"]),  # a1 has no page: counts as version 0
    (["--stage", "fetch", "--limit", "2"], ["a1", "a2"]),
    (["--stage", "fetch", "--feed", "{f2}", "--only-failed"], []),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_dry_run_selects_by_filter_and_changes_nothing(
        corpus: dict[str, int], db: Any, capsys: pytest.CaptureFixture[str], args: list[str],
        expected: list[str]) -> None:
    before = db.execute("SELECT id, stage, state, attempts, updated_at FROM articles ORDER BY id").fetchall()
    code, out, err = run_cli(capsys, "reprocess", *(a.format(**corpus) for a in args), "--dry-run", "-o", "json")
    assert code == 0, err
    [report] = json_lines(out)
    assert report["ids"] == sorted(corpus[name] for name in expected)
    assert report["selected"] == len(expected) and report["dry_run"] is True
    assert db.execute("SELECT id, stage, state, attempts, updated_at FROM articles ORDER BY id").fetchall() == before


def test_table_output_prints_the_count(corpus: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "reprocess", "--stage", "clean", "--dry-run")
    assert code == 0
    assert "3 articles selected for re-clean (dry run)" in out


def test_without_yes_and_without_a_terminal_refuses_in_one_line(
        corpus: dict[str, int], db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    before = db.execute("SELECT id, stage, state FROM articles ORDER BY id").fetchall()
    code, _, err = run_cli(capsys, "reprocess", "--stage", "extract")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "refusing to reprocess 2 articles without --yes" in err
    assert db.execute("SELECT id, stage, state FROM articles ORDER BY id").fetchall() == before


def _body(message: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(message["body"]))


def _reprocess_messages(redis_client: Any) -> list[dict[str, Any]]:
    key = SETTINGS.key_prefix + "reprocess"
    return [json.loads(raw) for raw in redis_client.lrange(key, 0, -1)]


@pytest.mark.parametrize(("stage", "task", "article_stage"), [
    ("fetch", FETCH_ARTICLE, "fetch"),
    ("clean", ANALYSE_ARTICLE, "analyse"),
    ("extract", EXTRACT_ARTICLE, "analyse"),
])
def test_yes_resets_articles_then_enqueues_one_message_each_on_reprocess(
        corpus: dict[str, int], db: Any, clean_redis: Any, capsys: pytest.CaptureFixture[str],
        stage: str, task: str, article_stage: str) -> None:
    # Given no worker consumes: the messages stay in the queue to be read back
    code, out, err = run_cli(capsys, "reprocess", "--stage", stage, "--only-failed", "--yes", "-o", "json")
    selected = {"fetch": ["a1", "a4"], "clean": ["a4"], "extract": []}[stage]
    ids = sorted(corpus[n] for n in selected)
    assert code == 0, err
    [report] = json_lines(out)
    assert report["selected"] == len(ids) and report.get("enqueued", 0) == len(ids)
    rows = db.execute("SELECT id, stage, state, attempts, last_error, queued_at FROM articles"
                      " WHERE id = ANY(%s) ORDER BY id", (ids,)).fetchall()
    assert [(r["stage"], r["state"], r["attempts"], r["last_error"]) for r in rows] == [
        (article_stage, "queued", 0, None)] * len(ids)
    assert all(r["queued_at"] is not None for r in rows)
    messages = _reprocess_messages(clean_redis)
    assert sorted(_body(m)[0][0] for m in messages) == ids
    assert {m["headers"]["task"] for m in messages} == ({task} if ids else set())
    # the other articles were not touched
    untouched = db.execute("SELECT count(*) AS n FROM articles WHERE state = 'done'").fetchone()["n"]
    assert untouched == 2


DEVSET = ROOT / "tests" / "extraction" / "devset"
RESULT_TABLES = ("entities", "events", "agreements", "figures", "article_sectors")


def _counts(db: Any) -> dict[tuple[str, int], int]:
    out = {}
    for table in RESULT_TABLES:
        for r in db.execute(f"SELECT article_id, count(*) AS n FROM {table} GROUP BY article_id").fetchall():
            out[(table, r["article_id"])] = r["n"]
    return out


def _extracted(db: Any) -> dict[int, Any]:
    return {r["article_id"]: r for r in db.execute(
        "SELECT article_id, extractor_version, extracted_at, result FROM extractions").fetchall()}


@pytest.mark.slow
def test_reextract_through_a_worker_replaces_results_and_is_idempotent(
        db: Any, celery_worker: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from workers.extract import extract_document
    from workers.versions import EXTRACT_VERSION

    # Given three analysed articles whose results came from the same extractor the worker runs
    ids = []
    for name in ("001_tokayev_xi_phone_call", "010_nurtleu_wang_yi_talks", "016_kmg_sinopec_polyethylene"):
        url = f"https://www.akorda.kz/ru/{name}"
        article_id = add_article(db, url)
        add_document(db, article_id, (DEVSET / f"{name}.txt").read_text(encoding="utf-8"))
        doc = db.execute("SELECT * FROM documents WHERE article_id = %s", (article_id,)).fetchone()
        from workers.models import CleanDoc

        add_extraction(db, article_id, extract_document(CleanDoc(
            text=doc["text"], title=doc["title"], published=doc["published"], language=doc["language"],
            canonical_url=doc["canonical_url"], content_hash=doc["content_hash"], simhash=doc["simhash"]),
                settings=SETTINGS))
        set_state(db, article_id, "done", "done")
        ids.append(article_id)
    expected = _counts(db)
    assert any(t == "events" for t, _ in expected), "the dev-set documents should yield events"
    # and one of them carrying a stale extraction with a row the current extractor would not produce
    db.execute("UPDATE extractions SET extractor_version = 'extract/0' WHERE article_id = %s", (ids[0],))
    db.execute("INSERT INTO events (article_id, ord, type, status) VALUES (%s, 99, 'forum', 'occurred')", (ids[0],))
    before = _extracted(db)

    # When the whole selection is re-extracted and waited for
    code, out, err = run_cli(capsys, "reprocess", "--stage", "extract", "--yes", "--wait", "-o", "json")

    # Expect every article done, its rows replaced (same counts, the stray row gone), newer timestamps
    assert code == 0, err
    [report] = json_lines(out)
    assert report["selected"] == 3 and report["result"] == {"done": 3}
    assert _counts(db) == expected
    after = _extracted(db)
    for article_id in ids:
        assert after[article_id]["extractor_version"] == EXTRACT_VERSION
        assert after[article_id]["extracted_at"] > before[article_id]["extracted_at"]
        assert after[article_id]["result"]["events"] == before[article_id]["result"]["events"]
    states = {r["state"] for r in db.execute("SELECT state FROM articles").fetchall()}
    assert states == {"done"}

    # When the same selection runs again
    code, out, err = run_cli(capsys, "reprocess", "--stage", "extract", "--yes", "--wait", "-o", "json")

    # Expect the same rows, nothing duplicated, timestamps bumped again
    assert code == 0, err
    assert json_lines(out)[0]["result"] == {"done": 3}
    assert _counts(db) == expected
    again = _extracted(db)
    assert all(again[i]["extracted_at"] > after[i]["extracted_at"] for i in ids)


def test_wait_exits_non_zero_when_an_article_fails(
        db: Any, celery_worker: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a stored "page" that is not HTML at all: cleaning it fails permanently
    article_id = add_article(db, "https://www.gov.kz/mfa/empty")
    add_page(db, article_id, "https://www.gov.kz/mfa/empty", "")
    set_state(db, article_id, "done", "done")

    code, out, err = run_cli(capsys, "reprocess", "--stage", "clean", "--article", str(article_id), "--yes",
                             "--wait")

    assert code == 1, (out, err)
    assert "0 done, 1 failed, 0 quarantined" in out
    # and which one failed, where and why
    assert f"article {article_id} failed at analyse: " in out and "https://www.gov.kz/mfa/empty" in out
    row = db.execute("SELECT stage, state, last_error_stage FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert (row["stage"], row["state"], row["last_error_stage"]) == ("analyse", "failed", "analyse")


@pytest.mark.parametrize(("answer", "code", "state"), [("n", 1, "failed"), ("y", 0, "queued")])
def test_on_a_terminal_it_asks_first(corpus: dict[str, int], db: Any, clean_redis: Any, answer: str, code: int,
                                     state: str) -> None:
    import pty
    import subprocess
    import sys

    # Given stdin is a terminal (a pseudo-terminal driven by this test)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "workers.cli.main", "reprocess", "--stage", "fetch",
                             "--article", str(corpus["a1"])], stdin=follower, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=os.environ.copy())
    os.close(follower)
    os.write(leader, f"{answer}\n".encode())
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)

    # Expect the question, then the answer obeyed
    assert "1 article selected for re-fetch" in out.decode()
    assert "Reprocess 1 article from fetch?" in err.decode()
    assert proc.returncode == code, err.decode()
    assert ("declined: nothing done" in err.decode()) == (answer == "n")
    assert db.execute("SELECT state FROM articles WHERE id = %s", (corpus["a1"],)).fetchone()["state"] == state
    assert len(_reprocess_messages(clean_redis)) == (1 if answer == "y" else 0)
