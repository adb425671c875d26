"""`silkwire feeds`: import the registry, list feeds and their health, discover feeds on a site."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from workers.cli.output import Output, render
from workers.db import QUERIES, connect, fetch_one
from workers.feeds.registry import load_registry
from workers.settings import get_settings

app = typer.Typer(help="Feed registry and feed health.", no_args_is_help=True)
err = Console(stderr=True)

HEALTH_COLUMNS = ["id", "name", "last_status", "consecutive_errors", "last_error", "next_poll_at",
                  "poll_interval_s", "items_last_day", "trusts_304", "quiet", "muted_reason"]


@app.command("import")
def import_(
    path: Path = typer.Option(None, "--file", "-f", help="Registry file (default: seeds/feeds.toml).",
                              exists=True, dir_okay=False),
) -> None:
    """Upsert every feed of the registry; polling state of known feeds is kept.

    Example: silkwire feeds import --file seeds/feeds.toml
    """
    specs = load_registry(path or get_settings().seeds_dir / "feeds.toml")
    inserted = 0
    with connect() as conn, conn.transaction():
        for spec in specs:
            source_id = fetch_one(conn, "upsert_source", {
                "name": spec.source, "country": spec.country, "category": spec.category})["id"]
            row = fetch_one(conn, "upsert_feed", {
                "source_id": source_id, "name": spec.name, "url": spec.url, "kind": spec.kind,
                "pattern": spec.pattern, "language": spec.language, "country": spec.country,
                "category": spec.category, "enabled": spec.enabled, "poll_interval_s": spec.poll_interval_s,
            })
            inserted += int(row["inserted"])
    err.print(f"{len(specs)} feeds in the registry: {inserted} new, {len(specs) - inserted} updated")


@app.command("list")
def list_(output: Output = typer.Option(Output.table, "--output", "-o", help="table, json or csv")) -> None:
    """Every feed with its state.

    Example: silkwire feeds list --output json
    """
    with connect() as conn:
        rows = conn.execute(QUERIES["list_feeds"]).fetchall()
    render(rows, ["id", "name", "kind", "country", "enabled", "url", "next_poll_at", "items_total"], output,
           title="Feeds")


@app.command()
def health(output: Output = typer.Option(Output.table, "--output", "-o", help="table, json or csv")) -> None:
    """Last status, errors, next poll, items per day, whether 304s are trusted, quiet or muted.

    Example: silkwire feeds health -o json
    """
    with connect() as conn:
        rows = conn.execute(QUERIES["list_feeds"]).fetchall()
    render(rows, HEALTH_COLUMNS, output, title="Feed health")
