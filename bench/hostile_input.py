"""Bench: hostile input against the stage functions, at growing sizes (issue 17). Prints figures, asserts nothing.

Each case grows one dimension of a hostile input and times the stage function the workers run on it:
entity tricks in a feed (parse_feed), a backtracking robots.txt pattern (Robots.allowed), a feed with
very many entries (read_entries, the poll's parse and cap), stacked combining marks (clean_text). A
measurement that outlasts --limit seconds is stopped (SIGALRM) and shown as "> limit". No services needed.

    .venv/bin/python bench/hostile_input.py                      # this checkout
    .venv/bin/python bench/hostile_input.py --tree /tmp/before   # another checkout (git archive <commit>)
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class _TooSlow(Exception):
    pass


@contextmanager
def _limit(seconds: float) -> Iterator[None]:
    def stop(*_: Any) -> None:
        raise _TooSlow

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def timed(fn: Callable[[], str], limit_s: float) -> tuple[str, str]:
    """(seconds, outcome) of one call, or ("> limit", "stopped") when it outlasts the limit."""
    started = time.perf_counter()
    try:
        with _limit(limit_s):
            outcome = fn()
    except _TooSlow:
        return f"> {limit_s:g}", "stopped"
    except Exception as exc:  # what the stage raised is the outcome being measured
        outcome = f"{type(exc).__name__}: {exc}"[:70]
    return f"{time.perf_counter() - started:.4f}", outcome


def _feed(prolog: str, items: str, decl: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (f'{decl}\n{prolog}<rss version="2.0"><channel><title>Press</title><link>https://news.example/</link>'
            f"{items}</channel></rss>")


def entity_cases(limit_s: float) -> Iterator[tuple[str, str, str, str]]:
    from workers.feeds.parse import parse_feed
    from workers.settings import get_settings

    for n in (1000, 3000, 10_000):
        dtd = f'<!DOCTYPE rss [\n<!ENTITY a "{"x" * n}">\n]>\n'
        bomb = "<item><title>" + "&a;" * n + "</title><link>https://news.example/1</link></item>"
        bodies = {
            "DTD between comments holding <![CDATA[ and ]]>": _feed(f"<!-- <![CDATA[ -->\n{dtd}<!-- ]]> -->\n", bomb)
            .encode(),
            "DTD in UTF-7 (< as +ADw-)": (_feed("", "", '<?xml version="1.0" encoding="utf-7"?>').split("\n")[0]
                                          + "\n" + _feed(dtd, bomb).split("\n", 1)[1].replace("<", "+ADw-"))
            .encode("ascii"),
        }
        for name, body in bodies.items():
            def run(body: bytes = body) -> str:
                feed = parse_feed(body, url="https://news.example/rss", headers={"content-type": "application/rss+xml"},
                                  settings=get_settings())
                return f"title of {len(feed.entries[0].title or '') if feed.entries else 0:,} chars"
            yield (name, f"{len(body) / 1000:.0f} KB: {n:,} chars × {n:,}", *timed(run, limit_s))


def robots_cases(limit_s: float) -> Iterator[tuple[str, str, str, str]]:
    from workers.fetch.robots import parse_robots

    robots = parse_robots(b"User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*b\n")
    for n in (20, 25, 30, 35, 40, 1000, 100_000):
        url = "https://news.example/" + "a" * n

        def run(url: str = url) -> str:
            return "allowed" if robots.allowed(url, "SilkwireBot/0.1") else "disallowed"
        yield ("robots.txt Disallow: /*a*a*a*a*a*a*a*a*a*a*b", f"path of {n:,} 'a'", *timed(run, limit_s))


def entries_cases(limit_s: float) -> Iterator[tuple[str, str, str, str]]:
    from workers.feeds.entries import read_entries
    from workers.models import HttpResponse
    from workers.settings import get_settings

    for n in (1000, 10_000, 100_000):
        # As small as an entry gets (the audit's 4.4 MB feed held 100,000), under max_feed_bytes.
        items = "".join(f"<item><link>https://n.kz/{i}</link></item>" for i in range(n))
        body = _feed("", items).encode()
        resp = HttpResponse(url="https://news.example/rss", status=200, headers={}, body=body, elapsed_s=0.0)

        def run(resp: HttpResponse = resp) -> str:
            return f"{len(read_entries('rss', resp, settings=get_settings()).entries):,} entries to store and fetch"
        yield ("RSS feed with many entries (one poll)", f"{n:,} entries, {len(body) / 1e6:.1f} MB",
               *timed(run, limit_s))


def marks_cases(limit_s: float) -> Iterator[tuple[str, str, str, str]]:
    from workers.clean.text import clean_text
    from workers.settings import get_settings

    for n in (1000, 100_000, 1_000_000):
        text = "Токаев провёл переговоры в Астане. " + "а" + "\u0301" * n + "\n\nВторой абзац текста статьи."

        def run(text: str = text) -> str:
            return f"text of {len(clean_text(text, settings=get_settings()).text):,} chars"
        yield ("stacked combining marks on one letter", f"{n:,} marks", *timed(run, limit_s))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose workers/ to measure")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds before a measurement is stopped")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve()))
    logging.disable(logging.WARNING)  # the cap's warning would interleave with the table
    import workers

    print(f"measuring {Path(workers.__file__).parent.parent}  (stopped after {args.limit:g} s)\n")
    print(f"{'case':48} {'size':28} {'seconds':>9}  outcome")
    for cases in (entity_cases, robots_cases, entries_cases, marks_cases):
        for case, size, seconds, outcome in cases(args.limit):
            print(f"{case:48} {size:28} {seconds:>9}  {outcome}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
