"""Bench: what linking one article into the registry costs (`workers.db.registry.link_article`, the link task's
whole work), a figure, not a test.

    .venv/bin/python bench/link_article.py [--articles 1000] [--every 25] [--database DSN]

The database is the bench corpus stored as the workers store it (bench/_webdb.py builds it once and keeps
it; a separate one from bench/web_pages.py's, since this bench rewrites registry rows). The corpus dates
everything within weeks and names the same few leaders, so every article's link window holds most of the
corpus: the worst case for linking. Every `--every`-th relevant article is linked, each in its own
transaction, three ways:
- unchanged: its mentions are what the registry holds (a redelivery, a re-extraction that came out the same);
- changed: its reports' fingerprints no longer match (a re-extraction that changed it);
- first link: it has no reports yet (a new article).
Then a rebuild must change nothing (the links kept the registry what a rebuild computes). Prints medians,
maxima and the process's RSS.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

from bench._webdb import article_count, build  # noqa: E402

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/silkwire_bench_link"


def _rss_mib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 // 2**20


def _registry(conn: Any) -> list[Any]:
    return conn.execute(
        "SELECT event_id, array_agg(article_id || ':' || ord ORDER BY article_id, ord) AS reports"
        " FROM registry_event_reports GROUP BY 1 UNION ALL"
        " SELECT -agreement_id, array_agg(article_id || ':' || ord ORDER BY article_id, ord)"
        " FROM registry_agreement_reports GROUP BY 1 ORDER BY 1").fetchall()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--every", type=int, default=25)
    ap.add_argument("--database", default=DEFAULT_DSN)
    args = ap.parse_args()
    if article_count(args.database) < args.articles:
        build(args.database, args.articles)

    from workers.db.migrate import migrate
    from workers.db.registry import link_article, rebuild

    with psycopg.connect(args.database, autocommit=True, row_factory=dict_row) as conn:
        migrate(conn)
        started = time.perf_counter()
        with conn.transaction():
            counts = rebuild(conn)
        print(f"rebuild: {counts} in {time.perf_counter() - started:.2f} s")
        ids = [r["article_id"] for r in conn.execute("SELECT article_id FROM extractions WHERE relevant ORDER BY 1")]
        sample = ids[::args.every]
        print(f"{len(ids)} relevant articles; linking {len(sample)} of them each way")

        def timed(label: str, prepare: Callable[[int], object] | None = None) -> None:
            spent = []
            for a in sample:
                if prepare:
                    prepare(a)
                t = time.perf_counter()
                with conn.transaction():
                    link_article(conn, a)
                spent.append(time.perf_counter() - t)
            spent.sort()
            print(f"  {label:<12} median {spent[len(spent) // 2] * 1000:8.1f} ms   max {spent[-1] * 1000:8.1f} ms"
                  f"   RSS {_rss_mib()} MiB")

        def changed(a: int) -> None:
            for table in ("registry_event_reports", "registry_agreement_reports"):
                conn.execute(f"UPDATE {table} SET mention_hash = 'changed' WHERE article_id = %s", (a,))

        def unlinked(a: int) -> None:
            for table in ("registry_event_reports", "registry_agreement_reports"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = %s", (a,))

        timed("unchanged")
        timed("changed", changed)
        timed("first link", unlinked)
        before = _registry(conn)
        with conn.transaction():
            rebuild(conn)
        same = _registry(conn) == before
        print(f"a rebuild after the links changes nothing: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
