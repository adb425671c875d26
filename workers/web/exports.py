"""CSV and JSON Lines of each list, written exactly as the CLI writes them: the same columns, the same
flattening of lists for CSV (workers/cli/registry_cmd.py), the same JSON of each row (workers/cli/output.py).
`silkwire export events --format csv` and the page's CSV without filters are the same bytes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from workers.listings import AGREEMENT_COLUMNS, EVENT_COLUMNS, HEALTH_COLUMNS, flat_records, plain

# What `silkwire search -o csv` writes; the snippet's marks become the CLI's «» there too.
SEARCH_COLUMNS = ["article_id", "rank", "date", "title", "url", "relevant", "snippet"]
COLUMNS = {"events": [*EVENT_COLUMNS, "totals"], "agreements": AGREEMENT_COLUMNS, "search": SEARCH_COLUMNS,
           "feeds": HEALTH_COLUMNS}
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: plain(row.get(k)) for k in columns})
    return out.getvalue()


def jsonl_text(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False, default=str) + "\n"
                   for row in rows)


def render(kind: str, fmt: str, rows: Sequence[dict[str, Any]]) -> str:
    """rows: for events and agreements in JSON Lines, each with its reports (db.web.with_reports)."""
    if fmt == "jsonl":
        return jsonl_text(rows)
    flat = flat_records(rows) if kind in ("events", "agreements") else rows
    return csv_text(flat, COLUMNS[kind])
