"""`silkwire status`: queue depths, workers online, articles by stage and state, failures, feed health."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import redis
import typer
from kombu.exceptions import OperationalError as KombuOperationalError
from rich.markup import escape
from rich.table import Table

from workers.cli.output import console as output_console
from workers.db import connect, pipeline_status
from workers.observability.metrics import queue_depths
from workers.settings import get_settings
from workers.taskspec import QUEUES


class StatusOutput(StrEnum):
    table = "table"
    json = "json"


def _workers() -> list[str] | None:
    """Names of the workers answering a ping within a second; None when the broker cannot be asked."""
    from workers.tasks.app import app

    try:
        replies = app.control.inspect(timeout=1.0).ping()
    except (OSError, redis.exceptions.RedisError, KombuOperationalError):
        return None
    return sorted(replies or {})


def collect_status() -> dict[str, Any]:
    s = get_settings()
    client = redis.Redis.from_url(s.broker_url, socket_timeout=3, socket_connect_timeout=3)
    try:
        queues: dict[str, int] | None = queue_depths(client, QUEUES, s.key_prefix)
    except redis.exceptions.RedisError:
        queues = None
    finally:
        client.close()
    workers = _workers() if queues is not None else None
    with connect() as conn:
        stored = pipeline_status.snapshot(conn)
    failing = stored["feeds"]["failing_feeds"]
    for r in failing:
        r["next_poll_at"] = r["next_poll_at"].isoformat() if r["next_poll_at"] else None
    return {"queues": queues, "workers": workers, **stored}


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="right" if c in ("count", "messages", "errors") else "left")
    for row in rows:
        t.add_row(*(escape("" if v is None else str(v)) for v in row))
    return t


def status(
    output: StatusOutput = typer.Option(StatusOutput.table, "--output", "-o", help="table or json"),
) -> int:
    """Queues, workers, articles by stage/state, failures by reason, due and failing feeds.

    Example: silkwire status --output json | jq .queues
    """
    st = collect_status()
    if output is StatusOutput.json:
        print(json.dumps(st, ensure_ascii=False, default=str))
        return 0
    console = output_console()
    if st["queues"] is None:
        console.print("[red]Redis broker unreachable: no queue depths, no workers[/red]")
    else:
        console.print(_table("Queues", ["queue", "messages"], [[q, n] for q, n in st["queues"].items()]))
        workers = st["workers"] or []
        console.print(f"Workers online: {len(workers)}" + (f" ({escape(', '.join(workers))})" if workers else ""))
    console.print(_table("Articles", ["stage", "state", "count"],
                         [[r["stage"], r["state"], r["count"]] for r in st["articles"]]))
    if st["failures"]:
        console.print(_table("Failures", ["stage", "state", "reason", "count"],
                             [[r["stage"], r["state"], r["reason"], r["count"]] for r in st["failures"]]))
    f = st["feeds"]
    console.print(f"Feeds: {f.get('total', 0)} total, {f.get('due', 0)} due now, {f.get('failing', 0)} failing, "
                  f"{f.get('muted', 0)} muted, {f.get('disabled', 0)} disabled")
    if f["failing_feeds"]:
        console.print(_table("Failing or muted feeds", ["id", "name", "errors", "last_status", "last_error",
                                                        "muted_reason"],
                             [[r["id"], r["name"], r["consecutive_errors"], r["last_status"], r["last_error"],
                               r["muted_reason"]] for r in f["failing_feeds"]]))
    return 0
