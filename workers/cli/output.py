"""Rendering rows for the CLI: a rich table, JSON or CSV, chosen by `--output`."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table


class Output(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], output: Output, *, title: str = "") -> None:
    if output is Output.json:
        for row in rows:
            print(json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, default=str))
        return
    if output is Output.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _plain(row.get(k)) for k in columns})
        return
    table = Table(title=title or None, show_lines=False)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(_plain(row.get(c))) for c in columns))
    Console().print(table)
