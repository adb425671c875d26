"""What monitoring costs: the Redis write every finished task makes (workers/observability/task_metrics.py)
and one scrape of the exporter against a database of a given size (workers/observability/metrics.py).

    .venv/bin/python bench/metrics_overhead.py                 # 100,000 articles, 200 feeds
    .venv/bin/python bench/metrics_overhead.py --articles 1000000

Needs the local PostgreSQL and Redis (./scripts/services.sh). Creates and drops the database
silkwire_bench_metrics; Redis keys carry a per-run prefix and are deleted at the end. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
import psycopg.conninfo
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCH_DB = "silkwire_bench_metrics"


def fill(dsn: str, articles: int, feeds: int) -> None:
    from workers.db.migrate import ensure_database, migrate

    ensure_database(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        migrate(conn)
        conn.execute("INSERT INTO feeds (name, url, consecutive_errors, last_polled_at)"
                     " SELECT 'feed-' || i, 'https://example.kz/' || i || '/rss', i %% 7, now() - i * interval '1 min'"
                     " FROM generate_series(1, %s) i", (feeds,))
        # 95 % done with an extraction, the rest waiting or failed, as a long-running deployment looks
        conn.execute("INSERT INTO articles (url, stage, state, queued_at, feed_published_at)"
                     " SELECT 'https://example.kz/a/' || i,"
                     " CASE WHEN i %% 20 = 0 THEN 'fetch' WHEN i %% 20 = 1 THEN 'analyse' ELSE 'done' END,"
                     " CASE WHEN i %% 20 = 0 THEN 'queued' WHEN i %% 20 = 1 THEN 'failed' ELSE 'done' END,"
                     " now() - i * interval '1 s', now() - i * interval '1 min' FROM generate_series(1, %s) i",
                     (articles,))
        conn.execute("INSERT INTO extractions (article_id, extractor_version, relevant, relevance_score, result)"
                     " SELECT id, 'bench', id % 3 = 0, 0.5, '{}'::jsonb FROM articles WHERE state = 'done'")
        conn.execute("ANALYZE")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--tasks", type=int, default=2000, help="record() calls to time per kind")
    args = ap.parse_args()

    prefix = f"benchmetrics{os.getpid()}:"
    from workers.settings import Settings, use_settings

    base = Settings()
    dsn = psycopg.conninfo.make_conninfo(base.database_url, dbname=BENCH_DB)
    use_settings(base.model_copy(update={"database_url": dsn, "key_prefix": prefix}))
    admin = psycopg.conninfo.make_conninfo(base.database_url, dbname="postgres")
    try:
        psycopg.connect(admin, connect_timeout=3).close()
        redis.Redis.from_url(base.redis_url, socket_timeout=3).ping()
    except (psycopg.Error, redis.RedisError) as exc:
        print(f"needs the local PostgreSQL and Redis (./scripts/services.sh): {exc}")
        return 0

    from prometheus_client import generate_latest

    from workers.observability.metrics import make_registry
    from workers.observability.task_metrics import record

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    client = redis.Redis.from_url(base.redis_url)
    try:
        t = time.perf_counter()
        fill(dsn, args.articles, args.feeds)
        print(f"database: {args.articles:,} articles, {args.feeds} feeds, filled in {time.perf_counter() - t:.1f} s")
        kinds = {
            "poll_feed (one poll)": ("silkwire.poll_feed", {"status": 200, "entries": 20, "new": 2}, None),
            "fetch_articles (batch of 8 stored)": ("silkwire.fetch_articles", {"stored": list(range(8))}, None),
        }
        for label, (task, answer, item) in kinds.items():
            t = time.perf_counter()
            for _ in range(args.tasks):
                record(task, "SUCCESS", answer, 0.2, "fetch", item)
            print(f"record() per task, {label}: {(time.perf_counter() - t) / args.tasks * 1e6:.0f} µs")
        registry = make_registry()
        generate_latest(registry)
        times = []
        for _ in range(10):
            t = time.perf_counter()
            text = generate_latest(registry)
            times.append(time.perf_counter() - t)
        samples = sum(1 for line in text.decode().splitlines() if line and not line.startswith("#"))
        print(f"one scrape: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
              f"{len(text):,} bytes, {samples} samples")
    finally:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
