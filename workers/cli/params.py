"""Parsers for the CLI's option values, with refusals in our own words (click's say "does not match the
formats '%Y-%m-%d'" or "is not in the range x>=1"). Each raises typer.BadParameter, which `main` prints
as one line with the option's name and exits 2.
"""

from __future__ import annotations

from datetime import date

import typer

from workers.extract.gazetteer import country_codes
from workers.settings import get_settings


def day(value: str | date) -> date:
    """'2026-11-01' → date(2026, 11, 1)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a day: write it as YYYY-MM-DD, e.g. 2026-11-01") from None


def count(value: str | int) -> int:
    """A number of rows or articles: a whole number, 1 or more."""
    try:
        n = int(str(value).strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a number of rows: give a whole number such as 50") from None
    if n < 1:
        raise typer.BadParameter(f"{n} is too few: give 1 or more")
    return n


def ident(value: str | int) -> int:
    """A row id (article, feed, event): a whole number, 1 or more."""
    try:
        n = int(str(value).strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an id: ids are whole numbers") from None
    if n < 1:
        raise typer.BadParameter(f"{n} is not an id: ids start at 1")
    return n


def known_countries() -> frozenset[str]:
    """Country codes the extractor can write: those of the gazetteer's countries file."""
    return country_codes(get_settings().seeds_dir)
