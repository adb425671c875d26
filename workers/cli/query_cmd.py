"""`silkwire events`, `silkwire agreements`, `silkwire search`: read stored results back, filtered.

Rows come from Postgres as dicts; output is a rich table (title, date, URL, short evidence), JSON
Lines with the structured fields, or CSV with lists flattened to text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import psycopg
import typer
from rich.table import Table
from rich.text import Text

from workers.cli import params
from workers.cli.output import Output, cell, console, render
from workers.db import articles_view, connect
from workers.extract.vocabulary import AGREEMENT_KINDS, EVENT_TYPES
from workers.listings import prefix_tsquery
from workers.settings import get_settings

EVIDENCE_CHARS = 160
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_WORD = re.compile(r"\w+")
# A search query longer than this is no search (query_max_terms words of 60 characters would fit).
QUERY_MAX_CHARS = 4000

SINCE_HELP = "On or after this day (YYYY-MM-DD)."
UNTIL_HELP = "On or before this day (YYYY-MM-DD)."
ARTICLE_HELP = "Only what this article id reports (see `silkwire article`)."
FEED_HELP = "Only what articles listed by this feed id report (see `silkwire feeds list`)."


def parse_countries(value: str | None) -> list[str] | None:
    """'kz, CN' → ['CN', 'KZ'] (ISO 3166-1 alpha-2); None when not given."""
    if value is None:
        return None
    codes = sorted({c.strip().upper() for c in value.split(",") if c.strip()})
    bad = [c for c in codes if not _COUNTRY.match(c)]
    if bad or not codes:
        raise typer.BadParameter(f"{value!r}: expected two-letter country codes such as KZ,CN",
                                 param_hint="--countries")
    known = params.known_countries()
    unknown = [c for c in codes if known and c not in known]
    if unknown:
        # the extractor writes only the gazetteer's codes: any other one would silently match nothing
        raise typer.BadParameter(f"{', '.join(unknown)}: not a country the extractor knows; known: "
                                 f"{', '.join(sorted(known))}", param_hint="--countries")
    return codes


def parse_types(value: str | None, allowed: Sequence[str], option: str) -> list[str] | None:
    if value is None:
        return None
    types = sorted({t.strip().lower() for t in value.split(",") if t.strip()})
    bad = [t for t in types if t not in allowed]
    if bad or not types:
        raise typer.BadParameter(f"unknown {', '.join(bad) or repr(value)}; choose from {', '.join(allowed)}",
                                 param_hint=option)
    return types


def _check_range(since: date | None, until: date | None) -> None:
    if since and until and since > until:
        raise typer.BadParameter(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}", param_hint="--since")


def _names(items: Sequence[dict[str, Any]] | None) -> str:
    return "; ".join(f"{i.get('name')} ({i.get('country') or '?'})" for i in items or [])


def _short(text: str | None, n: int = EVIDENCE_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def _flat(rows: Sequence[dict[str, Any]], people: str) -> list[dict[str, Any]]:
    """For CSV: lists become text."""
    return [{**r, "countries": ",".join(r.get("countries") or []), people: _names(r.get(people))} for r in rows]


def _article(row: dict[str, Any]) -> Text:
    t = Text(row.get("title") or "(no title)", style="bold")
    t.append("\n" + (row.get("url") or ""), style="dim")
    return t


def _print_table(title: str, columns: Sequence[tuple[str, dict[str, Any]]], rows: Sequence[Sequence[Any]]) -> None:
    # The title holds the user's query: a Text, like every cell (titles and evidence may contain brackets).
    table = Table(title=cell(title), title_justify="left", show_lines=True)
    for name, opts in columns:
        table.add_column(name, **opts)
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console().print(table)


def _check_limit(limit: int) -> int:
    most = get_settings().query_max_rows
    if limit > most:
        raise typer.BadParameter(f"{limit} is more than {most} rows (query_max_rows)", param_hint="--limit")
    return limit


def _check_query(query: str) -> None:
    """Bound what goes to Postgres: 20,000 OR terms made it raise StatementTooComplex (a traceback)."""
    terms, most = len(_WORD.findall(query)), get_settings().query_max_terms
    if terms > most:
        raise typer.BadParameter(f"the query has {terms} words; at most {most} (query_max_terms)", param_hint="QUERY")
    if len(query) > QUERY_MAX_CHARS:
        raise typer.BadParameter(f"the query has {len(query)} characters; at most {QUERY_MAX_CHARS}",
                                 param_hint="QUERY")


def _fetch(read: Callable[[Any, dict[str, Any]], list[dict[str, Any]]],
           params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows from a reader of workers.db.articles_view, a refusal of the arguments said as a bad parameter."""
    try:
        with connect() as conn:
            return read(conn, params)
    except psycopg.Error as exc:
        # What the arguments made Postgres refuse: class 22 (a number out of range...) and class 54 (a
        # statement too complex; psycopg files it under OperationalError). The user's to change, said in
        # one line like any bad argument, not a traceback. Anything else is not the arguments' fault.
        if not (exc.sqlstate or "").startswith(("22", "54")):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise typer.BadParameter(f"the database refused these arguments: {first}") from exc


def events(*, since: date | None, until: date | None, countries: str | None, type_: str | None, party: str | None,
           relevant_only: bool, article: int | None, feed: int | None, limit: int, output: Output) -> None:
    """`silkwire events --mentions` (its options are declared there): the per-article events, newest first; the
    date is the event's own, else the article's."""
    _check_range(since, until)
    _check_limit(limit)
    rows = _fetch(articles_view.event_mentions, {
        "since": since, "until": until, "countries": parse_countries(countries),
        "types": parse_types(type_, EVENT_TYPES, "--type"), "party": party or None,
        "relevant_only": relevant_only, "article": article, "feed": feed, "limit": limit,
    })
    columns = ["article_id", "ord", "date", "type", "status", "location", "countries", "participants", "title",
               "url", "relevant", "evidence"]
    if output is Output.json:
        render(rows, columns, output)
    elif output in (Output.csv, Output.tsv):
        render(_flat(rows, "participants"), columns, output)
    else:
        _print_table(f"Events ({len(rows)})", [
            ("date", {"no_wrap": True}), ("event", {}), ("participants", {"ratio": 2}),
            ("article", {"ratio": 3, "overflow": "fold"}), ("evidence", {"ratio": 3})],
            [[r["date"], f"{r['type']}\n{r['status']}" + (f"\n{r['location']}" if r["location"] else ""),
              _names(r["participants"]), _article(r), _short(r["evidence"])] for r in rows])


def agreements(*, since: date | None, until: date | None, countries: str | None, type_: str | None,
               party: str | None, relevant_only: bool, article: int | None, feed: int | None, limit: int,
               output: Output) -> None:
    """`silkwire agreements --mentions` (its options are declared there): the per-article agreements, newest
    publication first."""
    _check_range(since, until)
    _check_limit(limit)
    rows = _fetch(articles_view.agreement_mentions, {
        "since": since, "until": until, "countries": parse_countries(countries),
        "types": parse_types(type_, AGREEMENT_KINDS, "--type"), "party": party or None,
        "relevant_only": relevant_only, "article": article, "feed": feed, "limit": limit,
    })
    columns = ["article_id", "ord", "date", "kind", "level", "status", "agreement", "subject", "countries",
               "parties", "title", "url", "relevant", "evidence"]
    if output is Output.json:
        render(rows, columns, output)
    elif output in (Output.csv, Output.tsv):
        render(_flat(rows, "parties"), columns, output)
    else:
        _print_table(f"Agreements ({len(rows)})", [
            ("date", {"no_wrap": True}), ("agreement", {"ratio": 2}), ("parties", {"ratio": 2}),
            ("article", {"ratio": 3, "overflow": "fold"}), ("evidence", {"ratio": 3})],
            [[r["date"], "\n".join(x for x in (f"{r['kind']} · {r['status']}", r["level"], r["subject"]) if x),
              _names(r["parties"]), _article(r), _short(r["evidence"])] for r in rows])


def _snippet(snippet: str | None) -> Text:
    """ts_headline marks matches with «…»: show them highlighted instead."""
    out = Text()
    for i, part in enumerate(re.split(r"[«»]", " ".join((snippet or "").split()))):
        out.append(part, style="bold yellow" if i % 2 else "")
    return out


def search(
    words: list[str] = typer.Argument(..., metavar="QUERY...",
                                      help="Words to find; quotes, OR and -word work as in web search."),
    prefix: bool = typer.Option(False, "--prefix", help="Match every word as a stem prefix (налог → налоговый)."),
    since: date = typer.Option(None, "--since", parser=params.day, help=SINCE_HELP + " Publication day."),
    until: date = typer.Option(None, "--until", parser=params.day, help=UNTIL_HELP + " Publication day."),
    countries: str = typer.Option(None, "--countries",
                                  help="Only articles with an event or agreement involving all of these."),
    type_: str = typer.Option(None, "--type",
                              help="Only articles with an event of this type or an agreement of this kind."),
    party: str = typer.Option(None, "--party", help="Only articles naming a person or body containing this."),
    relevant_only: bool = typer.Option(False, "--relevant-only", help="Only documents about Kazakhstan–China."),
    limit: int = typer.Option(20, "--limit", parser=params.count, help="At most N documents, best first."),
    output: Output = typer.Option(Output.table, "--output", "-o", help="table, json (JSON Lines), csv or tsv"),
) -> None:
    """Russian full-text search over stored documents, ranked, with a snippet around the matches.

    Examples:

      silkwire search 'Токаев "Си Цзиньпин" -Путин' --since 2026-01-01

      silkwire search --prefix налог льгот --relevant-only -o json

      silkwire search транзит --countries KZ,CN --type memorandum --party Министерство
    """
    _check_range(since, until)
    _check_limit(limit)
    query = " ".join(words)
    _check_query(query)
    text = prefix_tsquery(query) if prefix else query.strip()
    if not text:
        raise typer.BadParameter("the query has no words to search for", param_hint="QUERY")
    rows = _fetch(articles_view.search_documents, {
        "query": text, "prefix": prefix, "since": since, "until": until,
        "relevant_only": relevant_only, "limit": limit, "countries": parse_countries(countries),
        "types": parse_types(type_, EVENT_TYPES + AGREEMENT_KINDS, "--type"), "party": party or None,
        "article": None, "feed": None,
    })
    columns = ["article_id", "rank", "date", "title", "url", "relevant", "snippet"]
    if output is not Output.table:
        render(rows, columns, output)
        return
    _print_table(f"Search: {query} ({len(rows)})", [
        ("rank", {"justify": "right", "no_wrap": True}), ("date", {"no_wrap": True}),
        ("article", {"ratio": 2, "overflow": "fold"}), ("snippet", {"ratio": 3})],
        [[f"{r['rank']:.3f}", r["date"], _article(r), _snippet(r["snippet"])] for r in rows])
