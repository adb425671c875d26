"""`silkwire reprocess`: the presentation of the re-processing use case (workers/tasks/reprocess.py):
options parsed and checked, the confirmation asked, progress drawn, the outcome printed.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workers.cli import params
from workers.cli.output import Output, render
from workers.db import connect
from workers.tasks import reprocess as use_case
from workers.tasks.reprocess import BAD, Selection, Stage, requeue

__all__ = ["Stage", "parse_version", "reprocess", "requeue"]


class UsageError(typer.BadParameter):
    """A usage error about the command as a whole: shown as written, exit status 2 (typer adds the context)."""

    def format_message(self) -> str:
        return self.message


class ReprocessOutput(StrEnum):
    table = "table"
    json = "json"
    tsv = "tsv"  # a dry run's list as tab-separated lines; otherwise as table


PLAN_COLUMNS = ["id", "url", "stage", "state", "restart_stage", "task"]


_VERSION = re.compile(r"^(?:(?P<stage>[a-z]+)/)?(?P<n>\d+)$")


def parse_version(value: str, stage: Stage) -> int:
    """'extract/3' or '3' → 3; a version of another stage is refused."""
    m = _VERSION.match(value.strip())
    example = f"give a version like '{stage.value}/3' or '3'"
    if not m:
        raise typer.BadParameter(f"{value!r} is not a version: {example}", param_hint="--older-than-version")
    if m["stage"] and m["stage"] != stage.value:
        raise typer.BadParameter(f"{value!r} is a version of the {m['stage']} stage, but --stage is "
                                 f"{stage.value}: {example}", param_hint="--older-than-version")
    return int(m["n"])


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


def _confirm(n: int, stage: Stage, err: Console) -> None:
    """Ask on a terminal; refuse without one. Declining ends the command with exit status 1."""
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to reprocess {_articles(n)} without --yes "
                         "(stdin is not a terminal to confirm on)")
    if not typer.confirm(f"Reprocess {_articles(n)} from {stage.value}?", err=True):
        err.print("declined: nothing done")
        raise typer.Exit(1)


def _wait(conn: Any, ids: list[int], err: Console) -> use_case.Outcome:
    columns = (TextColumn("reprocessing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("reprocess", total=len(ids))
        return use_case.wait(conn, ids, lambda done, total: bar.update(task, completed=done))


def reprocess(
    # Checked in the body: click's own "missing option" message lists the choices over several lines.
    stage: Stage = typer.Option(None, "--stage", "-s", show_default=False,
                                help="Where to restart: fetch, clean or extract (required)."),
    since: date = typer.Option(None, "--since", parser=params.day,
                               help="First seen on or after this day (UTC, YYYY-MM-DD)."),
    until: date = typer.Option(None, "--until", parser=params.day,
                               help="First seen on or before this day (UTC, YYYY-MM-DD)."),
    feed: list[int] = typer.Option(None, "--feed", parser=params.ident,
                                   help="Only articles listed by this feed id (repeatable)."),
    article: list[int] = typer.Option(None, "--article", parser=params.ident,
                                      help="Only this article id (repeatable)."),
    only_failed: bool = typer.Option(False, "--only-failed", help="Only failed or quarantined articles."),
    older_than_version: str = typer.Option(
        None, "--older-than-version", help="Only outputs of this stage older than V ('extract/3' or '3')."),
    limit: int = typer.Option(None, "--limit", parser=params.count, help="At most N articles (lowest ids first)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the selection (id, URL, stage), change nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (required when not a TTY)."),
    wait: bool = typer.Option(False, "--wait", help="Show progress until done; list failures and exit 1 if any."),
    output: ReprocessOutput = typer.Option(ReprocessOutput.table, "--output", "-o", help="table, json or tsv"),
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
    selection = Selection(stage, since=since, until=until, feeds=feed or (), articles=article or (),
                          only_failed=only_failed, older_than=older, limit=limit)
    with connect() as conn:
        ids = use_case.select(conn, selection)
        report["selected"] = len(ids)
        if dry_run or not ids:
            planned = use_case.plan(conn, stage, ids) if dry_run else []
            if as_json:
                print(json.dumps({**report, "ids": ids, "articles": planned}, ensure_ascii=False, default=str))
            elif output is ReprocessOutput.tsv and dry_run:
                render(planned, PLAN_COLUMNS, Output.tsv)
            else:
                print(f"{_articles(len(ids))} selected for re-{stage.value}" + (" (dry run)" if dry_run else ""))
                if planned:
                    render(planned, PLAN_COLUMNS, Output.table, title=f"Would re-{stage.value}")
            return 0
        conn.commit()
        conn.autocommit = True  # each batch is its own transaction; progress polls see fresh rows
        if not as_json:
            print(f"{_articles(len(ids))} selected for re-{stage.value}")
        use_case.reprocess_depth()  # Redis down: say so (one line) before asking, not after resetting
        if not yes:
            _confirm(len(ids), stage, err)
        report["enqueued"] = requeue(conn, stage, ids)
        if not as_json:
            print(f"{report['enqueued']} queued on 'reprocess'")
        if not wait:
            if as_json:
                print(json.dumps(report))
            return 0
        outcome = _wait(conn, ids, err)
    report["result"] = outcome.counts
    if as_json:
        report["failures"] = outcome.failures
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        print(", ".join(f"{outcome.counts.get(s, 0)} {s}" for s in ("done", *BAD, "skipped")))
        for f in outcome.failures:
            print(f"  article {f['id']} {f['state']} at {f['stage']}: {f['reason']} ({f['url']})")
    return 1 if outcome.failed else 0
