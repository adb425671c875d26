"""The pages on the registry the workers built from the replay corpus (tests/web/conftest.py), through
Starlette's TestClient: what each page shows, its filters, the exports against `silkwire export`, escaping."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from tests.web.conftest import HOSTILE_EVIDENCE, HOSTILE_TITLE

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/event/(\d+)"', html)]


def _one_event(db: Any, **where: Any) -> dict[str, Any]:
    clause = " AND ".join(f"{k} = %({k})s" for k in where) or "true"
    row = db.execute(f"SELECT * FROM registry_events WHERE countries && ARRAY['KZ', 'CN'] AND {clause}"
                     " ORDER BY report_count DESC, id LIMIT 1", where).fetchone()
    assert row, where
    return dict(row)


def test_the_timeline_draws_every_event_by_month_and_links_each(client: Any, db: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200
    total = db.execute("SELECT count(*) AS n FROM registry_events WHERE countries && ARRAY['KZ', 'CN']"
                       ).fetchone()["n"]
    assert total > 3
    assert "<svg" in page.text and page.text.count("<rect") >= 1
    assert f"Всего событий: {total}" in page.text
    assert sorted(_event_ids(page.text)) == sorted(
        r["id"] for r in db.execute("SELECT id FROM registry_events WHERE countries && ARRAY['KZ', 'CN']"))
    assert '<meta name="viewport"' in page.text


def test_timeline_filters_narrow_to_what_they_say(client: Any, db: Any) -> None:
    visit = _one_event(db, type="visit")
    page = client.get("/", params={"type": "visit"})
    visits = {r["id"] for r in db.execute("SELECT id FROM registry_events WHERE type = 'visit'"
                                          " AND countries && ARRAY['KZ', 'CN']")}
    assert set(_event_ids(page.text)) == visits and visit["id"] in visits
    day = visit["event_date"]
    one_day = client.get("/", params={"since": str(day), "until": str(day), "type": "visit"})
    assert set(_event_ids(one_day.text)) == {r["id"] for r in db.execute(
        "SELECT id FROM registry_events WHERE type = 'visit' AND event_date = %s AND countries && ARRAY['KZ','CN']",
        (day,))}
    month = client.get("/", params={"month": f"{day:%Y-%m}"})
    assert visit["id"] in _event_ids(month.text)
    assert all(f"{day:%Y-%m}" == h for h in re.findall(r"<h2>(\d{4}-\d\d)</h2>", month.text))
    # a participant's name as text finds its events; the level of heads of state keeps the Tokayev–Xi events
    name = visit["participants"][0]
    by_text = _event_ids(client.get("/", params={"text": name}).text)
    assert visit["id"] in by_text
    assert set(_event_ids(client.get("/", params={"level": "state"}).text)) <= set(_event_ids(client.get("/").text))
    assert _event_ids(client.get("/", params={"text": "ничегоподобногонетнигде"}).text) == []


def test_the_event_page_shows_participants_reports_and_marked_evidence(client: Any, db: Any) -> None:
    e = _one_event(db)
    page = client.get(f"/event/{e['id']}")
    assert page.status_code == 200
    reports = db.execute("SELECT r.*, a.url FROM registry_event_reports r JOIN articles a ON a.id = r.article_id"
                         " WHERE event_id = %s", (e["id"],)).fetchall()
    assert len(reports) == e["report_count"] == page.text.count('class="evidence-link"')
    for r in reports:
        assert f'href="{r["url"]}"' in page.text
        assert f'/event/{e["id"]}/report/{r["article_id"]}/{r["ord"]}#evidence' in page.text
    for name in e["participants"]:
        assert name in page.text
    assert re.search(r'<span class="tag">(Казахстан|Китай)</span>', page.text)
    assert "<mark>" in page.text
    people = db.execute("SELECT DISTINCT n.position FROM registry_event_reports r JOIN entities n"
                        " ON n.article_id = r.article_id AND n.kind = 'person' WHERE r.event_id = %s"
                        " AND n.position IS NOT NULL AND %s::jsonb ? n.name",
                        (e["id"], json.dumps(e["participants"]))).fetchall()
    for p in people[:1]:
        assert p["position"] in page.text


def test_a_report_page_marks_its_evidence_in_the_cleaned_text(client: Any, db: Any) -> None:
    r = db.execute("SELECT r.event_id, r.article_id, r.ord, r.evidence, d.text FROM registry_event_reports r"
                   " JOIN documents d USING (article_id) WHERE r.evidence ? 'start' ORDER BY r.article_id LIMIT 1"
                   ).fetchone()
    page = client.get(f"/event/{r['event_id']}/report/{r['article_id']}/{r['ord']}")
    assert page.status_code == 200
    marked = re.search(r'<mark id="evidence">(.*?)</mark>', page.text, re.S)
    assert marked
    start, end = r["evidence"]["start"], r["evidence"]["end"]
    from markupsafe import escape
    assert marked.group(1) == str(escape(r["text"][start:end]))


def test_the_agreement_tracker_shows_steps_with_sources_and_filters(client: Any, db: Any) -> None:
    page = client.get("/agreements")
    assert page.status_code == 200
    agreements = db.execute("SELECT id, kind, parties FROM registry_agreements").fetchall()
    assert agreements
    assert page.text.count('<ol class="steps">') == len(agreements)
    steps = db.execute("SELECT step, step_date FROM registry_agreement_steps").fetchall()
    for s in steps:
        assert str(s["step_date"]) in page.text
    # every step names its first sources, each linking to its original
    sources = db.execute("SELECT count(*) AS n FROM (SELECT row_number() OVER (PARTITION BY agreement_id, step"
                         " ORDER BY published) AS k FROM registry_agreement_reports) x WHERE k <= 5").fetchone()["n"]
    tracker = page.text.split('id="agreements"')[1]
    assert tracker.count('rel="noopener noreferrer nofollow"') == sources > 0
    party = agreements[0]["parties"][0]
    narrowed = client.get("/agreements", params={"party": party[:8]})
    assert party in narrowed.text
    signed = client.get("/agreements", params={"status": "ratified"})
    expected = db.execute("SELECT count(*) AS n FROM registry_agreements WHERE status = 'ratified'").fetchone()["n"]
    assert signed.text.count('<ol class="steps">') == expected
    sector = db.execute("SELECT s.sector, count(DISTINCT r.agreement_id) AS n FROM registry_agreement_reports r"
                        " JOIN article_sectors s USING (article_id) GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    if sector:
        by_sector = client.get("/agreements", params={"sector": sector["sector"]})
        assert by_sector.text.count('<ol class="steps">') == sector["n"]


def test_search_finds_ranks_and_marks_like_the_cli(client: Any, db: Any) -> None:
    from workers.db import QUERIES

    page = client.get("/search", params={"q": "Казахстан"})
    assert page.status_code == 200
    cli = db.execute(QUERIES["search_documents"], {
        "query": "Казахстан", "prefix": False, "since": None, "until": None, "relevant_only": False, "limit": 50,
        "countries": None, "types": None, "party": None, "mark_start": "«", "mark_stop": "»"}).fetchall()
    assert cli and f"Найдено: {len(cli)}" in page.text
    assert "<mark>" in page.text
    titles = re.findall(r"<strong>(.*?)</strong>", page.text.split('id="results"')[1])
    from markupsafe import escape
    assert titles[:3] == [str(escape(r["title"] or "(без заголовка)")) for r in cli[:3]]
    prefix = client.get("/search", params={"q": "казахст", "prefix": "1"})
    assert "<mark>" in prefix.text


def test_search_filters_narrow_as_the_cli_does(client: Any, capsys: pytest.CaptureFixture[str], db: Any) -> None:
    from workers.cli.main import main

    # a person named in the corpus, and the type of one of their article's events
    row = db.execute("SELECT n.name, e.type FROM entities n JOIN events e ON e.article_id = n.article_id"
                     " WHERE n.kind = 'person' AND e.countries @> ARRAY['KZ', 'CN'] ORDER BY n.article_id LIMIT 1"
                     ).fetchone()
    assert row, "the replay corpus names people in KZ–CN events"
    party, type_ = row["name"].split()[-1], row["type"]
    for params, cli_args in [
        ({"country": "kz,CN"}, ["--countries", "KZ,CN"]),
        ({"type": type_}, ["--type", type_]),
        ({"party": party}, ["--party", party]),
        ({"country": "KZ", "type": type_, "party": party}, ["--countries", "KZ", "--type", type_, "--party", party]),
    ]:
        capsys.readouterr()
        assert main(["search", "Казахстан", *cli_args, "--limit", "1000", "-o", "csv"]) == 0
        cli = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        exported = list(csv.DictReader(io.StringIO(
            client.get("/export/search.csv", params={"q": "Казахстан", **params}).text)))
        assert [r["article_id"] for r in exported] == [r["article_id"] for r in cli], params
        page = client.get("/search", params={"q": "Казахстан", **params})
        assert f"Найдено: {min(len(cli), 50)}" in page.text, params
    everything = client.get("/search", params={"q": "Казахстан"}).text
    narrowed = client.get("/search", params={"q": "Казахстан", "party": party, "type": type_}).text
    assert narrowed.count("<li>") < everything.count("<li>")  # the filters do narrow
    assert f'value="{party}"' in narrowed and f'value="{type_}" selected' in narrowed  # and the form keeps them


def test_the_feeds_page_lists_every_feed_with_its_last_poll(client: Any, db: Any) -> None:
    page = client.get("/feeds")
    feeds = db.execute("SELECT name, last_status FROM feeds").fetchall()
    from markupsafe import escape

    for f in feeds:
        assert str(escape(f["name"])) in page.text
    assert page.text.count("<tr>") == len(feeds) + 1
    assert "ещё не опрашивалась" not in page.text or any(f["last_status"] is None for f in feeds)


@pytest.mark.parametrize("kind", ["events", "agreements"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exports_are_the_cli_export_byte_for_byte(client: Any, capsys: pytest.CaptureFixture[str], kind: str,
                                                   fmt: str) -> None:
    from workers.cli.main import main

    capsys.readouterr()
    assert main(["export", kind, "--format", fmt]) == 0
    cli = capsys.readouterr().out
    got = client.get(f"/export/{kind}.{fmt}")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv" if fmt == "csv" else "application/x-ndjson")
    # the CLI prints with "\n" where csv wrote "\r\n" only on Windows: compare records, then the bytes
    assert got.text.replace("\r\n", "\n") == cli.replace("\r\n", "\n")
    assert len(cli) > 100


def test_a_filtered_export_holds_the_rows_the_page_lists(client: Any) -> None:
    page = client.get("/", params={"type": "visit"})
    exported = list(csv.DictReader(io.StringIO(client.get("/export/events.csv", params={"type": "visit"}).text)))
    assert sorted(int(r["id"]) for r in exported) == sorted(_event_ids(page.text))
    assert {r["type"] for r in exported} == {"visit"}


def test_a_hostile_title_shows_as_text(client: Any, loaded: dict[str, Any], db: Any) -> None:
    event_id = db.execute("SELECT event_id FROM registry_event_reports WHERE article_id = %s",
                          (loaded["hostile_article"],)).fetchone()["event_id"]
    from markupsafe import escape

    for url in ("/?since=2019-01-01&until=2019-12-31", f"/event/{event_id}",
                f"/event/{event_id}/report/{loaded['hostile_article']}/0",
                "/search?q=заголовком-ловушкой"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "<script" not in page.text.lower(), url
        assert "&lt;script&gt;" in page.text, url
    report = client.get(f"/event/{event_id}/report/{loaded['hostile_article']}/0").text
    assert f'<mark id="evidence">{escape(HOSTILE_EVIDENCE)}</mark>' in report
    assert str(escape(HOSTILE_TITLE)) in report
    assert "&lt;i&gt;Ловушка&lt;/i&gt;" in report
    assert "script-src" not in client.get("/").headers["content-security-policy"]


@pytest.mark.parametrize("url", [
    "/?since=2026-13-01", "/?until=yesterday", "/?since=2026-02-01&until=2026-01-01", "/?type=parade",
    "/?status=done", "/?level=king", "/?month=2026-1", "/?month=abcd-ef", "/?typo=visit", "/?text=" + "я" * 301,
    "/event/abc", "/event/0", "/event/99999999999999999999", "/event/1/report/x/0", "/event/1/report/1/-1",
    "/agreements?sector=space-opera", "/agreements?status=maybe", "/search?q=a&prefix=maybe",
    "/search?q=" + "+слово" * 65, "/search?q=a&country=XX", "/search?q=a&country=Kazakhstan", "/search?q=a&type=parade",
    "/search?q=a&party=" + "я" * 301, "/export/search.csv?q=a&country=ZZ", "/export/secrets.csv",
    "/export/events.xml", "/feeds?x=1", "/export/search.csv",
    "/?since=2026-01-01&since=2026-02-01",
])
def test_bad_parameters_get_400_with_one_line(client: Any, url: str) -> None:
    got = client.get(url)
    assert got.status_code == 400, (url, got.status_code, got.text[:200])
    assert got.text.count("\n") == 1 and got.text.strip(), got.text
    assert "Traceback" not in got.text and "psycopg" not in got.text


def test_missing_records_are_404_with_one_line(client: Any) -> None:
    for url in ("/event/999999999", "/event/1/report/999999999/0"):
        got = client.get(url)
        assert got.status_code == 404 and got.text.count("\n") == 1, url


def test_the_pages_cannot_write(loaded: dict[str, Any]) -> None:
    import psycopg

    from workers.db.web import open_pool

    pool = open_pool(loaded["dsn"], max_size=1)
    try:
        with pool.connection() as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM feeds")
    finally:
        pool.close()


def test_basic_auth_guards_every_page_when_set(loaded: dict[str, Any]) -> None:
    from starlette.testclient import TestClient

    from workers.settings import Settings
    from workers.web.app import create_app

    app = create_app(Settings(database_url=loaded["dsn"], web_basic_auth="analyst:s3cret"))
    with TestClient(app) as c:
        for url in ("/", "/feeds", "/export/events.csv"):
            assert c.get(url).status_code == 401
            assert c.get(url, auth=("analyst", "wrong")).status_code == 401
            assert c.get(url, auth=("analyst", "s3cret")).status_code == 200
        page = c.get("/feeds", auth=("analyst", "s3cret")).text
        assert "s3cret" not in page and "postgresql://" not in page
