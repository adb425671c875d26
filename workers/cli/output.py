"""Rendering rows for the CLI: a rich table, JSON Lines, CSV or TSV, chosen by `--output`.

A table printed into a pipe or a file keeps every character: rich would cut it to 80 columns there.

Every table cell and title is a rich `Text`, never a markup string: stored values come from feeds and
pages ("[/bold]" in a redirect target crashed `feeds health` with a MarkupError), and `Text` also drops
terminal control codes.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from workers.listings import plain


class Output(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"


# Width of a table written to a pipe or file (no terminal to fit): wide enough that no cell is cut.
PIPE_WIDTH = 4000


def console(*, stderr: bool = False) -> Console:
    """A rich Console; into a pipe or file (and no COLUMNS given) as wide as any row, so nothing is cut."""
    out = Console(stderr=stderr)
    if out.is_terminal or os.environ.get("COLUMNS"):
        return out
    return Console(stderr=stderr, width=PIPE_WIDTH)


def _tsv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return " ".join(str(plain(value)).split())


def cell(value: Any) -> Text:
    """A value as a table cell or title that rich never parses as markup."""
    return value if isinstance(value, Text) else Text("" if value is None else str(plain(value)))


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], output: Output, *, title: str = "") -> None:
    if output is Output.json:
        for row in rows:
            print(json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False, default=str))
        return
    if output is Output.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: plain(row.get(k)) for k in columns})
        return
    if output is Output.tsv:
        # one line per row for cut/awk/sort: tabs and line breaks inside a value become spaces
        print("\t".join(columns))
        for row in rows:
            print("\t".join(_tsv(row.get(c)) for c in columns))
        return
    table = Table(title=cell(title) if title else None, show_lines=False)
    for col in columns:
        table.add_column(cell(col))
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in columns))
    console().print(table)
