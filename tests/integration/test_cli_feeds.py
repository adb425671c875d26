"""`silkwire feeds import | list | health | discover` against the real registry, database and a local site."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest

from tests.integration._tasks import answer
from tests.support.httpserver import Route, ScriptedServer
from tests.support.services import ROOT
from workers.cli.main import main
from workers.feeds.registry import load_registry, parse_spec

pytestmark = pytest.mark.integration


def test_import_upserts_the_registry_and_keeps_polling_state(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    specs = load_registry(ROOT / "seeds" / "feeds.toml")
    assert main(["feeds", "import"]) == 0
    assert f"{len(specs)} new" in capsys.readouterr().err
    db.execute("UPDATE feeds SET consecutive_errors = 3, etag = 'kept' WHERE name = %s", (specs[0].name,))
    assert main(["feeds", "import"]) == 0
    assert "0 new" in capsys.readouterr().err
    row = db.execute("SELECT count(*) AS n, max(etag) AS etag FROM feeds").fetchone()
    assert row == {"n": len(specs), "etag": "kept"}

    assert main(["feeds", "health", "-o", "json"]) == 0
    health = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(health) == len(specs)
    assert {h["name"]: h["consecutive_errors"] for h in health}[specs[0].name] == 3


def test_import_of_a_bad_registry_names_the_feed_and_changes_nothing(
        db: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "feeds.toml"
    bad.write_text('[[feed]]\nname = "x"\nsource = "X"\nurl = "ftp://x.kz/rss"\nkind = "rss"\nlanguage = "ru"\n'
                   'country = "KZ"\ncategory = "agency"\npoll_interval_s = 900\n', encoding="utf-8")
    assert main(["feeds", "import", "--file", str(bad)]) != 0
    assert "'x'" in capsys.readouterr().err
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


def test_discover_proposes_valid_registry_entries(capsys: pytest.CaptureFixture[str]) -> None:
    home = (b'<html><head><link rel="alternate" type="application/rss+xml" title="Novosti" href="/rss/ru.xml">'
            b'</head><body><a href="/atom.xml">Atom</a><p>Press service</p></body></html>')
    with ScriptedServer({"/": Route(body=home, headers={"Content-Type": "text/html; charset=utf-8"}),
                         "/robots.txt": Route(body=b"User-agent: *\nSitemap: /sitemap-news.xml\n")}) as site:
        assert main(["feeds", "discover", site.url("/"), "--country", "kz"]) == 0
    out = capsys.readouterr().out
    entries = tomllib.loads(out)["feed"]
    assert [e["url"] for e in entries] == [site.url("/rss/ru.xml"), site.url("/atom.xml"),
                                           site.url("/sitemap-news.xml")]
    assert [e["kind"] for e in entries] == ["rss", "atom", "sitemap"]
    for i, entry in enumerate(entries):
        assert parse_spec(entry, index=i).country == "KZ"


def test_discover_needs_a_country_it_cannot_guess(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feeds", "discover", "http://127.0.0.1:9/"]) == 2
    assert "--country" in capsys.readouterr().err


def test_markup_in_a_feeds_error_and_url_is_printed_as_text(db: Any, clean_redis: Any,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17, finding 8: a redirect target with rich markup reached `last_error` through a real poll,
    and `feeds health` died with MarkupError, hiding every feed's health."""
    from workers.tasks.feeds import poll_feed

    monkeypatch.setenv("COLUMNS", "400")  # rich folds cells to the terminal's width
    markup = "/gone[/bold][link=https://evil.example]click[/link]"
    with ScriptedServer({"/rss": Route(status=302, headers={"Location": markup})}) as site:
        feed_id = int(db.execute("INSERT INTO feeds (name, url, kind) VALUES ('evil', %s, 'rss') RETURNING id",
                                 (site.url("/rss"),)).fetchone()["id"])
        db.execute("INSERT INTO feeds (name, url, kind) VALUES ('moved', %s, 'rss')", (site.url(markup),))
        for _ in range(50):
            if "requeued_s" not in answer(poll_feed, feed_id):
                break
    error = db.execute("SELECT last_error FROM feeds WHERE id = %s", (feed_id,)).fetchone()["last_error"]
    assert "[/bold][link=https://evil.example]" in error
    for command in ("health", "list"):
        assert main(["feeds", command]) == 0, command
        out = capsys.readouterr().out
        assert "[/bold][link=https://evil.example]click[/link]" in out, (command, out)
