"""Bench corpus: N pages through M feeds, the same bytes for the same seed, served pages that clean to our text."""

from __future__ import annotations

import random
import urllib.request
from functools import cache
from typing import TYPE_CHECKING

import pytest

from tests.support.services import require_shared
from tests.support.settings import SETTINGS

if TYPE_CHECKING:
    from bench.corpus import Chrome, Corpus


@cache
def _chromes() -> tuple[Chrome, ...]:
    from bench.corpus import load_chromes

    return tuple(load_chromes(limit=6))


def corpus(n: int = 30, m: int = 4, seed: int = 7) -> Corpus:
    require_shared("data", "article-extraction-benchmark", "html")
    from bench.corpus import Corpus

    return Corpus(n, m, seed, chromes=list(_chromes()))


def test_press_releases_are_sized_and_mixed() -> None:
    from bench._texts import press_release

    rng = random.Random(1)
    releases = [press_release(rng) for _ in range(200)]
    sizes = [sum(len(p) + 1 for p in paragraphs) for _, paragraphs, _ in releases]
    assert min(sizes) >= 2000
    assert max(sizes) <= 6000 + 800  # the last paragraph may overshoot the drawn target
    relevant = sum(r for _, _, r in releases)
    assert 60 <= relevant <= 140  # about half Kazakhstan–China
    assert len({t for t, _, _ in releases}) > 50


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    a, b, c = corpus(seed=7), corpus(seed=7), corpus(seed=8)
    base = "http://127.0.0.1:1"
    assert [a.page(a.article(i)) for i in range(10)] == [b.page(b.article(i)) for i in range(10)]
    assert a.rss(base, 2) == b.rss(base, 2)
    assert a.paths() == b.paths()
    assert [a.page(a.article(i)) for i in range(10)] != [c.page(c.article(i)) for i in range(10)]


def test_feeds_list_every_article_once() -> None:
    from workers.feeds.parse import parse_feed

    c = corpus(n=30, m=4)
    base = "http://127.0.0.1:1"
    urls = [e.url for f in range(c.m) for e in parse_feed(c.rss(base, f), url=base + c.feed_path(f),
                                                            headers={}, settings=SETTINGS).entries]
    assert len(urls) == 30
    assert sorted(urls) == sorted(base + p for p in c.paths())


def test_served_pages_clean_to_our_text() -> None:
    from bench._server import BenchServer
    from workers.clean import clean_html

    c = corpus(n=12, m=3)
    with BenchServer(c) as server:
        for i in range(0, 12, 3):
            article = c.article(i)
            with urllib.request.urlopen(server.url(article.path), timeout=10) as resp:
                body = resp.read()
                assert resp.headers["Content-Type"].startswith("text/html")
            assert 20_000 < len(body) < 500_000  # real chrome around a 2–6 KB text
            doc = clean_html(body, url=server.url(article.path), settings=SETTINGS)
            assert article.paragraphs[0] in doc.text
            assert article.paragraphs[-1] in doc.text


def test_live_feed_grows_and_answers_304_when_unchanged() -> None:
    from bench._server import BenchServer
    from workers.feeds.parse import parse_feed

    c = corpus(n=5, m=1)
    with BenchServer(c) as server:
        live = server.add_live_feed("t")
        server.publish(live, 100)
        with urllib.request.urlopen(live, timeout=10) as resp:
            first, etag = resp.read(), resp.headers["ETag"]
        req = urllib.request.Request(live, headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 304
        err.value.close()
        page = server.publish(live, 101)
        with urllib.request.urlopen(req, timeout=10) as resp:
            second = resp.read()
        entries = parse_feed(second, url=live, headers={}, settings=SETTINGS).entries
        assert [e.url for e in entries] == [page, server.url(c.article(100).path)]
        assert len(parse_feed(first, url=live, headers={}, settings=SETTINGS).entries) == 1
        with urllib.request.urlopen(page, timeout=10) as resp:
            assert resp.status == 200
