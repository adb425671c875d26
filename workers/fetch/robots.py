"""Fetch stage: robots.txt bytes → `Robots` rules (RFC 9309), and fetching one robots.txt as bytes.

RFC 9309 rather than urllib.robotparser: the most specific (longest) matching rule wins and `*`/`$`
patterns work, so "Disallow: /" + "Allow: /news/" allows /news/ as the site intends
(urllib.robotparser applies the first rule that matches and knows no wildcards).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from workers.errors import PermanentError
from workers.fetch.http import fetch_url
from workers.settings import Settings

MAX_ROBOTS_BYTES = 512_000  # RFC 9309 asks to parse at least 500 KiB
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_UNSAFE = re.compile(r"[^\x21-\x7e]")


def _normalize_path(text: str) -> str:
    """Upper-case %xx escapes and percent-encode raw non-ASCII, so a pattern and a path compare alike."""
    text = _PERCENT.sub(lambda m: m.group().upper(), text)
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), text)


@dataclass(frozen=True)
class Rule:
    allow: bool
    pattern: str

    def matches(self, path: str) -> bool:
        return _pieces(self.pattern).matches(path)


@dataclass(frozen=True)
class _Pieces:
    """A robots pattern as its literal pieces between `*`s, and whether `$` anchors it at the end.

    Matched without backtracking, in time linear in the path (per piece): each piece is looked for at
    its leftmost place after the one before (str.find). With `*` the only wildcard, the leftmost place
    is always a right one: it leaves the most path for the pieces after it. A regular expression (each
    `*` as `.*`) backtracks instead: "Disallow: /*a*a*a*a*a*a*a*a*a*a*b" against a path of 35 `a`s took
    4.4 s, and a hostile robots.txt held an I/O worker for its whole soft time limit on every article of
    the site (issue 17). protego (>= 0.7) matches the same way; we keep our own parser for its RFC 9309
    group and tie rules (tests/unit/test_robots.py) rather than take on a dependency for these lines.
    """

    pieces: tuple[str, ...]
    anchored: bool

    def matches(self, path: str) -> bool:
        first, *middle = self.pieces
        if not path.startswith(first):
            return False
        if not middle:
            return not self.anchored or path == first
        *middle, last = middle
        pos = len(first)
        for piece in middle:
            found = path.find(piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        if self.anchored:
            return len(path) - len(last) >= pos and path.endswith(last)
        return path.find(last, pos) >= 0


@lru_cache(maxsize=4096)
def _pieces(pattern: str) -> _Pieces:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    return _Pieces(tuple(re.sub(r"\*+", "*", body).split("*")), anchored)


@dataclass(frozen=True)
class Group:
    agents: tuple[str, ...]  # lower-cased product tokens, "*" for everyone
    rules: tuple[Rule, ...]
    crawl_delay_s: float | None = None


def product_token(user_agent: str) -> str:
    """"SilkwireBot/0.1 (+https://...)" → "silkwirebot": the part robots.txt groups are named by."""
    return user_agent.split("/", 1)[0].split(None, 1)[0].strip().lower() if user_agent.strip() else "*"


@dataclass(frozen=True)
class Robots:
    groups: tuple[Group, ...] = ()

    @classmethod
    def allow_all(cls) -> Robots:
        return cls()

    def _groups_for(self, user_agent: str) -> list[Group]:
        token = product_token(user_agent)
        mine = [g for g in self.groups if token in g.agents]
        return mine or [g for g in self.groups if "*" in g.agents]

    def allowed(self, url: str, user_agent: str) -> bool:
        parts = urlsplit(url)
        path = _normalize_path((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if path == "/robots.txt":
            return True
        best: Rule | None = None
        for group in self._groups_for(user_agent):
            for rule in group.rules:
                if not rule.matches(path):
                    continue
                # Longest pattern wins; on a tie the allowing rule wins (RFC 9309 section 2.2.2).
                if best is None or len(rule.pattern) > len(best.pattern) or (
                    len(rule.pattern) == len(best.pattern) and rule.allow
                ):
                    best = rule
        return best is None or best.allow

    def crawl_delay(self, user_agent: str) -> float | None:
        delays = [g.crawl_delay_s for g in self._groups_for(user_agent) if g.crawl_delay_s is not None]
        return max(delays) if delays else None


def parse_robots(body: bytes) -> Robots:
    """Parse robots.txt bytes (first MAX_ROBOTS_BYTES; undecodable bytes only ever hurt their own line)."""
    text = body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace").lstrip("\ufeff")
    groups: list[Group] = []
    agents: list[str] = []
    rules: list[Rule] = []
    delay: float | None = None
    in_rules = False

    def close() -> None:
        if agents:
            groups.append(Group(tuple(agents), tuple(rules), delay))

    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower().replace("_", "-")
        if key == "user-agent":
            if in_rules:  # a user-agent line after rules starts a new group
                close()
                agents, rules, delay, in_rules = [], [], None, False
            agents.append(product_token(value) if value != "*" else "*")
        elif key in ("allow", "disallow"):
            in_rules = True
            if agents and value:  # an empty Disallow allows everything: no rule needed
                rules.append(Rule(allow=key == "allow", pattern=_normalize_path(value)))
        elif key == "crawl-delay":
            in_rules = True
            try:
                seconds = float(value)
            except ValueError:
                continue
            if seconds >= 0:
                delay = seconds
    close()
    return Robots(tuple(groups))


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"


def fetch_robots_txt(url: str, *, settings: Settings) -> bytes:
    """The robots.txt body for `url`'s origin; b"" (no rules) when the site has none.

    RFC 9309: 4xx means "no robots.txt" (everything allowed); 5xx and network failures mean
    "unreachable" and raise TransientError from fetch_url, so the caller tries again later instead
    of crawling a site whose rules it could not read.
    """
    try:
        return fetch_url(robots_url(url), settings=settings, max_bytes=MAX_ROBOTS_BYTES,
                         accept="text/plain, */*;q=0.5").body
    except PermanentError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            return b""
        raise
