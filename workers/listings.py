"""What a listing row holds when it leaves Silkwire: the columns of each export, lists flattened for CSV,
values made plain, and the prefix search query. The CLI and the web pages both read it, so
`silkwire export` and the pages' exports give the same bytes, and neither presentation imports the other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

EVENT_COLUMNS = ["id", "date", "type", "status", "location", "countries", "participants", "report_count",
                 "first_report_at", "last_report_at", "outlets", "first_title", "first_url"]
AGREEMENT_COLUMNS = ["id", "kind", "status", "level", "subject", "agreement", "countries", "parties", "steps",
                     "report_count", "first_report_at", "last_report_at", "outlets", "first_title", "first_url"]
HEALTH_COLUMNS = ["id", "name", "last_status", "consecutive_errors", "last_error", "next_poll_at",
                  "poll_interval_s", "items_last_day", "last_dropped", "last_capped", "trusts_304", "quiet",
                  "muted_reason"]

# How a search snippet marks its matches where it leaves as text (the CLI, exports).
SNIPPET_MARKS = ("«", "»")

_WORD = re.compile(r"\w+")


def plain(value: Any) -> Any:
    """Dates and times as ISO text; everything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def steps_text(steps: Sequence[dict[str, Any]] | None) -> str:
    return "; ".join(f"{s['step']} {s['date']} ({s['reports']})" for s in steps or [])


def flat_records(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical records for CSV: lists become text."""
    out = []
    for r in rows:
        flat = dict(r)
        for key in ("countries", "outlets"):
            flat[key] = ",".join(x for x in r.get(key) or [] if x)
        for key in ("participants", "parties"):
            if key in r:
                flat[key] = "; ".join(r.get(key) or [])
        if "steps" in r:
            flat["steps"] = steps_text(r["steps"])
        if "totals" in r:
            flat["totals"] = json.dumps(r["totals"], ensure_ascii=False, default=str)
        out.append(flat)
    return out


def prefix_tsquery(text: str) -> str:
    """Every word as a prefix term, all required: 'налоговые льготы' → 'налоговые:* & льготы:*'.

    to_tsquery stems each word before adding the prefix, so 'налогов:*' also finds 'налог'. Only word
    characters survive: the user's text can never inject tsquery operators.
    """
    return " & ".join(f"{w}:*" for w in _WORD.findall(text))
