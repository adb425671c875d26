"""Bench: Silkwire end to end against the limit of its own libraries, side by side in one run.

    .venv/bin/python bench/run.py            # N=2000 articles, scaling at 4N
    .venv/bin/python bench/run.py --quick    # N=200, scaling at 800: a few minutes

Phases: limit (analyse_html in a loop, one process), pipeline (beat tick → Postgres with the compose
worker layout, fresh database), reprocess (`silkwire reprocess --stage extract`), latency at half the
measured capacity, resources (peak RSS, database bytes, Redis memory), scaling (N vs 4N).
Prints one table with PASS/MISS per target and writes bench/results/<date>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._monitor import Monitor, children, wait_idle  # noqa: E402
from bench.corpus import Corpus, CorpusUnavailable  # noqa: E402
from workers import taskspec  # noqa: E402
from workers.tasks.layout import ROLES, worker_args  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"  # ignored by git, like the results
VENV_BIN = Path(sys.executable).parent
BENCH_DB = "silkwire_bench"
# Every page is on 127.0.0.1:PORT, one "host" for the per-host gate: politeness is switched off
# for the benchmark (it measures the machine, not the delay we owe a press service).
HOST_MIN_DELAY_S = "0"
HOST_MAX_CONCURRENCY = "64"
# The deployed roles with their defaults (workers.tasks.layout: I/O ×8, NLP × cores), each under a node name
# of this run.
LAYOUT = {role: worker_args(role, node=f"{role}-bench-{os.getpid()}", loglevel="WARNING", private=True)
          for role in ROLES}
NLP_CHILDREN = ROLES["nlp"].processes()
# No article changed state for this long: a task is failing (see the worker logs), stop waiting.
STALL_S = 90
BLAS1 = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TARGETS = {"pipeline_ratio": 0.85, "reprocess_ratio": 0.90, "latency_p95_s": 5.0, "nlp_rss_mb": 400.0}
TABLES_SQL = "SELECT sum(pg_total_relation_size(relid))::bigint AS bytes FROM pg_stat_user_tables"


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


def loadavg() -> float:
    return os.getloadavg()[0]


# -- 1. limit ---------------------------------------------------------------------------------------


def measure_limit(corpus: Corpus, pages: int, warm: int = 5) -> dict[str, Any]:
    """analyse_html over `pages` corpus pages in this process: no queue, no database."""
    from workers.extract import warm_up
    from workers.pipeline import analyse_html
    from workers.settings import get_settings

    settings = get_settings()
    t = time.perf_counter()
    warm_up(settings)
    warm_s = time.perf_counter() - t
    # The pipeline's own documents: over a sample, the ratio would compare two different workloads
    # (page cost varies several-fold with the chrome; the first 300 of the default corpus ran ~1 % cheaper
    # than all 2,000). The warm-up pages are measured again with the rest.
    docs = [(corpus.page(a), f"http://127.0.0.1{a.path}") for a in map(corpus.article, range(pages))]
    for body, url in docs[:warm]:
        analyse_html(body, settings=settings, url=url)
    load0 = loadavg()
    w0, c0 = time.perf_counter(), time.process_time()
    relevant = 0
    for body, url in docs:
        relevant += bool(analyse_html(body, settings=settings, url=url).result["kz_cn"]["relevant"])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    # Per core: a process whose BLAS threads ran on two cores finished sooner than its CPU time,
    # so the larger of wall and CPU seconds is what one core would have taken.
    return {"pages": pages, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "docs_per_s": round(pages / max(wall, cpu), 3), "docs_per_s_process": round(pages / wall, 3),
            "docs_per_cpu_s": round(pages / cpu, 3), "cores_used": round(cpu / wall, 2),
            "ms_per_doc_cpu": round(1000 * cpu / pages, 1), "warm_up_s": round(warm_s, 2),
            "relevant": relevant, "loadavg_before": round(load0, 2), "loadavg_after": round(loadavg(), 2),
            "page_bytes_median": statistics.median(len(b) for b, _ in docs)}


def limit_in_subprocess(args: argparse.Namespace, pages: int, env: dict[str, str],
                        func: str = "measure_limit") -> dict[str, Any]:
    """The limit loop in a fresh process with `env` added (BLAS threads are fixed when numpy loads)."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from bench.corpus import Corpus; "
            f"from bench.run import {func}; "
            f"print(json.dumps({func}(Corpus(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])), "
            "int(sys.argv[5]))))")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(args.n), str(args.feeds), str(args.seed),
                           str(pages)], env={**os.environ, **env}, capture_output=True, text=True, check=True)
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "env": env}


# -- system under test -------------------------------------------------------------------------------


class System:
    """A fresh database, the bench server, the compose worker layout and a Celery client."""

    def __init__(self, corpus: Corpus, tag: str, extra_env: dict[str, str] | None = None) -> None:
        import psycopg.conninfo

        from workers.settings import get_settings

        base = get_settings()
        self.corpus, self.tag = corpus, tag
        self.dsn = psycopg.conninfo.make_conninfo(base.database_url, dbname=BENCH_DB)
        self.prefix = f"silkwire-bench-{uuid.uuid4().hex[:8]}:"
        self.settings = base.model_copy(update={
            "database_url": self.dsn, "key_prefix": self.prefix, "allow_private_hosts": ["127.0.0.1"],
            "host_min_delay_s": float(HOST_MIN_DELAY_S), "host_max_concurrency": int(HOST_MAX_CONCURRENCY),
            "log_json": False,
        })
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        self.env.update({
            "SILKWIRE_DATABASE_URL": self.dsn, "SILKWIRE_KEY_PREFIX": self.prefix,
            "SILKWIRE_ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]', "SILKWIRE_HOST_MIN_DELAY_S": HOST_MIN_DELAY_S,
            "SILKWIRE_HOST_MAX_CONCURRENCY": HOST_MAX_CONCURRENCY, "SILKWIRE_LOG_JSON": "false",
            **(extra_env or {}),
        })
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.side: Any = None

    def __enter__(self) -> System:
        import psycopg
        import redis
        from psycopg.rows import dict_row

        from bench._server import BenchServer
        from workers.db.demo import recreate_database
        from workers.tasks.app import make_app

        recreate_database(self.dsn)
        self.server = BenchServer(self.corpus).__enter__()
        self.conn = psycopg.connect(self.dsn, autocommit=True, row_factory=dict_row)
        self.app = make_app(self.settings)
        self.redis = redis.Redis.from_url(self.settings.redis_url)
        self.feed_ids = [self.add_feed(f"bench-{f:03d}", self.server.url(self.corpus.feed_path(f)))
                         for f in range(self.corpus.m)]
        self.start_workers()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_workers()
        self.server.__exit__(None, None, None)
        self.conn.close()
        if self.side is not None:
            self.side.close()
        for key in self.redis.scan_iter(match=f"{self.prefix}*", count=1000):
            self.redis.delete(key)
        self.redis.close()

    def add_feed(self, name: str, url: str) -> int:
        from workers.db.feeds import upsert_feed

        with self.conn.transaction():
            return upsert_feed(self.conn, name=name, url=url, source=f"bench:{name}", country="KZ",
                               category="government", poll_interval_s=3600)[0]

    def start_workers(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        for role, args in LAYOUT.items():
            out = open(LOGS / f"worker-{role}-{self.tag}.log", "wb")  # noqa: SIM115 - lives with the worker
            self.procs[role] = subprocess.Popen([sys.executable, "-m", "celery", *args],
                                                env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            replies = self.app.control.ping(timeout=1.0) or []
            if len(replies) >= len(LAYOUT):
                break
            if any(p.poll() is not None for p in self.procs.values()):
                raise RuntimeError(f"a worker exited at start; see {LOGS}/worker-*-{self.tag}.log")
        else:
            raise RuntimeError("workers did not answer ping within 120 s")
        # Pool children warm the NLP models in worker_process_init: wait until they are idle.
        wait_idle(children(self.procs["nlp"].pid))

    def stop_workers(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def monitor(self) -> Monitor:
        import psycopg

        keys = [f"{self.prefix}{q}" for q in ("feeds", "fetch", "nlp", "reprocess")]
        if self.side is None:
            self.side = psycopg.connect(self.dsn, autocommit=True)  # the monitor thread's own connection
        side = self.side
        redis_pid = int(self.redis.info("server")["process_id"])

        def backends() -> dict[str, list[int]]:
            rows = side.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                " AND pid <> pg_backend_pid()").fetchall()
            # The harness shares the cores too: this process (bench server, monitor) and redis-server.
            return {"postgres": [r[0] for r in rows], "bench": [os.getpid()], "redis": [redis_pid]}

        return Monitor({r: p.pid for r, p in self.procs.items()}, self.redis, keys, prefix=self.prefix,
                       extra=backends)

    def db_now(self) -> datetime:
        return self.conn.execute("SELECT now() AS t").fetchone()["t"]  # type: ignore[index]

    def counts(self) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT count(*) AS articles,"
            " count(*) FILTER (WHERE state IN ('queued', 'pending')) AS waiting,"
            " count(*) FILTER (WHERE state = 'done') AS done,"
            " count(*) FILTER (WHERE state IN ('failed', 'quarantined', 'skipped')) AS failed,"
            " (SELECT count(*) FROM feeds WHERE last_polled_at IS NULL) AS unpolled FROM articles").fetchone() or {})

    def wait_done(self, expected: int, timeout_s: float) -> dict[str, int]:
        deadline = time.monotonic() + timeout_s
        last, moved = None, time.monotonic()
        while True:
            c = self.counts()
            if c["articles"] >= expected and c["waiting"] == 0 and c["unpolled"] == 0:
                return c
            if time.monotonic() > deadline:
                raise TimeoutError(f"not done after {timeout_s:.0f} s: {c}")
            if c != last:
                last, moved = c, time.monotonic()
            elif time.monotonic() - moved > STALL_S:
                raise TimeoutError(f"no progress for {STALL_S} s: {c}; see {LOGS}/worker-*-{self.tag}.log")
            if any(p.poll() is not None for p in self.procs.values()):
                raise RuntimeError(f"a worker exited; see {LOGS}/worker-*-{self.tag}.log")
            time.sleep(1.0)  # the rate is read from the rows' own timestamps, not from this poll

    def db_bytes(self) -> int:
        return int(self.conn.execute(TABLES_SQL).fetchone()["bytes"])  # type: ignore[index]


# -- 2. pipeline -------------------------------------------------------------------------------------


def run_pipeline(sys_: System, timeout_s: float, profile_s: float = 0.0) -> dict[str, Any]:
    n = sys_.corpus.n
    profilers: dict[str, Any] = {}
    with sys_.monitor() as mon:
        t0 = sys_.db_now()
        load0 = loadavg()
        sys_.app.send_task(taskspec.POLL_DUE_FEEDS, queue=taskspec.FEEDS_QUEUE)
        if profile_s:
            profilers = {role: start_profiler(sys_.procs[role].pid, profile_s, sys_.tag, role)
                         for role in ("nlp", "io")}
        counts = sys_.wait_done(n, timeout_s)
    row = sys_.conn.execute(
        "SELECT max(extracted_at) AS last, count(*) AS n FROM extractions").fetchone() or {}
    first_poll = sys_.conn.execute("SELECT min(started_at) AS t FROM feed_fetches").fetchone()["t"]  # type: ignore[index]
    span = (row["last"] - t0).total_seconds()
    cpu = mon.cpu_by_role()
    out = {
        "articles": n, "done": counts["done"], "failed": counts["failed"], "seconds": round(span, 2),
        "articles_per_s": round(counts["done"] / span, 3),
        "tick_to_first_poll_s": round((first_poll - t0).total_seconds(), 3) if first_poll else None,
        "cpu_s": {k: round(v, 1) for k, v in cpu.items()},
        "nlp_cpu_ms_per_article": round(1000 * cpu.get("nlp-child", 0.0) / max(counts["done"], 1), 1),
        "io_cpu_ms_per_article": round(1000 * (cpu.get("io-child", 0.0) + cpu.get("io-main", 0.0))
                                       / max(counts["done"], 1), 1),
        "postgres_cpu_ms_per_article": round(1000 * cpu.get("postgres", 0.0) / max(counts["done"], 1), 1),
        # Everything else on the same cores, per article: the bench process (server, monitor), Redis,
        # and the machine's total busy time (which also holds whatever else runs here).
        "harness_cpu_ms_per_article": {k: round(1000 * cpu.get(k, 0.0) / max(counts["done"], 1), 1)
                                       for k in ("bench", "redis")},
        "machine_busy_ms_per_article": round(1000 * mon.machine_busy / max(counts["done"], 1), 1),
        "machine_busy_share": round(mon.machine_busy / (span * (os.cpu_count() or 1)), 3),
        # Share of the NLP pool's core-seconds spent on CPU: low with an idle machine means the pool
        # waits (queue, database); low with a busy machine means other processes took the cores.
        "nlp_busy": round(cpu.get("nlp-child", 0.0) / (span * NLP_CHILDREN), 3),
        # ... and the share it was runnable but another process had the core (contention, not us).
        "nlp_runqueue_wait": round(mon.wait_by_role().get("nlp-child", 0.0) / (span * NLP_CHILDREN), 3),
        "peak_rss_mb": {k: round(v, 1) for k, v in mon.peak_rss_mb().items()},
        "redis_used_before_mb": round(mon.redis_base / 2**20, 2),
        "redis_peak_delta_mb": round((mon.redis_peak - mon.redis_base) / 2**20, 2),
        "redis_after_delta_mb": round((mon.redis_last - mon.redis_base) / 2**20, 2),
        "redis_own_keys_before_kb": round(mon.own_base / 1024, 1),
        "redis_own_keys_peak_kb": round(mon.own_peak / 1024, 1),
        "redis_own_keys_after_kb": round(mon.own_last / 1024, 1),
        "queued_messages_peak": mon.queue_peak,
        "queue_nonempty_share": mon.queue_shares(),
        "db_bytes": sys_.db_bytes(),
        "loadavg_before": round(load0, 2), "loadavg_after": round(loadavg(), 2),
    }
    out["db_bytes_per_article"] = round(out["db_bytes"] / max(counts["articles"], 1))
    out["near_dup_query_ms"] = near_dup_query_ms(sys_)
    for role, handle in profilers.items():
        out["profile" if role == "nlp" else f"profile_{role}"] = finish_profiler(handle)
    return out


def near_dup_query_ms(sys_: System, tries: int = 5) -> dict[str, float | None]:
    """Median execution time of `find_near_duplicate` (run per stored page) at this table size.

    `stored`: for documents of the corpus (many of its templated texts have an early near-duplicate,
    so the scan stops early); `no_match`: a page like nothing stored, the usual case for news, which
    scans the whole table.
    """
    docs = sys_.conn.execute("SELECT article_id, content_hash, simhash FROM documents ORDER BY random() LIMIT %s",
                             (tries,)).fetchall()
    fresh = [{"article_id": -1, "content_hash": f"bench-none-{i}", "simhash": v}
             for i, v in enumerate((0x2545F4914F6CDD1D, -0x1B873593A5A5A5A5, 0x0123456789ABCDEF))]
    return {"stored": _median_plan_ms(sys_, docs), "no_match": _median_plan_ms(sys_, fresh)}


def _median_plan_ms(sys_: System, docs: list[dict[str, Any]]) -> float | None:
    from workers.clean.simhash import NEAR_DUPLICATE_BITS
    from workers.db import QUERIES
    from workers.db.results import NEAR_DUP_WINDOW_DAYS

    times = []
    for d in docs:
        plan = sys_.conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + QUERIES["find_near_duplicate"], {
            "article_id": d["article_id"], "content_hash": d["content_hash"], "simhash": d["simhash"],
            "max_bits": NEAR_DUPLICATE_BITS, "window_days": NEAR_DUP_WINDOW_DAYS}).fetchone()
        times.append(float(next(iter(plan.values()))[0]["Execution Time"]))  # type: ignore[union-attr]
    return round(statistics.median(times), 2) if times else None


# -- 3. reprocess ------------------------------------------------------------------------------------


def run_reprocess(sys_: System, timeout_s: float) -> dict[str, Any]:
    cmd = [str(VENV_BIN / "silkwire"), "reprocess", "--stage", "extract", "--yes", "--wait", "--output", "json"]
    with sys_.monitor() as mon:
        t0 = sys_.db_now()
        w0 = time.monotonic()
        done = subprocess.run(cmd, env=sys_.env, cwd=ROOT, capture_output=True, timeout=timeout_s, check=False)
        wall = time.monotonic() - w0
    if done.returncode != 0:
        log(f"reprocess exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    report = json.loads(done.stdout.decode().strip().splitlines()[-1]) if done.stdout.strip() else {}
    last = sys_.conn.execute("SELECT max(extracted_at) AS t FROM extractions").fetchone()["t"]  # type: ignore[index]
    n = int(report.get("selected", 0))
    span = (last - t0).total_seconds()
    cpu = mon.cpu_by_role()
    return {"command": " ".join(cmd[1:]), "exit": done.returncode, "articles": n, "result": report.get("result"),
            "command_wall_s": round(wall, 2), "seconds": round(span, 2),
            "articles_per_s": round(n / span, 3) if span > 0 else None,
            "articles_per_s_command": round(n / wall, 3),
            "nlp_cpu_ms_per_article": round(1000 * cpu.get("nlp-child", 0.0) / max(n, 1), 1),
            "postgres_cpu_ms_per_article": round(1000 * cpu.get("postgres", 0.0) / max(n, 1), 1),
            "redis_own_keys_peak_kb": round(mon.own_peak / 1024, 1), "queued_messages_peak": mon.queue_peak,
            "peak_rss_mb": {k: round(v, 1) for k, v in mon.peak_rss_mb().items()}}


# -- 4. latency --------------------------------------------------------------------------------------


def run_latency(sys_: System, rate: float, duration_s: float, timeout_s: float) -> dict[str, Any]:
    """Publish entries into a live feed at `rate`/s, polling right after each; latency from the poll."""
    live_url = sys_.server.add_live_feed("latency")
    feed_id = sys_.add_feed("bench-live", live_url)
    count = max(10, round(rate * duration_s))
    start_index = 10 * sys_.corpus.n  # never a corpus article
    published: dict[str, float] = {}
    with sys_.monitor() as mon:
        t0 = time.time()
        for j in range(count):
            due = t0 + j / rate
            if (pause := due - time.time()) > 0:
                time.sleep(pause)
            url = sys_.server.publish(live_url, start_index + j)
            published[url] = time.time()
            sys_.app.send_task(taskspec.POLL_FEED, args=[feed_id], queue=taskspec.FEEDS_QUEUE)
        offered_s = time.time() - t0
        before = sys_.counts()["articles"]
        deadline = time.monotonic() + min(timeout_s, 120 + 5 * duration_s)
        complete = False
        while time.monotonic() < deadline:
            c = sys_.conn.execute(
                "SELECT count(*) AS n, count(*) FILTER (WHERE state IN ('queued', 'pending')) AS waiting"
                " FROM articles WHERE first_feed_id = %s", (feed_id,)).fetchone() or {}
            if c["n"] >= count and c["waiting"] == 0:
                complete = True
                break
            time.sleep(0.25)
        if not complete:
            log(f"  latency: not every entry was extracted in time ({c}); see {LOGS}")
    rows = sys_.conn.execute(
        "SELECT a.url, extract(epoch FROM e.extracted_at - a.first_seen_at)::float8 AS from_poll,"
        " extract(epoch FROM e.extracted_at)::float8 AS extracted"
        " FROM articles a JOIN extractions e ON e.article_id = a.id WHERE a.first_feed_id = %s", (feed_id,)).fetchall()
    from_poll = sorted(r["from_poll"] for r in rows)
    from_pub = sorted(r["extracted"] - published[r["url"]] for r in rows if r["url"] in published)

    def pct(xs: list[float], q: float) -> float | None:
        return round(xs[min(len(xs) - 1, int(q * len(xs)))], 3) if xs else None

    return {"offered_per_s": round(rate, 3), "entries": count, "offered_over_s": round(offered_s, 1),
            "complete": complete,
            "extracted": len(rows), "articles_before_wait": before,
            "p50_s": pct(from_poll, 0.5), "p95_s": pct(from_poll, 0.95), "max_s": pct(from_poll, 1.0),
            "from_publish_p50_s": pct(from_pub, 0.5), "from_publish_p95_s": pct(from_pub, 0.95),
            "peak_rss_mb": {k: round(v, 1) for k, v in mon.peak_rss_mb().items()}}


# -- hot spots ---------------------------------------------------------------------------------------


def start_profiler(pid: int, seconds: float, tag: str, role: str) -> tuple[subprocess.Popen[bytes], Path] | None:
    spy = VENV_BIN / "py-spy"
    if not spy.exists():
        log("py-spy not in the venv: no worker profile (pip install py-spy)")
        return None
    out = LOGS / f"pyspy-{role}-{tag}.txt"
    cmd = [str(spy), "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", "50",
           "--duration", str(int(seconds)), "-o", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), out


MARKERS = [  # (label, substring of a frame), first match from the leaf side wins within a stack
    ("find_near_duplicate + upsert_document (SQL)", "store_document"),
    ("store_extraction (SQL)", "store_extraction"),
    ("natasha / extract", "extract_document"),
    ("clean_html (trafilatura, lxml)", "clean_html"),
    ("get_raw_page / begin / advance (SQL)", "analyse_article"),
    ("extract_article (reprocess)", "extract_article"),
]


def finish_profiler(handle: tuple[subprocess.Popen[bytes], Path] | None) -> dict[str, Any] | None:
    if handle is None:
        return None
    proc, out = handle
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
    if not out.exists():
        return {"error": (proc.stderr.read() if proc.stderr else b"").decode(errors="replace")[-300:]}
    return summarise_stacks(out.read_text(errors="replace").splitlines())


def summarise_stacks(lines: list[str], top: int = 15) -> dict[str, Any]:
    """py-spy raw (collapsed) stacks → share of samples per stage and the top leaf functions."""
    by_stage: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        label = next((lab for lab, mark in MARKERS if any(mark in f for f in frames)), "celery / other")
        by_stage[label] += count
        leaves[frames[-1].split(" (")[0] + " " + frames[-1].rsplit("/", 1)[-1]] += count
        for f in set(frames):
            inclusive[f.split(" (")[0] + " " + f.rsplit("/", 1)[-1]] += count
    def share(c: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)] if total else []

    return {"samples": total, "by_stage_pct": share(by_stage), "top_self_pct": share(leaves),
            "top_inclusive_pct": share(inclusive)}


def profile_limit(corpus: Corpus, pages: int) -> dict[str, Any]:
    """cProfile over analyse_html (the limit loop): where a document's CPU goes, by function."""
    import cProfile
    import pstats

    from workers.extract import warm_up
    from workers.pipeline import analyse_html
    from workers.settings import get_settings

    settings = get_settings()
    warm_up(settings)
    docs = [(corpus.page(a), f"http://127.0.0.1{a.path}") for a in map(corpus.article, range(pages + 5))]
    for body, url in docs[:5]:
        analyse_html(body, settings=settings, url=url)
    docs = docs[5:]
    prof = cProfile.Profile()
    prof.enable()
    for body, url in docs:
        analyse_html(body, settings=settings, url=url)
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_cc, _nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((ct, tt, f"{func} {Path(file).parent.name}/{Path(file).name}:{line}"))
    cumulative = [(name, round(1000 * ct / pages, 1)) for ct, _tt, name in sorted(rows, reverse=True)[:40]]
    own = [(name, round(1000 * tt / pages, 1)) for _ct, tt, name in sorted(rows, key=lambda r: -r[1])[:20]]
    return {"pages": pages, "ms_per_doc_profiled": round(1000 * total / pages, 1),
            "cumulative_ms_per_doc": cumulative, "self_ms_per_doc": own}


# -- the run -----------------------------------------------------------------------------------------


def services_missing() -> list[str]:
    from workers.cli.demo_cmd import services_missing as missing
    from workers.settings import get_settings

    return missing(get_settings())


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("silkwire", "celery", "kombu", "redis", "psycopg", "trafilatura", "lxml", "natasha", "feedparser"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    from workers import versions as v

    out.update({k.lower(): str(getattr(v, k)) for k in dir(v) if k.endswith("_VERSION")})
    with contextlib.suppress(OSError):
        out["git"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                    text=True, check=False).stdout.strip()
    return out


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) // 1024
    pg = redis_v = "?"
    try:
        import psycopg
        import redis

        from workers.settings import get_settings

        s = get_settings()
        with psycopg.connect(s.database_url.rsplit("/", 1)[0] + "/postgres") as c:
            pg = str(c.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        redis_v = str(redis.Redis.from_url(s.redis_url).info("server")["redis_version"])
    except Exception as exc:  # versions are informative only
        pg = redis_v = f"? ({exc})"
    return {"cpu": model, "cores": os.cpu_count(), "mem_mb": mem, "kernel": platform.release(),
            "postgres": pg, "redis": redis_v}


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Silkwire end-to-end benchmark")
    ap.add_argument("--quick", action="store_true", help="N=200 (scaling at 800): a few minutes")
    ap.add_argument("--articles", type=int, help="N (default 2000, quick 200)")
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--limit-pages", type=int, help="pages in the limit loop (default N: the pipeline's own pages)")
    ap.add_argument("--latency-s", type=float, help="seconds of offered load (default 60, quick 30)")
    ap.add_argument("--no-scale", action="store_true", help="skip the 4N scaling run")
    ap.add_argument("--pipeline-only", action="store_true",
                    help="limit and pipeline only, with the CPU budget per article (to try a fix quickly)")
    ap.add_argument("--profile", action="store_true", help="cProfile the limit loop, py-spy the NLP and I/O workers")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per phase")
    ap.add_argument("--worker-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for the workers, to try a fix (e.g. OPENBLAS_NUM_THREADS=1)")
    args = ap.parse_args(argv)
    n = args.n = args.articles or (200 if args.quick else 2000)
    worker_env = dict(kv.split("=", 1) for kv in args.worker_env)
    limit_pages = args.limit_pages or n
    latency_s = args.latency_s or (30.0 if args.quick else 60.0)

    try:
        corpus = Corpus(n, args.feeds, args.seed)
        corpus.chromes  # noqa: B018 - fail early when ../shared is absent
    except CorpusUnavailable as exc:
        print(f"bench skipped: {exc}")
        return 0
    missing = services_missing()
    if missing:
        print("bench skipped: " + "; ".join(missing) + " (start them with ./scripts/services.sh)")
        return 0
    cores = os.cpu_count() or 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y-%m-%dT%H%M}{'-quick' if args.quick else ''}.json"

    def save() -> None:  # after every phase, so an interrupted run keeps what it measured
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                              "versions": versions(), "n": n, "feeds": args.feeds, "seed": args.seed,
                              "quick": args.quick, "cores": cores,
                              "politeness": {"SILKWIRE_HOST_MIN_DELAY_S": HOST_MIN_DELAY_S,
                                             "SILKWIRE_HOST_MAX_CONCURRENCY": HOST_MAX_CONCURRENCY},
                              "layout": {k: " ".join(v) for k, v in LAYOUT.items()}}
    # Two limit loops: as the workers run today (this environment) and with one BLAS thread. One
    # process per core is the design, so the faster of the two is the limit the libraries allow.
    limit_runs: dict[str, dict[str, Any]] = {}
    for label, env in (("default", {}), ("blas1", BLAS1)):
        log(f"limit ({label}): analyse_html over {limit_pages} pages in one process {env or ''}")
        one = limit_runs[label] = limit_in_subprocess(args, limit_pages, env)
        log(f"  {one['docs_per_s']} docs/s per core ({one['docs_per_s_process']} docs/s wall on "
            f"{one['cores_used']} cores), {one['docs_per_cpu_s']} docs per CPU-second, "
            f"{one['ms_per_doc_cpu']} ms CPU/doc (load {one['loadavg_before']})")
    lim = result["limit"] = max(limit_runs.values(), key=lambda r: r["docs_per_s"])
    result["limit_runs"] = limit_runs
    result["worker_env"] = worker_env
    capacity_limit = cores * lim["docs_per_s"]
    if args.profile:
        best = "blas1" if lim is limit_runs["blas1"] else "default"
        log(f"  profiling the limit loop (cProfile, {best})")
        result["limit_profile"] = limit_in_subprocess(args, min(limit_pages, 60), lim["env"], "profile_limit")

    log(f"pipeline: N={n} through {args.feeds} feeds, fresh database {BENCH_DB}")
    with System(corpus, f"n{n}", worker_env) as sut:
        pipe = result["pipeline"] = run_pipeline(sut, args.timeout, profile_s=30.0 if args.profile else 0.0)
        pipe["ratio"] = round(pipe["articles_per_s"] / capacity_limit, 3)
        # The verdict takes the fastest limit run; against each run, the spread shows how far this
        # machine's speed drifted between the limit and the pipeline (15 % seen on a shared VM).
        pipe["ratio_by_limit_run"] = {label: round(pipe["articles_per_s"] / (cores * run["docs_per_s"]), 3)
                                      for label, run in limit_runs.items()}
        save()
        log(f"  {pipe['articles_per_s']} articles/s ({pipe['done']} done, {pipe['failed']} failed) "
            f"ratio {pipe['ratio']} (by limit run: {pipe['ratio_by_limit_run']})")
        log("  " + cpu_budget(lim, pipe))
        if args.pipeline_only:
            print(f"results: {out.relative_to(ROOT)}")
            return 0
        log("reprocess: silkwire reprocess --stage extract --yes --wait")
        rep = result["reprocess"] = run_reprocess(sut, args.timeout)
        if rep["articles_per_s"]:
            rep["ratio"] = round(rep["articles_per_s"] / capacity_limit, 3)
        save()
        log(f"  {rep['articles_per_s']} articles/s ratio {rep.get('ratio')}")
        rate = pipe["articles_per_s"] / 2
        log(f"latency: {rate:.2f} entries/s for {latency_s:.0f} s")
        lat = result["latency"] = run_latency(sut, rate, latency_s, args.timeout)
        save()
        log(f"  p50 {lat['p50_s']} s, p95 {lat['p95_s']} s")
        result["db_bytes_by_table"] = {r["relname"]: int(r["b"]) for r in sut.conn.execute(
            "SELECT relname, pg_total_relation_size(relid) AS b FROM pg_stat_user_tables ORDER BY 2 DESC")}
    scale: dict[str, Any] = {}
    if not args.no_scale:
        big = Corpus(4 * n, args.feeds, args.seed, chromes=corpus.chromes)
        log(f"scaling: pipeline at 4N={4 * n}")
        with System(big, f"n{4 * n}", worker_env) as sut:
            scale = result["scaling"] = run_pipeline(sut, args.timeout)
        scale["ratio"] = round(scale["articles_per_s"] / capacity_limit, 3)
        log(f"  {scale['articles_per_s']} articles/s ratio {scale['ratio']}")

    nlp_rss = max([v for k, v in pipe["peak_rss_mb"].items() if k == "nlp-child"]
                  + [v for k, v in result["reprocess"]["peak_rss_mb"].items() if k == "nlp-child"]
                  + [v for k, v in lat["peak_rss_mb"].items() if k == "nlp-child"] + [0.0])
    runs = [pipe] + ([scale] if scale else [])
    # Bounded: our keys (queues, unacked, politeness) drain back to where they started, and the peak is
    # small (it holds the fetch messages of one poll burst, so it does grow with N; see README).
    redis_ok = all(r["redis_own_keys_after_kb"] - r["redis_own_keys_before_kb"] < 1024
                   and r["redis_own_keys_peak_kb"] < 256 * 1024 for r in runs) \
        and rep.get("redis_own_keys_peak_kb", 0) < 256 * 1024
    result["targets"] = {
        "pipeline": [pipe["ratio"], TARGETS["pipeline_ratio"], verdict(pipe["ratio"] >= TARGETS["pipeline_ratio"])],
        "reprocess": [rep.get("ratio"), TARGETS["reprocess_ratio"],
                      verdict(rep.get("ratio") is not None and rep["ratio"] >= TARGETS["reprocess_ratio"])],
        "latency_p95": [lat["p95_s"], TARGETS["latency_p95_s"],
                        verdict(lat["p95_s"] is not None and lat["p95_s"] <= TARGETS["latency_p95_s"])],
        "nlp_rss": [round(nlp_rss, 1), TARGETS["nlp_rss_mb"], verdict(nlp_rss <= TARGETS["nlp_rss_mb"])],
        "redis_bounded": [max(r["redis_own_keys_peak_kb"] for r in runs), "KB peak; drains, peak < 256 MB",
                          verdict(redis_ok)],
    }
    print_table(result, capacity_limit)
    save()
    print(f"results: {out.relative_to(ROOT)}")
    return 0


def cpu_budget(lim: dict[str, Any], pipe: dict[str, Any]) -> str:
    """Where the cores went, CPU ms per article: the limit loop's cost, then every role of the pipeline."""
    harness = pipe.get("harness_cpu_ms_per_article") or {}
    return (f"CPU ms/article: limit {lim['ms_per_doc_cpu']} | nlp {pipe['nlp_cpu_ms_per_article']} + io "
            f"{pipe['io_cpu_ms_per_article']} + postgres {pipe['postgres_cpu_ms_per_article']} + nlp-main "
            f"{1000 * pipe['cpu_s'].get('nlp-main', 0.0) / max(pipe['done'], 1):.1f} | harness: bench "
            f"{harness.get('bench')} + redis {harness.get('redis')} | machine busy "
            f"{pipe.get('machine_busy_ms_per_article')} ({pipe.get('machine_busy_share')} of the cores)")


def print_table(r: dict[str, Any], capacity_limit: float) -> None:
    from rich.console import Console
    from rich.table import Table

    lim, pipe, rep, lat = r["limit"], r["pipeline"], r["reprocess"], r["latency"]
    m = r["machine"]
    t = Table(title=f"Silkwire bench {r['date']} — {m['cores']} cores {m['cpu']}, N={r['n']}, {r['feeds']} feeds; "
                    f"politeness off (host delay {HOST_MIN_DELAY_S} s, {HOST_MAX_CONCURRENCY} per host: "
                    "every page is on 127.0.0.1)")
    for col, just in (("measure", "left"), ("value", "right"), ("target", "right"), ("", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    tg = r["targets"]
    for label, run in r["limit_runs"].items():
        t.add_row(f"limit ({label}): analyse_html, 1 process", f"{run['docs_per_s']} docs/s/core "
                  f"({run['ms_per_doc_cpu']} ms CPU/doc, {run.get('cores_used')} cores used)", "",
                  "←" if run is lim else "")
    t.add_row("worker environment added", " ".join(f"{k}={v}" for k, v in r["worker_env"].items()) or "none",
              "", "")
    t.add_row(f"  2 × limit ({r['cores']} cores)", f"{capacity_limit:.2f} docs/s", "", "")
    t.add_row("pipeline: tick → Postgres", f"{pipe['articles_per_s']} art/s ({pipe['seconds']} s)",
              f"≥ {TARGETS['pipeline_ratio']} × 2×limit", "")
    t.add_row("  ratio to 2 × limit", str(pipe["ratio"]), "", tg["pipeline"][2])
    if by_run := pipe.get("ratio_by_limit_run"):
        t.add_row("  ratio to each limit run (drift)", " / ".join(f"{k} {v}" for k, v in by_run.items()), "", "")
    t.add_row("reprocess --stage extract", f"{rep['articles_per_s']} art/s ({rep['seconds']} s)",
              f"≥ {TARGETS['reprocess_ratio']} × 2×limit", "")
    t.add_row("  ratio to 2 × limit", str(rep.get("ratio")), "", tg["reprocess"][2])
    t.add_row("  Redis: our keys at peak", f"{rep.get('redis_own_keys_peak_kb', 0):,} KB "
              f"({rep.get('queued_messages_peak')} msgs queued at peak)", "", "")
    t.add_row(f"latency at {lat['offered_per_s']} entries/s (½ capacity)",
              f"p50 {lat['p50_s']} s, p95 {lat['p95_s']} s", f"p95 ≤ {TARGETS['latency_p95_s']} s",
              tg["latency_p95"][2])
    for role, mb in sorted(pipe["peak_rss_mb"].items()):
        if role == "postgres":
            role = "postgres backend (incl. shared buffers touched)"
        t.add_row(f"peak RSS {role}", f"{mb} MB", f"≤ {TARGETS['nlp_rss_mb']:.0f} MB" if role == "nlp-child" else "",
                  tg["nlp_rss"][2] if role == "nlp-child" else "")
    t.add_row("database bytes / article", f"{pipe['db_bytes_per_article']:,}", "", "")
    t.add_row("Redis: our keys at peak / after", f"{pipe['redis_own_keys_peak_kb']:,} KB / "
              f"{pipe['redis_own_keys_after_kb']:,} KB ({pipe['queued_messages_peak']} msgs queued at peak)",
              "bounded", tg["redis_bounded"][2])
    t.add_row("Redis used_memory peak (whole server)", f"+{pipe['redis_peak_delta_mb']} MB over "
              f"{pipe['redis_used_before_mb']} MB", "", "")
    t.add_row("CPU ms per article: limit / pipeline", f"{lim['ms_per_doc_cpu']} / nlp "
              f"{pipe['nlp_cpu_ms_per_article']} + io {pipe['io_cpu_ms_per_article']} + postgres "
              f"{pipe.get('postgres_cpu_ms_per_article')}", "", "")
    t.add_row("CPU budget (all roles)", cpu_budget(lim, pipe), "", "")
    t.add_row("CPU ms per article: reprocess (nlp)", str(rep["nlp_cpu_ms_per_article"]), "", "")
    t.add_row("NLP pool: on CPU / waiting for a CPU", f"{pipe.get('nlp_busy')} / {pipe.get('nlp_runqueue_wait')} "
              "of its core-seconds; queues non-empty: "
              + ", ".join(f"{k} {v:.0%}" for k, v in pipe.get("queue_nonempty_share", {}).items()), "", "")
    cpu_total = pipe["nlp_cpu_ms_per_article"] + pipe["io_cpu_ms_per_article"] + pipe["postgres_cpu_ms_per_article"]
    t.add_row("CPU-bound projection, idle machine", f"{r['cores'] * 1000 / cpu_total:.2f} art/s = "
              f"{lim['ms_per_doc_cpu'] / cpu_total:.2f} × (2 × limit by CPU)", "", "")
    # Both figures come from the pipeline's own window, so a drift of the machine's speed between the
    # limit and the pipeline phases cancels out: the share of all busy CPU that went to the NLP children.
    if busy := pipe.get("machine_busy_ms_per_article"):
        t.add_row("NLP children's share of the busy CPU (drift-free)",
                  f"{pipe['nlp_cpu_ms_per_article'] / busy:.3f} of {pipe.get('machine_busy_share')} busy", "", "")
    t.add_row("load average during limit / pipeline", f"{lim['loadavg_before']}→{lim['loadavg_after']} / "
              f"{pipe['loadavg_before']}→{pipe['loadavg_after']}", "", "")
    if sc := r.get("scaling"):
        for label, run in ((f"N={r['n']}", pipe), (f"4N={4 * r['n']}", sc)):
            t.add_row(f"scaling {label}: per article",
                      f"{1000 * run['seconds'] / run['done']:.0f} ms wall, nlp {run['nlp_cpu_ms_per_article']} ms CPU, "
                      f"postgres {run.get('postgres_cpu_ms_per_article')} ms CPU, "
                      f"near-dup query {run.get('near_dup_query_ms')} ms, "
                      f"{run['db_bytes_per_article']:,} DB bytes, "
                      f"{run['redis_own_keys_peak_kb'] / max(run['articles'], 1):.2f} KB Redis peak", "", "")
    Console().print(t)


if __name__ == "__main__":
    raise SystemExit(main())
