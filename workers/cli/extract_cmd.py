"""`silkwire extract`: clean + extract files or one URL with the workers' own code path."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workers.cli.output import cell
from workers.errors import StageError
from workers.pipeline import Analysis, analyse_html, analyse_text, to_json_line
from workers.settings import get_settings

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


def looks_like_html(data: bytes, suffix: str) -> bool:
    """By the name when it says (.html or .txt), else by the content: saved pages often have no extension."""
    if suffix in HTML_SUFFIXES:
        return True
    if suffix == ".txt":
        return False
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and any(marker in head for marker in _HTML_MARKERS)


def _analyse_path(path: str) -> Analysis:
    if path == "-":
        data = sys.stdin.buffer.read()
        return _analyse_bytes(data, looks_html=looks_like_html(data, ""))
    p = Path(path)
    data = p.read_bytes()
    return _analyse_bytes(data, looks_html=looks_like_html(data, p.suffix.lower()))


def _analyse_bytes(data: bytes, *, looks_html: bool) -> Analysis:
    if looks_html:
        return analyse_html(data, settings=get_settings())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StageError(f"text input is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return analyse_text(text, settings=get_settings())


def _analyse_url(url: str) -> Analysis:
    from workers.fetch.http import fetch_url

    resp = fetch_url(url, settings=get_settings())
    return analyse_html(resp.body, settings=get_settings(), url=resp.url, headers=resp.headers)


def extract(
    paths: list[str] = typer.Argument(None, help="Files (.html/.htm or .txt); '-' reads stdin."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document (JSON Lines)."),
    url: str = typer.Option(None, "--url", help="Fetch, clean and extract one page."),
) -> int:
    """Extract Kazakhstan–China events, agreements, people, bodies, figures and sectors.

    Examples:

      silkwire extract --json release.html notes.txt

      silkwire extract --json --url https://www.akorda.kz/ru/...
    """
    if bool(paths) == bool(url):
        raise typer.BadParameter("give one or more PATHs or --url, not both and not neither")
    from workers.extract import warm_up

    warm_up(get_settings())
    targets = [url] if url else list(paths)
    failed = 0
    for target in targets:
        try:
            analysis = _analyse_url(target) if url else _analyse_path(target)
        except (OSError, StageError, UnicodeError) as exc:
            failed += 1
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if as_json:
                import json

                print(json.dumps({"path": target, "error": message}, ensure_ascii=False))
            else:
                Console(stderr=True).print(Text(f"{target}: {message}", style="red"))
            continue
        if as_json:
            print(to_json_line(analysis.result, target))
        else:
            _summary(target, analysis.result)
    return 1 if failed else 0


def _summary(path: str, r: dict[str, Any]) -> None:
    console = Console()
    rel = r.get("kz_cn") or {}
    console.rule(cell(path))
    # Everything here comes from the page: Text, never markup.
    console.print(Text.assemble((r.get("title") or "(no title)", "bold"),
                                f"  published={r.get('published')}  language={r.get('language')}  "
                                f"kz_cn={rel.get('relevant')} ({rel.get('score')})"))
    sections = [
        ("Events", r.get("events"), ["type", "status", "date", "location", "participants"]),
        ("Agreements", r.get("agreements"), ["kind", "level", "status", "subject", "parties"]),
        ("Persons", r.get("persons"), ["name", "country", "position", "mentions"]),
        ("Organizations", r.get("organizations"), ["name", "country", "mentions"]),
        ("Figures", r.get("figures"), ["kind", "value", "unit", "text"]),
    ]
    for title, rows, cols in sections:
        if not rows:
            continue
        table = Table(title=title)
        for c in cols:
            table.add_column(c)
        for row in rows:
            table.add_row(*(cell(_cell(row.get(c))) for c in cols))
        console.print(table)
    if r.get("sectors"):
        console.print(Text("Sectors: " + ", ".join(r["sectors"])))


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(f"{v.get('name')} ({v.get('country')})" if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)
