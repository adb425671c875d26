"""`silkwire events`, `event`, `agreements`, `export`, `registry rebuild`: the canonical registry read back.

Canonical events and agreements (workers/registry) by default; `--mentions` lists the per-article rows as
before (workers/cli/query_cmd.py). Output is a rich table, JSON Lines, or CSV with lists flattened to text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

import typer

from workers.cli import params, query_cmd
from workers.cli.output import Output, render
from workers.cli.output import console as output_console
from workers.cli.query_cmd import (
    SINCE_HELP,
    UNTIL_HELP,
    _article,
    _check_limit,
    _check_range,
    _fetch,
    _print_table,
    _short,
    parse_countries,
    parse_types,
)
from workers.db import articles_view, connect
from workers.db.registry import rebuild as rebuild_registry
from workers.extract.vocabulary import AGREEMENT_KINDS, EVENT_TYPES
from workers.listings import AGREEMENT_COLUMNS, EVENT_COLUMNS, flat_records, plain

MENTIONS_HELP = "The per-article mentions instead of canonical records (one row per article that names it)."


class Kind(StrEnum):
    events = "events"
    agreements = "agreements"


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _rendered_as_lines(rows: Sequence[dict[str, Any]], columns: list[str], output: Output) -> bool:
    """JSON Lines or CSV of canonical records (CSV with lists as text); False when a table is wanted."""
    if output is Output.json:
        render(rows, columns, output)
    elif output in (Output.csv, Output.tsv):
        render(flat_records(rows), columns, output)
    else:
        return False
    return True


def _event_rows(since: date | None, until: date | None, countries: str | None, type_: str | None,
                party: str | None, limit: int | None, event_id: int | None = None, article: int | None = None,
                feed: int | None = None) -> list[dict[str, Any]]:
    _check_range(since, until)
    return _fetch(articles_view.canonical_events, {
        "id": event_id, "since": since, "until": until, "countries": parse_countries(countries),
        "types": parse_types(type_, EVENT_TYPES, "--type"), "party": party or None, "article": article,
        "feed": feed, "limit": limit})


def _agreement_rows(since: date | None, until: date | None, countries: str | None, type_: str | None,
                    party: str | None, limit: int | None, article: int | None = None,
                    feed: int | None = None) -> list[dict[str, Any]]:
    _check_range(since, until)
    return _fetch(articles_view.canonical_agreements, {
        "since": since, "until": until, "countries": parse_countries(countries),
        "types": parse_types(type_, AGREEMENT_KINDS, "--type"), "party": party or None, "article": article,
        "feed": feed, "limit": limit})


def _with_reports(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    by_record: dict[int, list[dict[str, Any]]] = defaultdict(list)
    key = f"{kind}_id"
    if rows:
        ids = [row["id"] for row in rows]
        for r in _fetch(lambda conn, _: articles_view.reports_of(conn, kind, ids), {}):
            by_record[r.pop(key)].append(r)
    return [{**row, "reports": by_record.get(row["id"], [])} for row in rows]


def events(
    since: date = typer.Option(None, "--since", parser=params.day, help=SINCE_HELP),
    until: date = typer.Option(None, "--until", parser=params.day, help=UNTIL_HELP),
    countries: str = typer.Option(None, "--countries", help="Events involving all of these, e.g. KZ,CN."),
    type_: str = typer.Option(None, "--type", help=f"Event types, comma separated: {', '.join(EVENT_TYPES)}."),
    party: str = typer.Option(None, "--party", help="A participant's name contains this (any case)."),
    article: int = typer.Option(None, "--article", parser=params.ident, help=query_cmd.ARTICLE_HELP),
    feed: int = typer.Option(None, "--feed", parser=params.ident, help=query_cmd.FEED_HELP),
    mentions: bool = typer.Option(False, "--mentions", help=MENTIONS_HELP),
    relevant_only: bool = typer.Option(False, "--relevant-only",
                                       help="With --mentions: only documents about Kazakhstan–China (canonical"
                                            " events always are)."),
    limit: int = typer.Option(50, "--limit", parser=params.count, help="At most N rows, newest first."),
    output: Output = typer.Option(Output.table, "--output", "-o", help="table, json (JSON Lines), csv or tsv"),
) -> None:
    """List canonical Kazakhstan–China events (each once, with its reports), newest first.

    Examples:

      silkwire events --countries KZ,CN --type visit,talks --since 2026-01-01

      silkwire events --mentions --party Токаев      # one row per article that reports it
    """
    if mentions:
        query_cmd.events(since=since, until=until, countries=countries, type_=type_, party=party,
                         relevant_only=relevant_only, article=article, feed=feed, limit=limit, output=output)
        return
    _check_limit(limit)
    rows = _event_rows(since, until, countries, type_, party, limit, article=article, feed=feed)
    if not _rendered_as_lines(rows, EVENT_COLUMNS, output):
        _print_table(f"Canonical events ({len(rows)})", [
            ("id", {"justify": "right", "no_wrap": True}), ("date", {"no_wrap": True}), ("event", {}),
            ("participants", {"ratio": 2}), ("reports", {"ratio": 2}), ("first report", {"ratio": 3})],
            [[r["id"], r["date"], f"{r['type']}\n{r['status']}" + (f"\n{r['location']}" if r["location"] else ""),
              "; ".join(r["participants"] or []),
              f"{r['report_count']}: {r['first_report_at']} … {r['last_report_at']}\n"
              + ", ".join(o for o in r["outlets"] or [] if o),
              _article({"title": r["first_title"], "url": r["first_url"]})] for r in rows])


def event(
    event_id: int = typer.Argument(..., metavar="ID", parser=params.ident,
                                   help="A canonical event's id (from `silkwire events`)."),
    output: Output = typer.Option(Output.table, "--output", "-o", help="table, json or csv (csv: its reports)"),
) -> None:
    """Show one canonical event with every report and its evidence.

    Example: silkwire event 12 -o json
    """
    rows = _event_rows(None, None, None, None, None, 1, event_id)
    if not rows:
        raise typer.BadParameter(f"no canonical event {event_id}", param_hint="ID")
    [record] = _with_reports(rows, "event")
    if output is Output.json:
        print(json.dumps({k: plain(v) for k, v in record.items()}, ensure_ascii=False, default=str))
        return
    reports = record["reports"]
    if output in (Output.csv, Output.tsv):
        render(reports, ["article_id", "ord", "status", "report_date", "published", "outlet", "location", "title",
                         "url", "evidence", "evidence_start", "evidence_end"], output)
        return
    console = output_console()
    console.print(f"event {record['id']}: {record['type']} · {record['status']} · {record['date']}"
                  f" · {record['location'] or 'place unknown'} · {', '.join(record['countries'] or [])}",
                  markup=False, highlight=False)
    console.print("participants: " + "; ".join(record["participants"] or []), markup=False, highlight=False)
    for t in record["totals"] or []:
        console.print(f"signed there: {t.get('count')} {t.get('kind')}"
                      + (f" worth {t['value']:,.0f} {t.get('currency') or ''}" if t.get("value") else ""),
                      markup=False, highlight=False)
    _print_table(f"Reports ({len(reports)})", [
        ("published", {"no_wrap": True}), ("outlet", {}), ("says", {}), ("article", {"ratio": 3, "overflow": "fold"}),
        ("evidence", {"ratio": 3})],
        [[r["published"], r["outlet"], r["status"] + (f"\n{r['location']}" if r["location"] else ""), _article(r),
          _short(r["evidence"])] for r in reports])


def agreements(
    since: date = typer.Option(None, "--since", parser=params.day, help=SINCE_HELP + " A report's day."),
    until: date = typer.Option(None, "--until", parser=params.day, help=UNTIL_HELP + " A report's day."),
    countries: str = typer.Option(None, "--countries", help="Agreements whose parties include all of these."),
    type_: str = typer.Option(None, "--type", help=f"Agreement kinds, comma separated: {', '.join(AGREEMENT_KINDS)}."),
    party: str = typer.Option(None, "--party", help="A party's name contains this (any case)."),
    article: int = typer.Option(None, "--article", parser=params.ident, help=query_cmd.ARTICLE_HELP),
    feed: int = typer.Option(None, "--feed", parser=params.ident, help=query_cmd.FEED_HELP),
    mentions: bool = typer.Option(False, "--mentions", help=MENTIONS_HELP),
    relevant_only: bool = typer.Option(False, "--relevant-only", help="With --mentions: only KZ–CN documents."),
    limit: int = typer.Option(50, "--limit", parser=params.count, help="At most N rows, latest report first."),
    output: Output = typer.Option(Output.table, "--output", "-o", help="table, json (JSON Lines), csv or tsv"),
) -> None:
    """List canonical agreements, each once with its steps (planned → signed → ratified → in_force).

    Example: silkwire agreements --countries KZ,CN --type memorandum --party энергетики -o json
    """
    if mentions:
        query_cmd.agreements(since=since, until=until, countries=countries, type_=type_, party=party,
                             relevant_only=relevant_only, article=article, feed=feed, limit=limit, output=output)
        return
    _check_limit(limit)
    rows = _agreement_rows(since, until, countries, type_, party, limit, article=article, feed=feed)
    if not _rendered_as_lines(rows, AGREEMENT_COLUMNS, output):
        _print_table(f"Canonical agreements ({len(rows)})", [
            ("id", {"justify": "right", "no_wrap": True}), ("agreement", {"ratio": 2}), ("parties", {"ratio": 2}),
            ("steps", {"ratio": 2}), ("first report", {"ratio": 3})],
            [[r["id"], "\n".join(x for x in (f"{r['kind']} · {r['status']}", r["level"], r["subject"]) if x),
              "; ".join(r["parties"] or []),
              "\n".join(f"{s['step']} {s['date']} ({s['reports']})" for s in r["steps"] or [])
              + f"\n{r['report_count']} reports: " + ", ".join(o for o in r["outlets"] or [] if o),
              _article({"title": r["first_title"], "url": r["first_url"]})] for r in rows])


def export(
    kind: Kind = typer.Argument(..., help="events or agreements"),
    format_: Format = typer.Option(Format.jsonl, "--format", help="jsonl (each record with its reports) or csv"),
    since: date = typer.Option(None, "--since", parser=params.day, help=SINCE_HELP),
    until: date = typer.Option(None, "--until", parser=params.day, help=UNTIL_HELP),
) -> None:
    """Write canonical events or agreements to stdout for other tools: JSON Lines or CSV, all of them.

    Example: silkwire export events --format jsonl --since 2026-01-01 > events.jsonl
    """
    if kind is Kind.events:
        rows, columns = _event_rows(since, until, None, None, None, None), [*EVENT_COLUMNS, "totals"]
        record_kind = "event"
    else:
        rows, columns = _agreement_rows(since, until, None, None, None, None), AGREEMENT_COLUMNS
        record_kind = "agreement"
    if format_ is Format.csv:
        render(flat_records(rows), columns, Output.csv)
        return
    render(_with_reports(rows, record_kind), [], Output.json)


registry_app = typer.Typer(help="The canonical registry of events and agreements.", no_args_is_help=True)


@registry_app.command("rebuild")
def rebuild(output: Output = typer.Option(Output.table, "--output", "-o", help="table or json")) -> None:
    """Recompute every canonical event and agreement from the stored extractions (ids of those that stay kept).

    Example: silkwire registry rebuild    # after `silkwire reprocess --stage extract`
    """
    with connect() as conn, conn.transaction():
        counts = rebuild_registry(conn)
    if output is Output.table:
        print(f"registry rebuilt: {counts['events']} canonical events, {counts['agreements']} canonical agreements")
    else:
        render([counts], ["events", "agreements"], output)
