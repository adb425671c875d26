"""Hostile feeds through the real `poll_feed` on a real worker subprocess (issue 17, findings 1, 3, 4, 6, 11).

Every feed must end its poll recorded on the feed row and in its fetch history, with nothing unbounded
stored: a refused DTD, a refused encoding, bad entries dropped and counted while the good ones land,
odd numbers read as no number, a feed over the per-poll cap cut to its newest entries, and a feed whose
poll kills its worker muted after a few lost polls instead of polled again forever.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.support.httpserver import LoggedRequest, Route, ScriptedServer
from tests.support.services import wait_until
from workers.taskspec import POLL_FEED

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

CAP = 50
UTF8, UTF7 = '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="utf-7"?>'
WORKER_ENV = {"SILKWIRE_MAX_ENTRIES_PER_POLL": str(CAP), "SILKWIRE_HOST_MIN_DELAY_S": "0",
              "SILKWIRE_HOST_MAX_CONCURRENCY": "16"}
# "&a;" is a 3,000-character entity feedparser's loose parser calls safe: 3,000 uses make a 9,000,000-character title.
ENTITIES = '<!DOCTYPE rss [\n<!ENTITY a "' + "x" * 3000 + '">\n]>\n'
BOMB_ITEM = "<item><title>" + "&a;" * 3000 + "</title><link>https://news.example/bomb</link></item>"


def rss(items: str, channel_extra: str = "", prolog: str = "", decl: str = UTF8) -> str:
    return (f'{decl}\n{prolog}<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
            f"<channel><title>Пресс-служба</title><link>https://news.example/</link>{channel_extra}{items}"
            "</channel></rss>")


def item(link: str, title: str = "Новость", published: datetime | None = None) -> str:
    date = f"<pubDate>{published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>" if published else ""
    return f"<item><title>{title}</title><link>{link}</link>{date}</item>"


def _utf7(text: str) -> bytes:
    """ASCII text as UTF-7 with every "<" after the XML declaration spelled "+ADw-" (valid UTF-7 for ASCII)."""
    decl, rest = text.split("\n", 1)
    return f"{decl}\n{rest.replace('<', '+ADw-')}".encode("ascii")


def _feeds() -> dict[str, bytes]:
    now = datetime.now(UTC).replace(microsecond=0)
    zalgo = "Назарба" + "е" + "\u0301" * 60
    bad_entries = "".join([
        item("https://news.example/ok1", "Хорошая новость"),
        # over the btree limit of articles.url (random: Postgres would compress "xxx…" into the index)
        item("https://news.example/" + secrets.token_hex(1500), "Длинная ссылка"),
        item("https://news.example/ok2", "Ноль&#0;байт"),
        item("https://news.example/ok3", "&#xD800;Суррогат"),
        item("https://news.example/ok4", "Т" * 5000),  # a 5,000-character "headline"
        item("https://news.example/ok5", "То\u202eкаев и \u2067" + zalgo),
        item("https://news.example/ok6", "Ещё одна хорошая"),
    ])
    many = "".join(item(f"https://news.example/m{i}", f"Новость {i}", now - timedelta(hours=i)) for i in range(200))
    return {
        # The CDATA span the old guard removed before searching starts and ends inside comments around the DTD.
        "entities behind a comment": rss(BOMB_ITEM, prolog=f"<!-- <![CDATA[ -->\n{ENTITIES}<!-- ]]> -->\n").encode(),
        "utf-7 entities": _utf7(rss(BOMB_ITEM, prolog=ENTITIES, decl=UTF7).replace("Пресс-служба", "Press")),
        "bad entries": rss(bad_entries).encode(),
        "ttl superscript": rss(item("https://news.example/t1"), "<ttl>²</ttl>").encode(),
        "ttl 5000 digits": rss(item("https://news.example/t2"), "<ttl>" + "9" * 5000 + "</ttl>").encode(),
        "updateFrequency superscript": rss(item("https://news.example/t3"),
                                           "<sy:updatePeriod>hourly</sy:updatePeriod>"
                                           "<sy:updateFrequency>³</sy:updateFrequency>").encode(),
        "200 entries": rss(many).encode(),
    }


def _add_feed(db: Any, name: str, url: str) -> int:
    return int(db.execute("INSERT INTO feeds (name, url, kind, language, country) VALUES (%s, %s, 'rss', 'ru', 'KZ')"
                          " RETURNING id", (name, url)).fetchone()["id"])


def _feed(db: Any, feed_id: int) -> dict[str, Any]:
    return dict(db.execute("SELECT * FROM feeds WHERE id = %s", (feed_id,)).fetchone())


def _fetches(db: Any, feed_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM feed_fetches WHERE feed_id = %s ORDER BY id", (feed_id,))]


def _articles(db: Any, feed_id: int) -> dict[str, str | None]:
    rows = db.execute("SELECT a.url, a.title_hint FROM articles a JOIN article_feeds af ON af.article_id = a.id"
                      " WHERE af.feed_id = %s", (feed_id,)).fetchall()
    return {r["url"]: r["title_hint"] for r in rows}


def test_hostile_feeds_end_recorded_and_bounded(db: Any, clean_redis: Any, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from workers.tasks.app import app

    with ScriptedServer() as server:
        # Given one feed per hostile case on the scripted server
        # (without a charset in the header, so the XML declaration names the encoding)
        plain = {"Content-Type": "application/rss+xml"}
        ids = {name: _add_feed(db, name, server.route("/" + re.sub(r"\W+", "-", name), Route(body=body, headers=plain)))
               for name, body in _feeds().items()}
        with worker_process(tmp_path, queues="feeds", concurrency=2, env=WORKER_ENV) as worker:
            # When each is polled once by the real task
            for feed_id in ids.values():
                app.send_task(POLL_FEED, args=[feed_id], queue="feeds")
            polled = wait_until(lambda: all(_fetches(db, i) for i in ids.values()) or not worker.alive, timeout_s=90)
            assert worker.alive, worker.log_tail()
        feeds = {name: _feed(db, i) for name, i in ids.items()}
        history = {name: _fetches(db, i) for name, i in ids.items()}
        stored = {name: _articles(db, i) for name, i in ids.items()}
        for name, f in feeds.items():
            print(f"{name:28} status={f['last_status']} errors={f['consecutive_errors']} articles={len(stored[name])}"
                  f" error={(f['last_error'] or '')[:80]!r}")
        assert polled, {n: (f["last_polled_at"], f["last_error"]) for n, f in feeds.items()}

    # Expect the entity tricks refused before parsing, recorded as the feed's error, nothing stored
    for name in ("entities behind a comment", "utf-7 entities"):
        f = feeds[name]
        assert f["consecutive_errors"] == 1, (name, f)
        assert re.search(r"PermanentError: feed (has a DOCTYPE with an internal subset|refused: encoding)",
                         f["last_error"] or ""), (name, f["last_error"])
        assert stored[name] == {}, name
        assert history[name][-1]["error"] == f["last_error"]

    # the bad entries dropped and counted, every other entry stored with clean, bounded text
    f, titles = feeds["bad entries"], stored["bad entries"]
    assert (f["last_status"], f["consecutive_errors"], f["last_error"]) == (200, 0, None), f
    assert sorted(titles) == [f"https://news.example/ok{i}" for i in (1, 2, 3, 5, 6)], sorted(titles)
    assert history["bad entries"][-1]["dropped_entries"] == 2
    assert "2 entries dropped" in (history["bad entries"][-1]["warnings"] or "")
    assert titles["https://news.example/ok2"] == "Нольбайт"
    assert titles["https://news.example/ok3"] == "Суррогат"
    name_title = titles["https://news.example/ok5"] or ""
    assert "\u202e" not in name_title and "\u2067" not in name_title and name_title.startswith("Токаев и Назарба")
    assert name_title.count("\u0301") == 3, name_title

    # numbers no int() can read are no numbers: the poll is an ordinary success
    for name in ("ttl superscript", "ttl 5000 digits", "updateFrequency superscript"):
        f = feeds[name]
        assert (f["last_status"], f["consecutive_errors"], f["last_error"]) == (200, 0, None), (name, f)
        assert len(stored[name]) == 1, name

    # a feed over the per-poll cap: the newest CAP entries, the rest counted as capped
    assert sorted(stored["200 entries"]) == sorted(f"https://news.example/m{i}" for i in range(CAP))
    assert history["200 entries"][-1]["capped_entries"] == 200 - CAP
    assert history["200 entries"][-1]["entries"] == CAP

    # and `silkwire feeds health` shows what the last poll left out
    from workers.cli.main import main

    capsys.readouterr()
    assert main(["feeds", "health", "-o", "json"]) == 0
    health = {h["name"]: h for h in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (health["bad entries"]["last_dropped"], health["200 entries"]["last_capped"]) == (2, 200 - CAP)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_feed_whose_poll_kills_its_worker_is_muted(db: Any, clean_redis: Any, tmp_path: Path) -> None:
    from workers.tasks.app import app

    started = threading.Event()

    def hang(req: LoggedRequest) -> Route:
        started.set()  # the poll is inside its fetch: the moment to kill the pool child
        return Route(body=b"", delay_s=30)

    with ScriptedServer() as server:
        feed_id = _add_feed(db, "killer", server.route("/rss", hang))
        env = {**WORKER_ENV, "SILKWIRE_FEED_MAX_POLL_ATTEMPTS": "2"}
        with worker_process(tmp_path, queues="feeds", concurrency=1, env=env) as worker:
            app.send_task(POLL_FEED, args=[feed_id], queue="feeds")
            kills = 0
            deadline = time.monotonic() + 120
            # When every poll of the feed dies with its pool child (an OOM kill, say)
            while time.monotonic() < deadline and not _feed(db, feed_id)["muted_reason"] and worker.alive:
                if started.wait(0.2):
                    started.clear()
                    for child in _children(worker.popen.pid):
                        os.kill(child, signal.SIGKILL)
                    kills += 1
            feed = _feed(db, feed_id)
            assert worker.alive, worker.log_tail()
        # Expect the feed muted after the allowed lost polls, with the reason on the row and in its history
        assert feed["muted_reason"] == "gave up after 2 polls that never finished (worker lost)", (kills, feed)
        assert kills == 2
        assert feed["last_error"] == f"PermanentError: {feed['muted_reason']}"
        assert _fetches(db, feed_id)[-1]["error"] == feed["last_error"]
