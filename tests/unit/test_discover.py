"""discover_feeds, sitemaps_from_robots and listing_links on pages written for the test."""

from __future__ import annotations

import pytest

from tests.support.settings import SETTINGS
from workers.errors import PermanentError, QuarantineError
from workers.feeds.discover import discover_feeds, listing_links, sitemaps_from_robots

HOME = """<!DOCTYPE html><html lang="ru"><head>
<meta charset="utf-8"><title>Министерство</title>
<link rel="alternate" type="application/rss+xml" title="Новости министерства" href="/ru/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://min.example.kz/ru/atom">
<link rel="alternate" hreflang="kk" href="/kk/">
</head><body>
<nav><a href="/ru/about">О министерстве</a> <a href="/ru/feed/">RSS-лента</a>
<a href="/sitemap-news.xml">Карта новостей</a> <a href="javascript:void(0)">Печать</a></nav>
</body></html>"""


def test_alternate_links_come_first_then_anchors() -> None:
    found = discover_feeds(HOME, "https://min.example.kz/ru/", settings=SETTINGS)
    assert [(f["url"], f["kind"], f["via"]) for f in found] == [
        ("https://min.example.kz/ru/rss.xml", "rss", "link-alternate"),
        ("https://min.example.kz/ru/atom", "atom", "link-alternate"),
        ("https://min.example.kz/ru/feed/", "rss", "anchor"),
        ("https://min.example.kz/sitemap-news.xml", "sitemap", "anchor-sitemap"),
    ]
    assert found[0]["title"] == "Новости министерства"


def test_bytes_input_and_nothing_to_find() -> None:
    page = "<html><body><p>Пусто</p><a href='/ru/news'>Новости</a></body></html>".encode()
    assert discover_feeds(page, "https://a.example.kz/", settings=SETTINGS) == []
    assert discover_feeds("", "https://a.example.kz/", settings=SETTINGS) == []


def test_robots_sitemaps_news_first() -> None:
    robots = "User-agent: *\nDisallow: /admin\nSitemap: https://a.example.kz/sitemap.xml\nsitemap: /sitemap-news.xml\n"
    found = sitemaps_from_robots(robots, "https://a.example.kz/robots.txt")
    assert [f["url"] for f in found] == ["https://a.example.kz/sitemap-news.xml", "https://a.example.kz/sitemap.xml"]
    assert found[0]["title"] == "news"


LISTING = """<html><head><base href="https://www.press.example.kz/ru/"></head><body>
<ul class="news">
  <li><a href="news/peregovory-v-pekine-12345?utm_source=main">Переговоры в Пекине</a></li>
  <li><a href="/ru/news/forum-v-urumchi-12346#comments">Форум в Урумчи</a></li>
  <li><a href="https://www.press.example.kz/ru/news/peregovory-v-pekine-12345">дубль</a></li>
  <li><a href="/ru/news/">Все новости</a></li>
  <li><a href="https://other.example.com/ru/news/x-99999">чужой сайт</a></li>
  <li><a href="mailto:press@press.example.kz">Почта</a></li>
</ul></body></html>"""
PATTERN = r"^https://www\.press\.example\.kz/ru/news/[a-z-]+-\d{5,}$"


def test_listing_links_match_pattern_in_page_order_once() -> None:
    assert listing_links(LISTING.encode(), "https://www.press.example.kz/ru/news/", PATTERN, settings=SETTINGS) == [
        "https://www.press.example.kz/ru/news/peregovory-v-pekine-12345",
        "https://www.press.example.kz/ru/news/forum-v-urumchi-12346",
    ]


def test_listing_bad_pattern() -> None:
    with pytest.raises(PermanentError, match="pattern"):
        listing_links(LISTING, "https://www.press.example.kz/", "([", settings=SETTINGS)


def test_hostile_listing_is_refused_before_lxml() -> None:
    page = "<html><body><div " + " ".join(f"a{i}=1" for i in range(5000)) + "></div></body></html>"
    with pytest.raises(QuarantineError):
        listing_links(page, "https://a.example.kz/", ".", settings=SETTINGS)
