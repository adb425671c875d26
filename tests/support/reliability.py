"""Fault-test helpers (tests/reliability): real Celery workers as subprocesses (prefork), row checks, reports.

Workers get the session's settings (tests/support/settings.py: database, key prefix) as SILKWIRE_* variables, plus
per-test overrides (short visibility timeout, short limits). Everything started here is stopped by
its pid at teardown, pool children included.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.corpus import CorpusServer
from tests.support.services import ROOT
from tests.support.settings import child_env
from workers.tasks.layout import ROLES, worker_command

N_ARTICLES = int(os.environ.get("SILKWIRE_REL_N", "200"))
# The outage tests need a batch in flight, not the full 200: keeps the suite near 6 minutes on 2 cores.
N_OUTAGE = int(os.environ.get("SILKWIRE_REL_N_OUTAGE", "150"))
RESULTS = ROOT / "bench" / "results"

# Fast, polite-enough settings for loopback; each test adds its own.
BASE_ENV = {
    "SILKWIRE_HOST_MIN_DELAY_S": "0",
    "SILKWIRE_HOST_MAX_CONCURRENCY": "8",
    "SILKWIRE_LOG_JSON": "false",
    "SILKWIRE_DB_POOL_MAX": "2",
}


def worker_env(**overrides: str) -> dict[str, str]:
    env = child_env()
    env.update(BASE_ENV)
    env.update(overrides)
    env["PYTHONPATH"] = str(ROOT)
    return env


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def running(pid: int) -> bool:
    """The process is on a CPU or waiting for one (state R), not asleep on its pipe between tasks."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R"
    except OSError:
        return False


def working_child(pids: list[int], timeout_s: float = 10.0, gap_s: float = 0.02) -> int | None:
    """A pool child that is running in two samples gap_s apart: mid-task, since an analysis takes far
    longer than the gap and an idle child sleeps on its pipe. None when no child ran in timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        candidates = [p for p in pids if running(p)]
        if candidates:
            time.sleep(gap_s)
            still = [p for p in candidates if running(p)]
            if still:
                return still[0]
        time.sleep(0.005)
    return None


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Worker:
    """One `celery worker` subprocess and every pool child it ever had (for cleanup)."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    seen_children: set[int] = field(default_factory=set)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def children(self) -> list[int]:
        kids = children_of(self.pid)
        self.seen_children.update(kids)
        return kids

    def wait_children(self, n: int, timeout_s: float = 60.0) -> list[int]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            kids = self.children()
            if len(kids) >= n:
                return kids
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited: {self.log_tail()}")
            time.sleep(0.1)
        raise TimeoutError(f"worker {self.name} has no {n} pool children: {self.log_tail()}")

    def kill_main(self) -> list[int]:
        """SIGKILL the main process only; returns its pool children at that moment."""
        kids = self.children()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        return kids

    def stop(self, timeout_s: float = 20.0) -> None:
        self.children()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in self.seen_children:
            if alive(pid):
                _kill(pid)

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def log_count(self, needle: str) -> int:
        try:
            return self.log_path.read_text(errors="replace").count(needle)
        except OSError:
            return 0


class WorkerPool:
    """Starts workers for one test and stops them all at teardown."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.workers: list[Worker] = []

    def start(self, name: str, queues: str, env: dict[str, str], concurrency: int = 2,
              extra: tuple[str, ...] = (), loglevel: str = "WARNING") -> Worker:
        node = f"{name}-{uuid.uuid4().hex[:6]}"
        log_path = self.logdir / f"{node}.log"
        role = "nlp" if set(queues.split(",")) <= set(ROLES["nlp"].queues) else "io"
        cmd = worker_command(role, queues=queues.split(","), concurrency=concurrency, node=node, loglevel=loglevel,
                             private=True, extra=("--without-heartbeat", *extra))
        log = open(log_path, "wb")  # noqa: SIM115 - closed when the process ends
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        worker = Worker(node, proc, log_path)
        self.workers.append(worker)
        return worker

    def stop_all(self) -> None:
        for w in self.workers:
            w.stop()


def import_feeds(db: Any, server: CorpusServer) -> list[int]:
    """Register the corpus feeds as due now; returns their ids."""
    src = db.execute("INSERT INTO sources (name, category) VALUES ('reliability', 'agency') RETURNING id"
                     ).fetchone()["id"]
    ids = []
    for k, path in enumerate(server.feed_paths):
        ids.append(db.execute(
            "INSERT INTO feeds (source_id, name, url, kind, language, poll_interval_s)"
            " VALUES (%s, %s, %s, 'rss', 'ru', 3600) RETURNING id",
            (src, f"reliability-{k}", server.url(path))).fetchone()["id"])
    return ids


def progress(db: Any) -> dict[str, int]:
    row = db.execute(
        "SELECT count(*) AS articles,"
        " count(*) FILTER (WHERE state = 'done') AS done,"
        " count(*) FILTER (WHERE state IN ('queued', 'pending')) AS waiting,"
        " count(*) FILTER (WHERE state IN ('failed', 'quarantined', 'skipped')) AS failed,"
        " count(*) FILTER (WHERE stage = 'analyse' AND state = 'queued' AND attempts > 0) AS analysing"
        " FROM articles").fetchone()
    return dict(row)


def wait_for(db: Any, predicate: Callable[[dict[str, int]], bool], timeout_s: float,
             on_tick: Callable[[], None] | None = None, interval_s: float = 0.25) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    while True:
        p = progress(db)
        if predicate(p):
            return p
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout_s:.0f} s at {p}")
        if on_tick:
            on_tick()
        time.sleep(interval_s)


def in_flight(db: Any) -> list[int]:
    """Articles whose analysis began (attempt counted) and has not been stored."""
    return [r["id"] for r in db.execute(
        "SELECT id FROM articles WHERE stage = 'analyse' AND state = 'queued' AND attempts > 0 ORDER BY id")]


def duplicate_report(db: Any) -> dict[str, int]:
    """Rows that should not exist: more than one per article, or normalised rows that disagree with the
    stored extraction (a second delivery adding to the first). Every value must be 0."""
    q = lambda sql: db.execute(sql).fetchone()["n"]  # noqa: E731
    return {
        "articles_dup_url": q("SELECT count(*) - count(DISTINCT url) AS n FROM articles"),
        "raw_pages_extra": q("SELECT count(*) - count(DISTINCT article_id) AS n FROM raw_pages"),
        "documents_extra": q("SELECT count(*) - count(DISTINCT article_id) AS n FROM documents"),
        "extractions_extra": q("SELECT count(*) - count(DISTINCT article_id) AS n FROM extractions"),
        "article_feeds_extra": q("SELECT count(*) - count(DISTINCT (article_id, feed_id)) AS n FROM article_feeds"),
        # per article: normalised rows equal what the stored extraction lists
        "events_mismatch": q("""SELECT count(*) AS n FROM extractions x WHERE
            (SELECT count(*) FROM events e WHERE e.article_id = x.article_id)
            <> jsonb_array_length(COALESCE(x.result->'events', '[]'))"""),
        "agreements_mismatch": q("""SELECT count(*) AS n FROM extractions x WHERE
            (SELECT count(*) FROM agreements e WHERE e.article_id = x.article_id)
            <> jsonb_array_length(COALESCE(x.result->'agreements', '[]'))"""),
        "figures_mismatch": q("""SELECT count(*) AS n FROM extractions x WHERE
            (SELECT count(*) FROM figures e WHERE e.article_id = x.article_id)
            <> jsonb_array_length(COALESCE(x.result->'figures', '[]'))"""),
        "sectors_mismatch": q("""SELECT count(*) AS n FROM extractions x WHERE
            (SELECT count(*) FROM article_sectors e WHERE e.article_id = x.article_id)
            <> (SELECT count(DISTINCT s) FROM jsonb_array_elements_text(COALESCE(x.result->'sectors', '[]')) s)"""),
        "entity_mentions_mismatch": q("""SELECT count(*) AS n FROM extractions x WHERE
            (SELECT COALESCE(sum(mentions), 0) FROM entities e WHERE e.article_id = x.article_id)
            <> (SELECT COALESCE(sum(COALESCE((p->>'mentions')::int, 1)), 0) FROM jsonb_array_elements(
                   COALESCE(x.result->'persons', '[]') || COALESCE(x.result->'organizations', '[]')) p)"""),
        "rows_without_extraction": q("""SELECT count(*) AS n FROM (
            SELECT article_id FROM entities UNION SELECT article_id FROM events
            UNION SELECT article_id FROM figures) r
            WHERE NOT EXISTS (SELECT 1 FROM extractions x WHERE x.article_id = r.article_id)"""),
    }


def table_counts(db: Any) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]
            for t in ("articles", "raw_pages", "documents", "extractions", "entities", "events", "agreements",
                      "figures", "article_sectors", "article_feeds", "feed_fetches")}


def report(name: str, figures: dict[str, Any]) -> None:
    """Print a test's figures (shown with -s or -rA) and keep them in bench/results/."""
    print(f"\n[reliability] {name}: {json.dumps(figures, ensure_ascii=False, default=str)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"reliability-{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False,
                                                                 default=str))


def send(app: Any, task: str, *args: Any, queue: str) -> None:
    app.send_task(task, args=list(args), queue=queue)
