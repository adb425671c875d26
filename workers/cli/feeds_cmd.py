"""`silkwire feeds`: import the registry, list feeds and their health, discover feeds on a site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import typer
from rich.text import Text

from workers import taskspec
from workers.cli.output import Output, console, render
from workers.db import connect, feed_admin
from workers.db.feeds import upsert_feed
from workers.feeds.registry import load_registry
from workers.listings import HEALTH_COLUMNS
from workers.settings import get_settings
from workers.tasks.operator import send_poll

app = typer.Typer(help="Feed registry and feed health.", no_args_is_help=True)
err = console(stderr=True)

# last_dropped / last_capped: entries the last poll refused one by one, or left out over the per-poll cap.


@app.command("import")
def import_(
    path: str = typer.Option(None, "--file", "-f", help="Registry file, or '-' for stdin (default: seeds/feeds.toml)."),
    prune: bool = typer.Option(False, "--prune", help="Also disable enabled feeds the file no longer names "
                                                      "(lists them; --yes to apply)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="With --prune: disable them (without it, a dry run)."),
) -> int:
    """Upsert every feed of the registry; polling state of known feeds is kept.

    Examples:

      silkwire feeds import --file seeds/feeds.toml

      silkwire feeds import --file - --prune --yes < my-feeds.toml
    """
    registry = Path("/dev/stdin") if path == "-" else Path(path) if path else get_settings().seeds_dir / "feeds.toml"
    if path not in (None, "-") and not registry.is_file():
        raise typer.BadParameter(f"{path}: no such file", param_hint="--file")
    try:
        specs = load_registry(registry)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        err.print(Text(f"{'stdin' if path == '-' else registry}: {exc}", style="red"))
        return 1
    inserted = 0
    with connect() as conn, conn.transaction():
        for spec in specs:
            _, new = upsert_feed(
                conn, name=spec.name, url=spec.url, source=spec.source, kind=spec.kind, language=spec.language,
                country=spec.country, category=spec.category, pattern=spec.pattern, enabled=spec.enabled,
                poll_interval_s=spec.poll_interval_s)
            inserted += new
        gone = feed_admin.not_named(conn, [spec.name for spec in specs]) if prune else []
        if gone and yes:
            feed_admin.disable(conn, [f["id"] for f in gone])
    err.print(f"{len(specs)} feeds in the registry: {inserted} new, {len(specs) - inserted} updated")
    if prune:
        verb = "disabled" if yes else "would disable (dry run; --yes to apply)"
        err.print(f"{len(gone)} enabled feeds not in the file: {verb}" if gone else "no enabled feed is missing "
                  "from the file: nothing to prune")
        for f in gone:
            print(f"{f['id']}\t{f['name']}\t{f['url']}")
    return 0


def _feed(conn: Any, ref: str) -> dict[str, Any]:
    found = feed_admin.find_feed(conn, ref)
    if found is None:
        raise typer.BadParameter(f"no feed {ref.strip()!r} (not an id, URL or name in `silkwire feeds list`)",
                                 param_hint="ID|URL")
    return found


FEED_REF_HELP = "A feed id, URL or registry name (see `silkwire feeds list`)."


@app.command()
def enable(ref: str = typer.Argument(..., metavar="ID|URL", help=FEED_REF_HELP)) -> None:
    """Poll a feed again, from now on; lifts a mute (410, too many errors). Lasts until an import that
    says `enabled = false` for it.

    Example: silkwire feeds enable 4
    """
    with connect() as conn:
        feed = _feed(conn, ref)
        row = feed_admin.set_enabled(conn, feed["id"], True)
        conn.commit()
    lifted = f", mute lifted ({feed['muted_reason']})" if feed["muted_reason"] else ""
    err.print(Text(f"feed {row['id']} {row['name']}: enabled, due now{lifted}"))


@app.command()
def disable(ref: str = typer.Argument(..., metavar="ID|URL", help=FEED_REF_HELP)) -> None:
    """Stop polling a feed (its articles and history stay). The next `feeds import` of a file that lists
    it enabled turns it back on: remove it from the file, or set `enabled = false` there, to keep it off.

    Example: silkwire feeds disable https://www.akorda.kz/ru/rss
    """
    with connect() as conn:
        feed = _feed(conn, ref)
        row = feed_admin.set_enabled(conn, feed["id"], False)
        conn.commit()
    err.print(Text(f"feed {row['id']} {row['name']}: disabled" + ("" if feed["enabled"] else " (it already was)")))


@app.command("poll-now")
def poll_now(ref: str = typer.Argument(..., metavar="ID|URL", help=FEED_REF_HELP)) -> int:
    """Send one poll of a feed to the workers now (its politeness waits still apply).

    Example: silkwire feeds poll-now 4      # then: silkwire feeds health
    """
    with connect() as conn:
        feed = _feed(conn, ref)
    if not feed["enabled"] or feed["muted_reason"]:
        why = "disabled" if not feed["enabled"] else f"muted ({feed['muted_reason']})"
        err.print(Text(f"feed {feed['id']} {feed['name']} is {why}: a poll would be skipped; "
                       f"`silkwire feeds enable {feed['id']}` first"))
        return 1
    send_poll(feed["id"])
    err.print(Text(f"feed {feed['id']} {feed['name']}: poll sent to the '{taskspec.FEEDS_QUEUE}' queue"))
    return 0


@app.command("list")
def list_(output: Output = typer.Option(Output.table, "--output", "-o", help="table, json, csv or tsv")) -> None:
    """Every feed with its state.

    Example: silkwire feeds list --output json
    """
    with connect() as conn:
        rows = feed_admin.list_feeds(conn)
    render(rows, ["id", "name", "kind", "country", "enabled", "url", "next_poll_at", "items_total"], output,
           title="Feeds")


@app.command()
def health(output: Output = typer.Option(Output.table, "--output", "-o", help="table, json, csv or tsv")) -> None:
    """Last status, errors, next poll, items per day, whether 304s are trusted, quiet or muted.

    Example: silkwire feeds health -o json
    """
    with connect() as conn:
        rows = feed_admin.list_feeds(conn)
    render(rows, HEALTH_COLUMNS, output, title="Feed health")


def _slug(url: str) -> str:
    host = urlsplit(url).hostname or "site"
    path = urlsplit(url).path.strip("/").replace("/", "-")
    return re.sub(r"[^a-z0-9-]+", "-", f"{host.removeprefix('www.')}-{path}".lower()).strip("-")[:60] or "feed"


_TLD_COUNTRY = {"kz": "KZ", "cn": "CN", "ru": "RU", "uz": "UZ", "kg": "KG"}


def proposals_toml(found: list[dict[str, str | None]], *, language: str, country: str) -> str:
    """Registry entries for `seeds/feeds.toml`, unverified until someone has looked at them."""
    blocks = []
    for item in found:
        if item["kind"] not in ("rss", "atom", "sitemap"):
            continue
        blocks.append("\n".join([
            f"# found via {item['via']}" + (f": {item['title']}" if item.get("title") else ""),
            "[[feed]]",
            f'name = "{_slug(str(item["url"]))}"',
            f'source = "{urlsplit(str(item["url"])).hostname}"',
            f'url = "{item["url"]}"',
            f'kind = "{item["kind"]}"',
            f'language = "{language}"',
            f'country = "{country}"',
            'category = "agency"',
            "poll_interval_s = 900",
            "verified = false",
        ]))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


@app.command()
def discover(
    url: str = typer.Argument(..., help="A site's homepage or section page."),
    language: str = typer.Option("ru", "--language", help="Language to write into the proposals."),
    country: str = typer.Option(None, "--country", help="Publisher's ISO country code (KZ, CN, RU ...)."),
) -> int:
    """Find a site's feeds and sitemaps and print them as entries for seeds/feeds.toml.

    Reads the page's <link rel=alternate> and feed-looking links, and the Sitemap lines of its
    robots.txt (Google News sitemaps first). Nothing is written: review, then paste.

    Example: silkwire feeds discover https://www.inform.kz/ru --country KZ
    """
    from workers.errors import StageError
    from workers.feeds.discover import discover_feeds, sitemaps_from_robots
    from workers.fetch.http import fetch_url
    from workers.fetch.robots import fetch_robots_txt

    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1]
    country = (country or _TLD_COUNTRY.get(tld, "")).upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise typer.BadParameter("give the publisher's country, e.g. --country KZ", param_hint="--country")
    s = get_settings()
    try:
        page = fetch_url(url, settings=s)
    except (StageError, ValueError) as exc:
        err.print(Text(f"cannot read {url}: {exc}", style="red"))
        return 1
    found = discover_feeds(page.body, page.url, settings=s)
    try:
        robots = fetch_robots_txt(page.url, settings=s).decode("utf-8", "replace")
        found += [d for d in sitemaps_from_robots(robots, page.url) if all(f["url"] != d["url"] for f in found)]
    except StageError as exc:
        err.print(Text(f"robots.txt not read: {exc}"))
    if not found:
        err.print("no feeds or sitemaps found; consider a listing feed (kind = \"listing\" with a link pattern)")
        return 1
    print(proposals_toml(found, language=language, country=country), end="")
    err.print(Text(f"{len(found)} candidates from {page.url}"))
    return 0
