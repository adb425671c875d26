"""`silkwire reprocess`: select stored articles, put them back in a stage and enqueue them on `reprocess`.

Postgres is changed first, then messages are sent (batch by batch): a crash in between leaves articles
queued that the sweeper re-enqueues. Results are replaced per article, so a re-run never duplicates.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workers.db import QUERIES, connect

BATCH = 500
POLL_S = 1.0
WAITING = ("queued", "pending")
BAD = ("failed", "quarantined")


class UsageError(typer.BadParameter):
    """A usage error about the command as a whole: shown as written, exit status 2 (typer adds the context)."""

    def format_message(self) -> str:
        return self.message


class Stage(StrEnum):
    fetch = "fetch"
    clean = "clean"
    extract = "extract"


class ReprocessOutput(StrEnum):
    table = "table"
    json = "json"


# stage → (task, the article stage it waits in); clean re-runs analysis from the stored page.
TASKS: dict[Stage, tuple[str, str]] = {
    Stage.fetch: ("silkwire.fetch_article", "fetch"),
    Stage.clean: ("silkwire.analyse_article", "analyse"),
    Stage.extract: ("silkwire.extract_article", "analyse"),
}
_VERSION = re.compile(r"^(?:(?P<stage>[a-z]+)/)?(?P<n>\d+)$")


def parse_version(value: str, stage: Stage) -> int:
    """'extract/3' or '3' → 3; a version of another stage is refused."""
    m = _VERSION.match(value.strip())
    if not m:
        raise typer.BadParameter(f"{value!r} is not a version like '{stage.value}/3' or '3'",
                                 param_hint="--older-than-version")
    if m["stage"] and m["stage"] != stage.value:
        raise typer.BadParameter(f"{value!r} is a {m['stage']} version, not a {stage.value} one",
                                 param_hint="--older-than-version")
    return int(m["n"])


def select_articles(conn: Any, stage: Stage, *, since: date | None = None, until: date | None = None,
                    feeds: Sequence[int] = (), articles: Sequence[int] = (), only_failed: bool = False,
                    older_than: int | None = None, limit: int | None = None) -> list[int]:
    rows = conn.execute(QUERIES["reprocess_select"], {
        "stage": stage.value, "since": since, "until": until, "feeds": list(feeds) or None,
        "ids": list(articles) or None, "only_failed": only_failed, "older_than": older_than, "limit": limit,
    }).fetchall()
    return [r["id"] for r in rows]


# At most this many messages wait on `reprocess` at once: Redis memory follows the backlog
# (~1 KB a message), and articles are reset only when their batch is sent.
MAX_BACKLOG = 2 * BATCH
# A backlog that has not moved for this long has no consumer: say so and send the rest anyway.
STALL_S = 120.0


def _reprocess_depth() -> int:
    from workers.observability.metrics import queue_depths
    from workers.settings import get_settings
    from workers.tasks.common import redis_client

    return queue_depths(redis_client(), ["reprocess"], get_settings().key_prefix)["reprocess"]


def _wait_for_room(max_backlog: int, stall_s: float) -> None:
    depth, last_move = _reprocess_depth(), time.monotonic()
    while depth > max_backlog:
        if time.monotonic() - last_move > stall_s:
            Console(stderr=True).print(f"'reprocess' has held {depth} messages for {stall_s:.0f} s: "
                                       "is a worker consuming it? sending the rest anyway")
            return
        time.sleep(POLL_S)
        now = _reprocess_depth()
        if now < depth:
            last_move = time.monotonic()
        depth = now


def requeue(conn: Any, stage: Stage, ids: Sequence[int], *, batch_size: int = BATCH,
            max_backlog: int = MAX_BACKLOG, stall_s: float = STALL_S) -> int:
    """Reset each batch in one transaction, then publish its messages on the `reprocess` queue,
    waiting while the queue already holds `max_backlog` messages."""
    from workers.tasks.lanes import chunks, enqueue_many

    task, article_stage = TASKS[stage]
    sent = 0
    for batch in chunks(ids, batch_size):
        _wait_for_room(max_backlog, stall_s)
        with conn.transaction():
            conn.execute(QUERIES["reprocess_reset"], {"stage": article_stage, "next_task": task, "ids": batch})
        sent += enqueue_many((task, article_id, "reprocess") for article_id in batch)
    return sent


def progress_counts(conn: Any, ids: Sequence[int]) -> dict[str, int]:
    return {r["state"]: r["n"] for r in conn.execute(QUERIES["reprocess_progress"], {"ids": list(ids)}).fetchall()}


def wait_for(conn: Any, ids: Sequence[int], console: Console) -> dict[str, int]:
    """Poll Postgres until no selected article is waiting; a progress bar on stderr meanwhile."""
    columns = (TextColumn("reprocessing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("reprocess", total=len(ids))
        while True:
            counts = progress_counts(conn, ids)
            waiting = sum(counts.get(s, 0) for s in WAITING)
            bar.update(task, completed=len(ids) - waiting)
            if waiting == 0:
                return counts
            time.sleep(POLL_S)


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def reprocess(
    # Checked in the body: click's own "missing option" message lists the choices over several lines.
    stage: Stage = typer.Option(None, "--stage", "-s", show_default=False,
                                help="Where to restart: fetch, clean or extract (required)."),
    since: datetime = typer.Option(None, "--since", formats=["%Y-%m-%d"],
                                   help="First seen on or after this day (UTC)."),
    until: datetime = typer.Option(None, "--until", formats=["%Y-%m-%d"],
                                   help="First seen on or before this day (UTC)."),
    feed: list[int] = typer.Option(None, "--feed", help="Only articles listed by this feed id (repeatable)."),
    article: list[int] = typer.Option(None, "--article", help="Only this article id (repeatable)."),
    only_failed: bool = typer.Option(False, "--only-failed", help="Only failed or quarantined articles."),
    older_than_version: str = typer.Option(
        None, "--older-than-version", help="Only outputs of this stage older than V ('extract/3' or '3')."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most N articles (lowest ids first)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count (and list) the selection, change nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (required when not a TTY)."),
    wait: bool = typer.Option(False, "--wait", help="Show progress until done; exit 1 if any failed."),
    output: ReprocessOutput = typer.Option(ReprocessOutput.table, "--output", "-o", help="table or json"),
) -> int:
    """Re-run stored articles from a stage, replacing their results (never duplicating them).

    --since/--until select on the day an article was first seen (UTC, both inclusive).

    --stage clean needs a stored page, --stage extract a stored document.

    Examples:

      silkwire reprocess --stage extract --older-than-version extract/3 --dry-run

      silkwire reprocess --stage fetch --only-failed --since 2026-11-01 --feed 4 --yes --wait
    """
    if stage is None:
        raise UsageError("missing option '--stage': choose fetch, clean or extract")
    older = parse_version(older_than_version, stage) if older_than_version is not None else None
    if since and until and since > until:
        raise typer.BadParameter(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}",
                                 param_hint="--since")
    err = Console(stderr=True)
    as_json = output is ReprocessOutput.json
    report: dict[str, Any] = {"stage": stage.value, "dry_run": dry_run}
    with connect() as conn:
        ids = select_articles(conn, stage, since=_day(since), until=_day(until), feeds=feed or (),
                              articles=article or (), only_failed=only_failed, older_than=older, limit=limit)
        conn.commit()
        conn.autocommit = True  # each batch is its own transaction; progress polls see fresh rows
        report["selected"] = len(ids)
        if dry_run or not ids:
            if as_json:
                print(json.dumps({**report, "ids": ids}))
            else:
                print(f"{_articles(len(ids))} selected for re-{stage.value}" + (" (dry run)" if dry_run else ""))
            return 0
        if not as_json:
            print(f"{_articles(len(ids))} selected for re-{stage.value}")
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError(f"refusing to reprocess {_articles(len(ids))} without --yes "
                                 "(stdin is not a terminal to confirm on)")
            if not typer.confirm(f"Reprocess {_articles(len(ids))} from {stage.value}?", err=True):
                err.print("nothing changed")
                return 1
        report["enqueued"] = requeue(conn, stage, ids)
        if not as_json:
            print(f"{report['enqueued']} queued on 'reprocess'")
        if not wait:
            if as_json:
                print(json.dumps(report))
            return 0
        counts = wait_for(conn, ids, err)
    report["result"] = counts
    failed = sum(counts.get(s, 0) for s in BAD)
    if as_json:
        print(json.dumps(report))
    else:
        print(", ".join(f"{counts.get(s, 0)} {s}" for s in ("done", "failed", "quarantined", "skipped")))
    return 1 if failed else 0
