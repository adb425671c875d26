"""Bench: render time of every page of `silkwire web` on the bench database (a figure, not a test).

    .venv/bin/python bench/web_pages.py [--articles 8000] [--runs 30] [--database DSN] [--explain]

The database is the bench corpus (bench/corpus.py) stored as the workers store it, registry included
(bench/_webdb.py builds `silkwire_bench_web` once and keeps it). Each page is requested through the app
in-process (Starlette's TestClient: routing, parameters, queries on the read-only pool, templates), a few
warm-up requests first; median and p95 per page against the 200 ms target of issue #18. --explain prints
each page query's plan and every sequential scan in it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._webdb import article_count, build  # noqa: E402

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/silkwire_bench_web"
TARGET_MS = 200.0


def _sample(dsn: str) -> dict[str, Any]:
    """Ids and words the page requests use: busy events, their reports, a party, a sector."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        events = [r["id"] for r in conn.execute(
            "SELECT id FROM registry_events ORDER BY report_count DESC, id LIMIT 20").fetchall()]
        reports = [(r["event_id"], r["article_id"], r["ord"]) for r in conn.execute(
            "SELECT DISTINCT ON (event_id) event_id, article_id, ord FROM registry_event_reports"
            " WHERE event_id = ANY(%s) ORDER BY event_id, article_id", (events,)).fetchall()]
        party = conn.execute("SELECT p FROM registry_agreements, jsonb_array_elements_text(parties) p"
                             " GROUP BY p ORDER BY count(*) DESC LIMIT 1").fetchone()
        span = conn.execute("SELECT max(event_date) AS last FROM registry_events").fetchone()
    return {"events": events, "reports": reports, "party": (party or {}).get("p", "Министерство")[:12],
            "last": span["last"] if span else None}


def pages(sample: dict[str, Any]) -> dict[str, list[str]]:
    """Page name → the URLs it is requested with (cycled through the runs)."""
    last = sample["last"]
    month = f"{last:%Y-%m}" if last else "2026-11"
    return {
        "timeline": ["/"],
        "timeline ?type=visit,talks": ["/?type=visit&type=talks"],
        "timeline ?level=state": ["/?level=state"],
        "timeline ?text=Токаев": ["/?text=Токаев"],
        "timeline ?month": [f"/?month={month}"],
        "event": [f"/event/{i}" for i in sample["events"]],
        "report (evidence)": [f"/event/{e}/report/{a}/{o}" for e, a, o in sample["reports"]],
        "agreements": ["/agreements"],
        "agreements ?sector=energy": ["/agreements?sector=energy"],
        "agreements ?party": [f"/agreements?party={sample['party']}"],
        "search": ["/search?q=железная+дорога", "/search?q=Токаев+Си+Цзиньпин", "/search?q=инвестиции"],
        "search ?prefix": ["/search?q=энерг&prefix=1"],
        "feeds": ["/feeds"],
        "export events.csv": ["/export/events.csv"],
        "export agreements.jsonl": ["/export/agreements.jsonl"],
    }


def measure(dsn: str, runs: int) -> list[tuple[str, float, float, int]]:
    from starlette.testclient import TestClient

    from workers.settings import Settings
    from workers.web.app import create_app

    sample = _sample(dsn)
    out = []
    with TestClient(create_app(Settings(database_url=dsn))) as client:
        for name, urls in pages(sample).items():
            for url in urls[:2]:  # warm-up: the pool's connections, the planner's caches
                client.get(url)
            times, size = [], 0
            for i in range(runs):
                url = urls[i % len(urls)]
                started = time.perf_counter()
                got = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                if got.status_code != 200:
                    raise SystemExit(f"{url}: {got.status_code} {got.text[:200]}")
                size = max(size, len(got.content))
            times.sort()
            out.append((name, statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], size))
    return out


def explain(dsn: str) -> None:
    """The plan of each page query with bench parameters; the sequential scans in it, by table."""
    import psycopg
    from psycopg.rows import dict_row

    from workers.db import QUERIES
    from workers.db.web import LEVELS, PEOPLE_FROM_REPORTS, WINDOW_CHARS

    sample = _sample(dsn)
    none = {"since": None, "until": None, "types": None, "statuses": None, "text": None, "text_ids": [],
            "level_names": None}
    # the tracker's query (the CLI's listing, with the page's status and sector filters)
    agreement_filters = {"statuses": None, "party": None, "since": None, "until": None, "limit": 200,
                         "countries": None, "types": None, "article": None, "feed": None}
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        state = conn.execute(QUERIES["web_level_people"], {"level_re": LEVELS["state"][1]}).fetchone()
        tokayev = conn.execute(QUERIES["web_title_events"], {"text": "Токаев"}).fetchone()
    cases = [
        ("web_events", {**none, "limit": 200}), ("web_events", {**none, "types": ["visit"], "limit": 200}),
        ("web_level_people", {"level_re": LEVELS["state"][1]}),
        ("web_events", {**none, "level_names": state["names"], "limit": 200}),  # type: ignore[index]
        ("web_title_events", {"text": "Токаев"}),
        ("web_events", {**none, "text": "Токаев", "text_ids": tokayev["ids"], "limit": 200}),  # type: ignore[index]
        ("web_event_months", none),
        ("web_event", {"id": sample["events"][0]}),
        ("web_event_reports", {"id": sample["events"][0], "chars": WINDOW_CHARS, "limit": 200, "offset": 0}),
        ("web_event_people", {"id": sample["events"][0], "reports": PEOPLE_FROM_REPORTS}),
        ("web_event_participant_countries", {"id": sample["events"][0], "reports": PEOPLE_FROM_REPORTS}),
        ("web_report", dict(zip(("event_id", "article_id", "ord"), sample["reports"][0], strict=True))),
        ("registry_list_agreements", {**agreement_filters, "sector": None}),
        ("registry_list_agreements", {**agreement_filters, "sector": "energy"}),
        ("web_agreement_sources", {"ids": list(range(1, 200)), "per_step": 5}),
        ("registry_agreement_reports_of", {"ids": list(range(1, 200))}),  # the JSON Lines export
        ("search_documents", {"query": "железная дорога", "prefix": False, "since": None, "until": None,
                              "countries": None, "types": None, "party": None, "mark_start": "«", "mark_stop": "»",
                              "relevant_only": False, "limit": 200}),
        ("list_feeds", {}),
    ]
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        for name, params in cases:
            plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + QUERIES[name], params).fetchone()
            root = plan["QUERY PLAN"][0]  # type: ignore[index]
            seq = sorted({n.get("Relation Name", "?") for n in _nodes(root["Plan"]) if n["Node Type"] == "Seq Scan"})
            print(f"  {name:34} {root['Execution Time']:8.1f} ms   seq scans: {', '.join(seq) or 'none'}"
                  f"   {json.dumps({k: v for k, v in params.items() if v}, ensure_ascii=False, default=str)[:60]}")


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--articles", type=int, default=8000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--database", default=DEFAULT_DSN)
    ap.add_argument("--explain", action="store_true", help="also print each page query's plan")
    args = ap.parse_args()
    try:
        have = article_count(args.database)
        if have < args.articles:
            print(f"building the bench database ({have} of {args.articles} articles stored)...", flush=True)
            build(args.database, args.articles)
    except OSError as exc:
        print(f"skipped: PostgreSQL is not reachable ({exc})")
        return 0
    import psycopg

    with psycopg.connect(args.database) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM registry_events),"
                              " (SELECT count(*) FROM registry_event_reports), (SELECT count(*) FROM"
                              " registry_agreements), (SELECT count(*) FROM feeds)").fetchone()
    print(f"web pages on {args.database.rsplit('/', 1)[-1]}: {counts[0]} articles, {counts[1]} canonical events"  # type: ignore[index]
          f" ({counts[2]} reports), {counts[3]} agreements, {counts[4]} feeds; {args.runs} requests per page")  # type: ignore[index]
    if args.explain:
        explain(args.database)
    print(f"  {'page':28} {'median ms':>10} {'p95 ms':>8} {'bytes':>9}  target {TARGET_MS:.0f} ms")
    for name, median, p95, size in measure(args.database, args.runs):
        verdict = "PASS" if p95 <= TARGET_MS else "MISS"
        print(f"  {name:28} {median:10.1f} {p95:8.1f} {size:9d}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
