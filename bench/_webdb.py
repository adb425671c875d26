"""The bench database for bench/web_pages.py: the bench corpus (bench/corpus.py, same seed, same texts) stored
as the workers store it, without the HTTP and Celery hops: each press release is cleaned and extracted by
the workers' own code (workers.pipeline.analyse_text), stored with store_document/store_extraction, and the
registry is rebuilt at the end. Kept between runs: built once (about 100 ms of CPU per article).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

from bench.corpus import Chrome, Corpus  # noqa: E402

FEEDS = 20


def article_count(dsn: str) -> int:
    """Articles with an extraction in the database, 0 when it does not exist or has no schema yet."""
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute("SELECT to_regclass('extractions') IS NOT NULL").fetchone()
            if not row or not row[0]:
                return 0
            done = conn.execute("SELECT count(*) FROM extractions").fetchone()
            return int(done[0]) if done else 0
    except psycopg.OperationalError:
        return 0


def build(dsn: str, articles: int, *, seed: int = 7) -> None:
    """Fill the database at `dsn` (created and migrated here) with the first `articles` corpus articles."""
    from workers.db.migrate import ensure_database, migrate
    from workers.db.registry import rebuild
    from workers.db.results import store_document, store_extraction
    from workers.pipeline import analyse_text
    from workers.settings import get_settings

    ensure_database(dsn)
    settings = get_settings()
    # The texts only: the page layout is drawn after the text, so one blank layout leaves the texts unchanged.
    corpus = Corpus(articles, FEEDS, seed, chromes=[Chrome("text", "", "", "")])
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        migrate(conn)
        source = conn.execute("INSERT INTO sources (name) VALUES ('bench-press') ON CONFLICT (name) DO UPDATE"
                              " SET name = EXCLUDED.name RETURNING id").fetchone()["id"]  # type: ignore[index]
        feeds = [conn.execute(
            "INSERT INTO feeds (name, url, source_id, last_polled_at, last_status) VALUES (%s, %s, %s, now(), 200)"
            " ON CONFLICT (name) DO UPDATE SET source_id = EXCLUDED.source_id RETURNING id",
            (f"bench-{f:03d}", f"http://127.0.0.1/press/feeds/{f:03d}.xml", source)).fetchone()["id"]  # type: ignore[index]
            for f in range(FEEDS)]
        have = {r["url"] for r in conn.execute("SELECT url FROM articles").fetchall()}
        started, stored = time.monotonic(), 0
        for i in range(articles):
            a = corpus.article(i)
            url = f"http://127.0.0.1{a.path}"
            if url in have:
                continue
            analysis = analyse_text("\n\n".join(a.paragraphs), settings=settings, title=a.title)
            with conn.transaction():
                article_id = conn.execute(
                    "INSERT INTO articles (url, first_feed_id, title_hint, feed_published_at, stage, state, next_task)"
                    " VALUES (%s, %s, %s, %s, 'done', 'done', NULL) RETURNING id",
                    (url, feeds[i % FEEDS], a.title, a.published)).fetchone()["id"]  # type: ignore[index]
                doc = analysis.doc
                if doc.published is None:
                    from dataclasses import replace
                    doc = replace(doc, published=a.published.date())
                store_document(conn, article_id, doc, near_dup_bits=3)
                store_extraction(conn, article_id, analysis.result)
            stored += 1
            if stored % 500 == 0:
                print(f"  bench database: {stored} articles stored ({time.monotonic() - started:.0f} s)", flush=True)
        # Which feed listed each article, as polling records it (the feed health page counts these).
        conn.execute("INSERT INTO article_feeds (article_id, feed_id, first_seen_at)"
                     " SELECT id, first_feed_id, first_seen_at FROM articles ON CONFLICT DO NOTHING")
        with conn.transaction():
            counts = rebuild(conn)
        conn.execute("ANALYZE")
    print(f"  bench database: {stored} new articles in {time.monotonic() - started:.0f} s; registry {counts}")


def spread(source_dsn: str, dsn: str, days: int = 7300) -> None:
    """A copy of the bench database whose articles are published over `days` days instead of 39.

    The bench corpus dates every article within weeks and its texts name the same few leaders, so linking
    chains them into a few dozen giant events; spread over twenty years they make thousands of events, the
    size of registry the timeline and the exports must stay fast on. Same texts and extractions; the
    publication day of article i is a fixed scramble of i; the registry is rebuilt from them.
    """
    from psycopg import sql

    from workers.db.registry import rebuild

    source = psycopg.conninfo.conninfo_to_dict(source_dsn)["dbname"]
    target = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    admin = psycopg.conninfo.make_conninfo(source_dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(str(target))))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(str(target)),
                                                                      sql.Identifier(str(source))))
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("UPDATE documents SET published = date '2026-11-30' - ((article_id * 7919) %% %s)::int",
                     (days,))
        conn.execute("UPDATE articles a SET feed_published_at = d.published FROM documents d WHERE d.article_id = a.id")
        with conn.transaction():
            counts = rebuild(conn)
        conn.execute("ANALYZE")
    print(f"  spread bench database: {target}, {days} days, registry {counts} in {time.monotonic() - started:.0f} s")
