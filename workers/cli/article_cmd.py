"""`silkwire article ID|URL`: one article as the operator needs it: where it stands in the pipeline, its
attempts and last error, the feeds that listed it, what each stage stored (page, document with a text
excerpt, extraction), and the events and agreements it mentions with the canonical records they joined.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from workers.cli.output import Output, console, render
from workers.db import articles_view, connect
from workers.listings import plain


def _line(label: str, *values: Any) -> Text:
    shown = " · ".join(str(plain(v)) for v in values if v not in (None, ""))
    return Text.assemble((f"{label:<11}", "bold"), shown or "—")


def _names(items: list[Any] | None) -> str:
    return "; ".join(i.get("name", "?") if isinstance(i, dict) else str(i) for i in items or [])


def _print(a: dict[str, Any], out: Console) -> None:
    out.print(Text(f"article {a['id']}: {a.get('title') or a.get('title_hint') or '(no title)'}", style="bold"))
    out.print(_line("url", a["url"]))
    out.print(_line("state", f"{a['stage']}/{a['state']}", f"lane {a['lane']}", f"next {a['next_task'] or '—'}",
                    f"attempts {a['attempts']}"))
    if a["last_error"]:
        out.print(_line("error", f"at {a['last_error_stage'] or a['stage']}: {a['last_error']}"))
    out.print(_line("seen", f"first {plain(a['first_seen_at'])}", f"updated {plain(a['updated_at'])}",
                    f"feed date {plain(a['feed_published_at'])}" if a["feed_published_at"] else None))
    out.print(_line("feeds", *(f"{f['id']} {f['name']}" + ("" if f["enabled"] else " (disabled)")
                               for f in a["feeds"])))
    out.print(_line("fetch", *(
        (a["fetch_version"], f"HTTP {a['http_status']}", a["content_type"], f"{a['body_bytes']} bytes",
         f"{a['elapsed_ms']} ms", a["final_url"] if a["final_url"] != a["url"] else None, plain(a["fetched_at"]))
        if a["fetch_version"] else ("no page stored",))))
    out.print(_line("clean", *(
        (a["clean_version"], a["language"], f"published {a['published']}", f"{a['text_chars']} chars",
         f"near-duplicate of {a['near_dup_of']}" if a["near_dup_of"] else None, plain(a["cleaned_at"]))
        if a["clean_version"] else ("no document stored",))))
    out.print(_line("extract", *(
        (a["extractor_version"], f"relevant {a['relevant']} ({a['relevance_score']:.2f})", plain(a["extracted_at"]))
        if a["extractor_version"] else ("no extraction stored",))))
    if a.get("excerpt"):
        more = "…" if (a["text_chars"] or 0) > len(a["excerpt"]) else ""
        out.print(Text("text", style="bold"))
        out.print(Text("  " + " ".join(a["excerpt"].split()) + more))
    if a["events"]:
        render([{**e, "participants": _names(e["participants"]), "countries": ",".join(e["countries"] or []),
                 "canonical": e["event_id"]} for e in a["events"]],
               ["ord", "type", "status", "date", "location", "countries", "participants", "canonical", "evidence"],
               Output.table, title="Events mentioned")
    if a["agreements"]:
        render([{**g, "parties": _names(g["parties"]), "countries": ",".join(g["countries"] or []),
                 "canonical": g["agreement_id"]} for g in a["agreements"]],
               ["ord", "kind", "status", "level", "subject", "parties", "canonical", "evidence"],
               Output.table, title="Agreements mentioned")


def article(
    ref: str = typer.Argument(..., metavar="ID|URL", help="An article id, or its URL (listed, final or canonical)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object with every field."),
) -> None:
    """Show one article: stages, state, attempts, errors, feeds, a text excerpt, events and agreements.

    Examples:

      silkwire article 1234

      silkwire article https://www.akorda.kz/ru/... --json | jq .events
    """
    if not ref.strip():
        raise typer.BadParameter("give an article id or URL", param_hint="ID|URL")
    with connect() as conn:
        found = articles_view.find_article(conn, ref)
        if found is None:
            raise typer.BadParameter(f"no article {ref.strip()!r} (neither an id nor a stored URL)",
                                     param_hint="ID|URL")
        detail = articles_view.article_detail(conn, found)
    if as_json:
        print(json.dumps(detail, ensure_ascii=False, default=plain))
    else:
        _print(detail, console())
