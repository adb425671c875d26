"""The pages: timeline, event, report, agreement tracker, search, feeds, and each list's exports.

Sync handlers (Starlette runs them in its thread pool): parameters checked first (workers/web/params.py),
then the rows (workers/db/web.py) on a read-only pooled connection, then a template.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from workers.db import articles_view
from workers.db import web as db
from workers.extract.gazetteer import country_codes
from workers.extract.vocabulary import AGREEMENT_KINDS, AGREEMENT_STATUSES, EVENT_STATUSES, EVENT_TYPES, SECTORS
from workers.listings import SNIPPET_MARKS, prefix_tsquery
from workers.web import chart, exports, highlight, labels
from workers.web import params as p

EVENT_FILTERS = ("type", "status", "level", "since", "until", "text")
AGREEMENT_FILTERS = ("status", "party", "sector", "since", "until")
SEARCH_FILTERS = ("q", "prefix", "since", "until", "relevant", "country", "type", "party")
MONTH = "month"
# Search results on one page: each snippet is a ts_headline over a whole article (the export takes them all).
SEARCH_ROWS = 50


def _conn(request: Request) -> Any:
    return request.app.state.pool.connection()


def _render(request: Request, name: str, **context: Any) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context)


def _event_filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    p.only(q, (*EVENT_FILTERS, MONTH))
    since, until = p.date_range(q)
    month = p.text(q, MONTH, 7)
    if month:  # a bar of the chart: that month only
        try:
            first = date.fromisoformat(month + "-01")
        except ValueError:
            raise p.BadRequest(f"month: {month!r} — нужен формат ГГГГ-ММ") from None
        last = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        since, until = first, date.fromordinal(last.toordinal() - 1)
    return {"types": p.choices(q, "type", EVENT_TYPES), "statuses": p.choices(q, "status", EVENT_STATUSES),
            "level": p.choice(q, "level", db.LEVELS), "since": since, "until": until, "text": p.text(q, "text")}


def timeline(request: Request) -> Response:
    f = _event_filters(request)
    limit = request.app.state.settings.web_page_rows
    with _conn(request) as conn:
        where = db.event_filter(conn, **f)
        rows = db.events(conn, where, limit=limit)
        months = db.event_months(conn, where)
    drawn = chart.build(months, labels.EVENT_TYPE)
    by_month: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_month.setdefault(f"{r['date']:%Y-%m}", []).append(r)
    return _render(request, "timeline.html", f=f, by_month=by_month, chart=drawn, shown=len(rows), limit=limit,
                   colours=chart.COLOURS, levels={k: v[0] for k, v in db.LEVELS.items()},
                   query=request.url.query)


def event(request: Request) -> Response:
    p.only(request.query_params, ("page",))
    event_id = p.ident(request.path_params["event_id"], "id")
    page = p.ident(request.query_params.get("page") or "1", "page")
    with _conn(request) as conn:
        record = db.event(conn, event_id, page=page, per_page=request.app.state.settings.web_page_rows)
    if record is None:
        return Response(f"нет события {event_id}\n", status_code=404, media_type="text/plain; charset=utf-8")
    if page > record["pages"]:
        raise p.BadRequest(f"page: {page} — у события {record['pages']} стр. сообщений")
    for r in record["reports"]:
        w = r.pop("evidence_window")
        r["window_html"] = highlight.window(w["before"], w["marked"], w["after"]) if w else None
    return _render(request, "event.html", e=record)


def report(request: Request) -> Response:
    p.only(request.query_params, ())
    event_id = p.ident(request.path_params["event_id"], "id")
    article_id = p.ident(request.path_params["article_id"], "article")
    ord_ = p.ident(request.path_params["ord"], "ord", lowest=0)
    with _conn(request) as conn:
        r = db.report(conn, event_id, article_id, ord_)
    if r is None:
        return Response(f"нет сообщения {article_id}/{ord_} о событии {event_id}\n", status_code=404,
                        media_type="text/plain; charset=utf-8")
    marked = highlight.mark(r["text"] or "", r["evidence_start"], r["evidence_end"], r["evidence"])
    return _render(request, "report.html", r=r, marked=marked, event_id=event_id)


def _agreement_filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    p.only(q, AGREEMENT_FILTERS)
    since, until = p.date_range(q)
    return {"statuses": p.choices(q, "status", AGREEMENT_STATUSES), "party": p.text(q, "party"),
            "sector": p.choice(q, "sector", SECTORS), "since": since, "until": until}


def agreements(request: Request) -> Response:
    f = _agreement_filters(request)
    limit = request.app.state.settings.web_page_rows
    with _conn(request) as conn:
        rows = db.agreement_sources(conn, db.agreements(conn, **f, limit=limit))
    for row in rows:
        steps = {s["step"]: s for s in row["steps"] or []}
        row["lifecycle"] = [{"step": step, "date": steps[step]["date"], "reports": steps[step]["reports"],
                             "sources": [r for r in row["sources"] if r["step"] == step]}
                            for step in AGREEMENT_STATUSES if step in steps]
    return _render(request, "agreements.html", f=f, rows=rows, limit=limit, query=request.url.query)


def _search_args(request: Request) -> dict[str, Any] | None:
    q = request.query_params
    p.only(q, SEARCH_FILTERS)
    since, until = p.date_range(q)
    text, prefix = p.text(q, "q"), p.flag(q, "prefix")
    if text is None:
        return None
    words = text.split()
    most = request.app.state.settings.query_max_terms
    if len(words) > most:
        raise p.BadRequest(f"q: {len(words)} слов, допустимо не больше {most}")
    query = prefix_tsquery(text) if prefix else text
    if not query:
        raise p.BadRequest("q: в запросе нет слов")
    # The CLI's narrowing filters: countries an event or agreement of the article involves (all of them, codes
    # the extractor writes), an event type or agreement kind, a person or body it names.
    known = country_codes(request.app.state.settings.seeds_dir) or frozenset(labels.COUNTRY)  # no gazetteer: ours
    countries = p.choices(q, "country", sorted(known), upper=True)
    return {"query": query, "prefix": prefix, "since": since, "until": until,
            "relevant_only": p.flag(q, "relevant"), "countries": countries,
            "types": p.choices(q, "type", EVENT_TYPES + AGREEMENT_KINDS), "party": p.text(q, "party"), "text": text}


def _search_rows(conn: Any, args: dict[str, Any], limit: int, marks: tuple[str, str]) -> list[dict[str, Any]]:
    """`silkwire search`'s query and filters (the form's text aside), snippets marked with `marks`."""
    filters = {k: v for k, v in args.items() if k != "text"}
    return articles_view.search_documents(conn, {**filters, "limit": limit}, marks)


def search(request: Request) -> Response:
    args = _search_args(request)
    rows: list[dict[str, Any]] = []
    if args is not None:
        with _conn(request) as conn:
            # private-use marks: the page escapes the snippet, then marks exactly what ts_headline marked
            # (press text has «» of its own)
            rows = _search_rows(conn, args, min(SEARCH_ROWS, request.app.state.settings.web_page_rows),
                                (highlight.START, highlight.STOP))
        for r in rows:
            r["snippet_html"] = highlight.snippet(r["snippet"])
    return _render(request, "search.html", args=args or {}, rows=rows, query=request.url.query,
                   limit=min(SEARCH_ROWS, request.app.state.settings.web_page_rows))


def feeds(request: Request) -> Response:
    p.only(request.query_params, ())
    with _conn(request) as conn:
        rows = db.feeds(conn)
    return _render(request, "feeds.html", rows=rows)


def export(request: Request) -> Response:
    """/export/{kind}.{fmt}: every row of the list the page shows with the same filters (no page limit)."""
    kind, fmt = request.path_params["kind"], request.path_params["fmt"]
    if kind not in exports.COLUMNS or fmt not in exports.MEDIA:
        raise p.BadRequest(f"нет выгрузки {kind[:20]}.{fmt[:10]}: есть events, agreements, search, feeds"
                           " в форматах csv и jsonl")
    most = request.app.state.settings.query_max_rows
    with _conn(request) as conn:
        if kind == "events":
            rows = db.events(conn, db.event_filter(conn, **_event_filters(request)), limit=most)
        elif kind == "agreements":
            rows = db.agreements(conn, **_agreement_filters(request), limit=most)
        elif kind == "search":
            args = _search_args(request)
            if args is None:
                raise p.BadRequest("q: нужен поисковый запрос")
            rows = _search_rows(conn, args, most, SNIPPET_MARKS)  # the CLI's marks
        else:
            p.only(request.query_params, ())
            rows = db.feeds(conn)
        if fmt == "jsonl" and kind in ("events", "agreements"):
            rows = db.with_reports(conn, rows, kind[:-1])
    return Response(exports.render(kind, fmt, rows), media_type=exports.MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="silkwire-{kind}.{fmt}"'})


def healthz(request: Request) -> Response:
    """"ok" when the database answers, with the registry's tables, through the read-only pool (it needs no login)."""
    with _conn(request) as conn:
        db.check_schema(conn)
    return Response("ok\n", media_type="text/plain; charset=utf-8")
