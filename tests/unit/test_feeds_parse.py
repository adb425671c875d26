"""parse_feed: RSS 0.9x/1.0/2.0 and Atom bytes → ParsedFeed; hostile or wrong input → PermanentError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.settings import SETTINGS
from workers.errors import PermanentError
from workers.feeds import parse as parse_module
from workers.feeds.parse import parse_feed

FEED_URL = "https://press.example.kz/ru/rss/"
XML = {"content-type": "application/rss+xml"}


def rss2(items: str, *, encoding: str = "utf-8", channel_extra: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
        f"<channel><title>Пресс-служба</title><link>https://press.example.kz/</link>{channel_extra}"
        f"{items}</channel></rss>"
    )


ITEM = (
    "<item><title>Переговоры в Астане</title><link>{link}</link><guid>{guid}</guid>"
    "<pubDate>{date}</pubDate><description>&lt;p&gt;Стороны обсудили &amp;amp; подписали&lt;/p&gt;</description></item>"
)


def item(
    link: str = "https://press.example.kz/ru/news/1", guid: str = "n-1", date: str = "Tue, 10 Nov 2026 08:30:00 +0500"
) -> str:
    return ITEM.format(link=link, guid=guid, date=date)


def test_rss2_entry_fields() -> None:
    feed = parse_feed(rss2(item()).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.title == "Пресс-служба"
    (e,) = feed.entries
    assert e.url == "https://press.example.kz/ru/news/1"
    assert e.title == "Переговоры в Астане"
    assert e.guid == "n-1"
    assert e.summary == "Стороны обсудили & подписали"
    assert e.published == datetime(2026, 11, 10, 3, 30, tzinfo=UTC)


def test_links_are_resolved_against_the_feed_url_and_canonicalised() -> None:
    items = item(link="/ru/news/7?utm_source=rss&id=7#top", guid="a") + item(link="news/8", guid="b")
    feed = parse_feed(rss2(items).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert [e.url for e in feed.entries] == [
        "https://press.example.kz/ru/news/7?id=7",
        "https://press.example.kz/ru/rss/news/8",
    ]


def test_entries_without_usable_link_are_skipped_with_a_warning() -> None:
    items = item(link="javascript:void(0)", guid="x") + "<item><title>Без ссылки</title></item>" + item()
    feed = parse_feed(rss2(items).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert [e.url for e in feed.entries] == ["https://press.example.kz/ru/news/1"]
    assert "2 entries without a usable http(s) link skipped (#0, 1)" in feed.warnings


def test_permalink_guid_is_used_when_there_is_no_link() -> None:
    body = rss2('<item><title>T</title><guid isPermaLink="true">https://press.example.kz/ru/news/55</guid></item>')
    feed = parse_feed(body.encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert [e.url for e in feed.entries] == ["https://press.example.kz/ru/news/55"]


def test_duplicate_links_are_listed_once() -> None:
    feed = parse_feed(rss2(item(guid="a") + item(guid="b")).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert len(feed.entries) == 1


def test_russian_free_text_date() -> None:
    feed = parse_feed(rss2(item(date="10 ноября 2026, 14:30")).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    # Free text without a zone is read in Asia/Almaty (UTC+5).
    assert feed.entries[0].published == datetime(2026, 11, 10, 9, 30, tzinfo=UTC)


def test_future_and_ancient_dates_are_dropped() -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = item(guid="a", date=future) + item(
        link="https://press.example.kz/2", guid="b", date="Mon, 01 Jan 1979 00:00:00 +0000"
    )
    feed = parse_feed(rss2(items).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert [e.published for e in feed.entries] == [None, None]


def test_tomorrow_within_tolerance_is_kept() -> None:
    soon = (datetime.now(UTC) + timedelta(hours=6)).replace(microsecond=0)
    feed = parse_feed(rss2(item(date=soon.strftime("%a, %d %b %Y %H:%M:%S +0000"))).encode(), url=FEED_URL, headers=XML,
        settings=SETTINGS)
    assert feed.entries[0].published == soon


def test_windows_1251_declared_in_prolog() -> None:
    body = rss2(item(), encoding="windows-1251").encode("cp1251")
    feed = parse_feed(body, url=FEED_URL, headers={"content-type": "application/xml"}, settings=SETTINGS)
    assert feed.entries[0].title == "Переговоры в Астане"


def test_koi8_r_declared_in_prolog() -> None:
    body = rss2(item(), encoding="koi8-r").encode("koi8_r")
    feed = parse_feed(body, url=FEED_URL, headers={"content-type": "application/xml"}, settings=SETTINGS)
    assert feed.entries[0].title == "Переговоры в Астане"
    assert feed.title == "Пресс-служба"


def test_rss_091() -> None:
    body = (
        '<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>https://old.kz/</link>'
        "<description>d</description><language>ru</language>"
        "<item><title>Визит</title><link>https://old.kz/a</link><description>Текст</description></item>"
        "</channel></rss>"
    )
    feed = parse_feed(body.encode(), url="https://old.kz/rss", headers=XML, settings=SETTINGS)
    assert [e.url for e in feed.entries] == ["https://old.kz/a"]


def test_rss_10_rdf() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://rdf.kz/"><title>RDF</title><link>https://rdf.kz/</link></channel>'
        '<item rdf:about="https://rdf.kz/n/1"><title>Соглашение</title><link>https://rdf.kz/n/1</link>'
        "<dc:date>2025-06-17T10:00:00+06:00</dc:date></item></rdf:RDF>"
    )
    feed = parse_feed(body.encode(), url="https://rdf.kz/rss", headers=XML, settings=SETTINGS)
    assert feed.entries[0].url == "https://rdf.kz/n/1"
    assert feed.entries[0].published == datetime(2025, 6, 17, 4, 0, tzinfo=UTC)


def test_atom() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.cn/ru/">'
        "<title>Атом</title><id>urn:x</id><updated>2025-01-01T00:00:00Z</updated>"
        '<entry><title>Встреча</title><link rel="alternate" href="news/2"/><id>urn:e2</id>'
        "<updated>2025-01-02T03:04:05Z</updated><summary>Кратко</summary></entry></feed>"
    )
    feed = parse_feed(body.encode(), url="https://atom.cn/feed", headers={"content-type": "application/atom+xml"},
        settings=SETTINGS)
    (e,) = feed.entries
    assert e.url == "https://atom.cn/ru/news/2"
    assert e.guid == "urn:e2"
    assert e.published == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_ttl_in_minutes() -> None:
    feed = parse_feed(rss2(item(), channel_extra="<ttl>30</ttl>").encode(), url=FEED_URL, headers=XML,
        settings=SETTINGS)
    assert feed.ttl_s == 1800


def test_syndication_update_period() -> None:
    extra = "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>"
    feed = parse_feed(rss2(item(), channel_extra=extra).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.ttl_s == 900


def test_no_ttl() -> None:
    assert parse_feed(rss2(item()).encode(), url=FEED_URL, headers=XML, settings=SETTINGS).ttl_s is None


def test_bozo_feed_with_entries_is_accepted_with_a_warning() -> None:
    # An undefined entity makes the XML ill-formed; feedparser's loose parser still reads the item.
    body = rss2(item()).replace("Переговоры в Астане", "Переговоры&nbsp;в Астане").encode()
    feed = parse_feed(body, url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.entries
    assert any(w.startswith("bozo:") for w in feed.warnings)


def test_bozo_feed_without_entries_is_rejected_with_the_reason() -> None:
    with pytest.raises(PermanentError, match=r"unparseable feed: .*"):
        parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti', url=FEED_URL, headers=XML,
            settings=SETTINGS)


def test_html_page_is_not_a_feed() -> None:
    page = "<!DOCTYPE html><html><head><title>Главная</title></head><body><p>Новости</p></body></html>"
    with pytest.raises(PermanentError, match="not a feed"):
        parse_feed(page.encode(), url=FEED_URL, headers={"content-type": "text/html; charset=utf-8"}, settings=SETTINGS)
    with pytest.raises(PermanentError, match="not a feed"):
        parse_feed(page.encode(), url=FEED_URL, headers={}, settings=SETTINGS)


def test_empty_valid_feed_has_no_entries() -> None:
    feed = parse_feed(rss2("").encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.entries == ()


def test_empty_body() -> None:
    with pytest.raises(PermanentError, match="empty"):
        parse_feed(b"  \n", url=FEED_URL, headers=XML, settings=SETTINGS)


QUADRATIC = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "x" * 1000 + '">\n]>\n'
    '<rss version="2.0"><channel><title>&a;&a;&a;&a;</title></channel></rss>'
)


@pytest.mark.parametrize(
    "body",
    [
        QUADRATIC.encode(),
        QUADRATIC.replace("<!ENTITY", "<!entity").encode(),
        QUADRATIC.encode("utf-16"),
        QUADRATIC.encode("utf-16-be"),
        QUADRATIC.encode("utf-32"),
        QUADRATIC.replace('version="1.0"?', 'version="1.0" encoding="cp037"?').encode("cp037"),
    ],
    ids=["plain", "lower-case", "utf-16", "utf-16-be", "utf-32", "ebcdic"],
)
def test_entity_declarations_are_refused_before_parsing(body: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a: object, **_k: object) -> None:
        raise AssertionError("feedparser must not see a document declaring entities")

    monkeypatch.setattr(parse_module.feedparser, "parse", fail)
    with pytest.raises(PermanentError, match="ENTITY"):
        parse_feed(body, url=FEED_URL, headers=XML, settings=SETTINGS)


def test_entity_text_inside_cdata_is_harmless() -> None:
    body = rss2(
        item().replace("<title>Переговоры в Астане</title>", "<title><![CDATA[About <!ENTITY in XML]]></title>")
    )
    feed = parse_feed(body.encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.entries[0].title == "About <!ENTITY in XML"


def test_size_cap() -> None:
    small_cap = SETTINGS.model_copy(update={"max_feed_bytes": 2000})
    small = rss2(item()).encode()
    assert len(small) < 2000
    assert parse_feed(small, url=FEED_URL, headers=XML, settings=small_cap).entries
    big = rss2("".join(item(link=f"https://press.example.kz/{i}", guid=str(i)) for i in range(20))).encode()
    with pytest.raises(PermanentError, match="too large"):
        parse_feed(big, url=FEED_URL, headers=XML, settings=small_cap)


def test_only_bytes_are_accepted() -> None:
    with pytest.raises(TypeError):
        parse_feed("https://press.example.kz/rss", url=FEED_URL, headers=XML, settings=SETTINGS)  # type: ignore[arg-type]


def test_feed_served_as_text_html_is_still_a_feed() -> None:
    feed = parse_feed(rss2(item()).encode(), url=FEED_URL, headers={"Content-Type": "text/html; charset=utf-8"},
        settings=SETTINGS)
    assert len(feed.entries) == 1


def test_utf8_bom_and_leading_whitespace() -> None:
    feed = parse_feed(b"\xef\xbb\xbf\n  " + rss2(item()).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.entries[0].title == "Переговоры в Астане"


# Issue 17, finding 1: the tricks that got entity declarations past the byte-level search.
ENTITIES = '<!DOCTYPE rss [\n<!ENTITY a "' + "x" * 1000 + '">\n]>\n'
BODY = '<rss version="2.0"><channel><title>&a;&a;&a;&a;</title></channel></rss>'


@pytest.mark.parametrize(
    "body",
    [
        # the CDATA span the old search removed opens in one comment and closes in another
        f'<?xml version="1.0"?>\n<!-- <![CDATA[ -->\n{ENTITIES}<!-- ]]> -->\n{BODY}'.encode(),
        # "<" as UTF-7 ("+ADw-"): no "<!ENTITY" bytes at all
        ('<?xml version="1.0" encoding="utf-7"?>\n' + f"{ENTITIES}{BODY}".replace("<", "+ADw-")).encode(),
        # a quoted system literal holding ">" and "<a" before the internal subset
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "<a>" [\n<!ENTITY a "{"x" * 1000}">\n]>\n{BODY}'.encode(),
        # a processing instruction before the DTD
        f'<?xml version="1.0"?>\n<?style <![CDATA[ ?>\n{ENTITIES}{BODY}'.encode(),
    ],
    ids=["cdata-in-comments", "utf-7", "quoted-literal", "pi"],
)
def test_internal_subsets_are_refused_on_the_decoded_text(body: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a: object, **_k: object) -> None:
        raise AssertionError("feedparser must not see a document with an internal subset")

    monkeypatch.setattr(parse_module.feedparser, "parse", fail)
    with pytest.raises(PermanentError, match=r"internal subset|ENTITY"):
        parse_feed(body, url=FEED_URL, headers=XML, settings=SETTINGS)


@pytest.mark.parametrize("encoding", ["utf-7", "hz", "iso-2022-jp"])
def test_encodings_no_feed_uses_are_refused(encoding: str) -> None:
    body = (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>Press</title>'
            "<item><title>Talks</title><link>https://press.example.kz/1</link></item></channel></rss>")
    with pytest.raises(PermanentError, match=f"encoding '{encoding}'"):
        parse_feed(body.encode("ascii"), url=FEED_URL, headers=XML, settings=SETTINGS)


def test_a_public_doctype_without_subset_still_parses() -> None:
    body = rss2(item()).replace("?>\n", '?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                                       '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n', 1)
    assert parse_feed(body.encode(), url=FEED_URL, headers=XML, settings=SETTINGS).entries


def test_character_references_no_text_may_hold_are_dropped() -> None:
    refs = "&#0;&#x0;&#xD800;&#xdfff;&#1114112;&#" + "9" * 5000 + ";&#x1F;"
    body = rss2(item().replace("Переговоры в Астане", f"Пере{refs}говоры &#1040;&#x1F600;"))
    feed = parse_feed(body.encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert feed.entries[0].title == "Переговоры А\U0001f600"


@pytest.mark.parametrize("ttl", ["²", "٣", "9" * 5000, "-5", "0", "1e3", "１０"])
def test_odd_numbers_are_no_numbers(ttl: str) -> None:
    body = rss2(item(), channel_extra=f"<ttl>{ttl}</ttl><sy:updatePeriod>hourly</sy:updatePeriod>"
                                      f"<sy:updateFrequency>{ttl}</sy:updateFrequency>")
    assert parse_feed(body.encode(), url=FEED_URL, headers=XML, settings=SETTINGS).ttl_s == 3600


def test_bad_entries_are_dropped_and_counted_the_rest_kept_clean() -> None:
    items = "".join([
        item(link="https://press.example.kz/ok/1", guid="1"),
        item(link="https://press.example.kz/" + "x" * 3000, guid="2"),
        item(link="https://press.example.kz/ok/3", guid="3").replace("Переговоры в Астане", "Т" * 1001),
        item(link="https://press.example.kz/ok/4", guid="4").replace("Переговоры в Астане",
                                                                        "То\u202eкаев\u2066 " + "а" + "\u0301" * 40),
        item(link="https://press.example.kz/ok/5", guid="\x01" + "g" * 5000),
    ])
    feed = parse_feed(rss2(items).encode(), url=FEED_URL, headers=XML, settings=SETTINGS)
    assert [e.url for e in feed.entries] == ["https://press.example.kz/ok/1", "https://press.example.kz/ok/4",
                                             "https://press.example.kz/ok/5"]
    assert feed.dropped == 2
    assert "2 entries dropped: 1 link over 2048 bytes, 1 title over 1000 characters" in feed.warnings
    assert feed.entries[1].title == "Токаев " + "а" + "\u0301" * 3
    assert feed.entries[2].guid == "g" * 2000


def test_one_poll_keeps_the_newest_entries_in_feed_order() -> None:
    from workers.feeds.entries import cap_entries
    from workers.models import FeedEntry, ParsedFeed

    now = datetime(2026, 11, 1, tzinfo=UTC)
    dates = [now - timedelta(days=3), None, now, now - timedelta(days=1), now - timedelta(days=2), None]
    parsed = ParsedFeed(title=None, entries=tuple(FeedEntry(url=f"https://a.kz/{i}", published=d)
                                                   for i, d in enumerate(dates)))
    capped = cap_entries(parsed, 3)
    assert [e.url for e in capped.entries] == ["https://a.kz/2", "https://a.kz/3", "https://a.kz/4"]
    assert capped.capped == 3 and "3 entries over the cap of 3 per poll" in capped.warnings[-1]
    assert cap_entries(parsed, 6) is parsed
