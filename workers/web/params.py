"""Query and path parameters of the pages, checked: anything off is a 400 with one line in Russian, never a
traceback or a silently ignored filter. Each parser reads `request.query_params` and raises BadRequest."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

# A filter or search text longer than this is no filter (the CLI's search takes 4,000 characters; a page, less).
TEXT_MAX_CHARS = 300
ID_MAX = 2**63 - 1


class BadRequest(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


def only(params: QueryParams, allowed: Iterable[str]) -> None:
    """Unknown parameters are refused: a misspelt filter must not show everything as if it applied."""
    unknown = sorted(set(params.keys()) - set(allowed))
    if unknown:
        raise BadRequest(f"неизвестный параметр: {unknown[0]} (допустимы: {', '.join(sorted(allowed))})")


def _one(params: QueryParams, name: str) -> str | None:
    values = [v.strip() for v in params.getlist(name) if v.strip()]
    if len(values) > 1:
        raise BadRequest(f"параметр {name} задан {len(values)} раза: нужен один")
    return values[0] if values else None


def day(params: QueryParams, name: str) -> date | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}: {value[:40]!r} — не дата, нужен формат ГГГГ-ММ-ДД, например 2026-11-01") from None


def date_range(params: QueryParams) -> tuple[date | None, date | None]:
    since, until = day(params, "since"), day(params, "until")
    if since and until and since > until:
        raise BadRequest(f"since {since} позже until {until}")
    return since, until


def choices(params: QueryParams, name: str, allowed: Collection[str], *, upper: bool = False) -> list[str] | None:
    """Several values (repeated or comma separated), each from `allowed` (after upper-casing with `upper`: kz,
    as the CLI takes it); None when not given."""
    values = sorted({v.strip().upper() if upper else v.strip() for raw in params.getlist(name) for v in raw.split(",")
                     if v.strip()})
    bad = [v for v in values if v not in allowed]
    if bad:
        raise BadRequest(f"{name}: неизвестное значение {bad[0][:40]!r} (допустимы: {', '.join(allowed)})")
    return values or None


def choice(params: QueryParams, name: str, allowed: Collection[str]) -> str | None:
    value = _one(params, name)
    if value is not None and value not in allowed:
        raise BadRequest(f"{name}: неизвестное значение {value[:40]!r} (допустимы: {', '.join(allowed)})")
    return value


def text(params: QueryParams, name: str, max_chars: int = TEXT_MAX_CHARS) -> str | None:
    value = _one(params, name)
    if value is None:
        return None
    if len(value) > max_chars:
        raise BadRequest(f"{name}: {len(value)} символов, допустимо не больше {max_chars}")
    if any(ord(c) < 32 for c in value):
        raise BadRequest(f"{name}: управляющие символы в тексте")
    return value


def flag(params: QueryParams, name: str) -> bool:
    value = _one(params, name)
    if value in (None, "0", "off", "false"):
        return False
    if value in ("1", "on", "true"):
        return True
    raise BadRequest(f"{name}: {value[:20]!r} — нужно 1 или 0")


def ident(value: str, name: str = "id", lowest: int = 1) -> int:
    """A path id: a whole number from `lowest` up to bigint's maximum."""
    if not value.isascii() or not value.isdigit() or len(value) > 19 or not lowest <= int(value) <= ID_MAX:
        raise BadRequest(f"{name}: {value[:40]!r} — не номер записи (целое число от {lowest})")
    return int(value)
