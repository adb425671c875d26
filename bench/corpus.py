"""Bench corpus: N article pages and M RSS feeds, generated in memory from a seed, served on 127.0.0.1.

Page chrome (head, menus, footers, scripts) comes from the article-extraction benchmark in
../shared with each article body removed; our own Russian press-release text goes in its place.

    .venv/bin/python bench/corpus.py [--articles 2000] [--feeds 20] [--seed 7] [--serve]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._texts import press_release  # noqa: E402

SHARED_BENCH = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
TITLE_MARK = "\ue000SILKWIRE-TITLE\ue000"
BODY_MARK = "\ue000SILKWIRE-BODY\ue000"
EPOCH = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
# Chrome above this size is skipped: a few benchmark pages are >1 MB and would dominate the timings.
MAX_CHROME_BYTES = 400_000


class CorpusUnavailable(RuntimeError):
    """../shared is absent: the chrome cannot be built (the message says where it was looked for)."""


@dataclass(frozen=True)
class Chrome:
    """A page layout split around the title and body: head + TITLE + middle + BODY + tail."""

    name: str
    head: str
    middle: str
    tail: str


@dataclass(frozen=True)
class Article:
    index: int
    path: str
    title: str
    paragraphs: tuple[str, ...]
    relevant: bool
    published: datetime
    chrome: str


def _body_paragraphs(root: Any, body_text: str) -> list[Any]:
    """The <p>/<li>/<h2> elements whose text belongs to the ground-truth article body."""
    found = []
    for el in root.iter("p", "li", "h2", "h3", "blockquote", "figcaption"):
        text = " ".join(el.text_content().split())
        if len(text) >= 30 and text[:60] in body_text:
            found.append(el)
    return found


def split_chrome(html: str, body_text: str, name: str) -> Chrome | None:
    """Remove the article body from a benchmark page and mark where ours goes; None if unusable."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    body_text = " ".join(body_text.split())
    paras = _body_paragraphs(root, body_text)
    if len(paras) < 3:
        return None
    # The container holding most body paragraphs gets our body; every body paragraph goes.
    parents: dict[Any, int] = {}
    for p in paras:
        parent = p.getparent()
        parents[parent] = parents.get(parent, 0) + 1
    container = max(parents, key=lambda k: parents[k])
    first = next(p for p in paras if p.getparent() is container)
    marker = lxml.html.Element("div")
    marker.set("class", "article-body")
    marker.text = BODY_MARK
    first.addprevious(marker)
    for p in paras:
        if p.getparent() is not None:
            p.drop_tree()
    for meta in root.iter("meta"):
        if meta.get("charset") or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.drop_tree()
    head = root.find("head")
    if head is None:
        return None
    charset = lxml.html.Element("meta")
    charset.set("charset", "utf-8")
    head.insert(0, charset)
    title = head.find("title")
    if title is None:
        title = lxml.html.Element("title")
        head.append(title)
    title.text = TITLE_MARK
    for el in root.iter("h1"):
        el.text, el[:] = TITLE_MARK, []
        break
    else:
        h1 = lxml.html.Element("h1")
        h1.text = TITLE_MARK
        marker.addprevious(h1)
    out = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    parts = out.split(TITLE_MARK)
    if len(parts) != 3 or out.count(BODY_MARK) != 1 or BODY_MARK not in parts[2]:
        return None
    middle = parts[1]
    tail_head, tail = parts[2].split(BODY_MARK)
    return Chrome(name=name, head=parts[0], middle=middle + TITLE_MARK + tail_head, tail=tail)


def load_chromes(limit: int = 40, data: Path = SHARED_BENCH) -> list[Chrome]:
    """Up to `limit` layouts from the shared benchmark, in a fixed order (sorted file names)."""
    html_dir = data / "html"
    if not html_dir.is_dir():
        raise CorpusUnavailable(f"{html_dir} is absent (../shared sits beside the project in team checkouts)")
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    chromes: list[Chrome] = []
    for file in sorted(html_dir.glob("*.html.gz")):
        raw = gzip.decompress(file.read_bytes())
        if len(raw) > MAX_CHROME_BYTES:
            continue
        key = file.name.removesuffix(".html.gz")
        body = (truth.get(key) or {}).get("articleBody") or ""
        chrome = split_chrome(raw.decode("utf-8", errors="replace"), body, key[:12])
        if chrome is not None:
            chromes.append(chrome)
        if len(chromes) >= limit:
            break
    if not chromes:
        raise CorpusUnavailable(f"no usable page layouts in {html_dir}")
    return chromes


class Corpus:
    """Deterministic articles and feeds; pages are assembled on request from chrome + text."""

    def __init__(self, articles: int = 2000, feeds: int = 20, seed: int = 7, chromes: list[Chrome] | None = None,
                 site: str = "press") -> None:
        if articles < 1 or feeds < 1:
            raise ValueError("need at least one article and one feed")
        self.n, self.m, self.seed, self.site = articles, feeds, seed, site
        self._chromes = chromes

    @cached_property
    def chromes(self) -> list[Chrome]:
        return self._chromes if self._chromes is not None else load_chromes()

    def article(self, i: int) -> Article:
        """Article i (any i ≥ 0: indices past N serve the latency run's fresh entries)."""
        rng = random.Random(f"{self.seed}:{i}")
        title, paragraphs, relevant = press_release(rng)
        chrome = self.chromes[rng.randrange(len(self.chromes))]
        slug = hashlib.sha1(f"{self.seed}:{i}".encode()).hexdigest()[:10]
        return Article(index=i, path=f"/{self.site}/news/{i:06d}-{slug}.html", title=title,
                       paragraphs=tuple(paragraphs), relevant=relevant,
                       published=EPOCH + timedelta(minutes=7 * i), chrome=chrome.name)

    def page(self, article: Article) -> bytes:
        chrome = next(c for c in self.chromes if c.name == article.chrome)
        title = escape(article.title)
        date = f'<time datetime="{article.published.isoformat()}">{article.published:%d.%m.%Y %H:%M}</time>'
        body = date + "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
        return (chrome.head + title + chrome.middle.replace(TITLE_MARK, title) + body + chrome.tail).encode()

    def feed_members(self, feed: int) -> list[int]:
        return list(range(feed, self.n, self.m))

    def feed_path(self, feed: int) -> str:
        return f"/{self.site}/feeds/{feed:03d}.xml"

    def rss(self, base_url: str, feed: int, indices: list[int] | None = None) -> bytes:
        """RSS 2.0 listing the given articles (default: every article of this feed), newest first."""
        items = []
        for i in sorted(self.feed_members(feed) if indices is None else indices, reverse=True):
            a = self.article(i)
            items.append(
                f"<item><title>{escape(a.title)}</title><link>{base_url}{a.path}</link>"
                f"<guid isPermaLink=\"true\">{base_url}{a.path}</guid>"
                f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate></item>")
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>Bench press service {feed}</title><link>{base_url}/{self.site}/</link>"
                "<description>Silkwire benchmark feed</description><language>ru</language>"
                + "".join(items) + "</channel></rss>\n").encode()

    def paths(self) -> dict[str, int]:
        """URL path → article index for the N corpus articles."""
        return {self.article(i).path: i for i in range(self.n)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--serve", action="store_true", help="serve on 127.0.0.1 until interrupted")
    args = ap.parse_args(argv)
    try:
        corpus = Corpus(args.articles, args.feeds, args.seed)
        chromes = corpus.chromes
    except CorpusUnavailable as exc:
        print(f"skipped: {exc}")
        return 0
    sizes = sorted(len(corpus.page(corpus.article(i))) for i in range(min(corpus.n, 500)))
    relevant = sum(corpus.article(i).relevant for i in range(min(corpus.n, 500)))
    print(f"{corpus.n} articles, {corpus.m} feeds, {len(chromes)} layouts; page bytes median "
          f"{sizes[len(sizes) // 2]}, max {sizes[-1]}; relevant {relevant}/{len(sizes)} in the first {len(sizes)}")
    if args.serve:
        from bench._server import BenchServer

        with BenchServer(corpus) as server:
            print(f"serving on {server.base_url}; feeds like {server.base_url}{corpus.feed_path(0)}")
            with contextlib.suppress(KeyboardInterrupt):
                server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
