"""canonicalize and canonical_from_html: one spelling per article URL, and nothing unsafe changed."""

from __future__ import annotations

import pytest

from workers.urls import canonical_from_html, canonicalize, is_tracking_param


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.Akorda.KZ/ru/news", "http://www.akorda.kz/ru/news"),
        ("https://akorda.kz:443/ru/x", "https://akorda.kz/ru/x"),
        ("http://akorda.kz:80/ru/x", "http://akorda.kz/ru/x"),
        ("https://akorda.kz:8443/ru/x", "https://akorda.kz:8443/ru/x"),
        ("https://akorda.kz", "https://akorda.kz/"),
        ("https://akorda.kz/ru/x#comments", "https://akorda.kz/ru/x"),
        ("https://akorda.kz/a/./b/../c", "https://akorda.kz/a/c"),
        ("https://akorda.kz./ru", "https://akorda.kz/ru"),
        ("  https://akorda.kz/ru/x  ", "https://akorda.kz/ru/x"),
    ],
)
def test_scheme_host_port_fragment_and_dot_segments(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_tracking_parameters_are_dropped_and_the_rest_sorted() -> None:
    url = "https://kazinform.kz/news?utm_source=tg&b=2&fbclid=XyZ&a=1&yclid=5&_openstat=abc&from=rss&gclid=9"
    assert canonicalize(url) == "https://kazinform.kz/news?a=1&b=2"


@pytest.mark.parametrize("name", ["utm_campaign", "UTM_Medium", "fbclid", "yclid", "_openstat", "ref", "from"])
def test_tracking_names(name: str) -> None:
    assert is_tracking_param(name)


@pytest.mark.parametrize("name", ["id", "page", "lang", "news_id", "p"])
def test_meaningful_names_are_kept(name: str) -> None:
    assert not is_tracking_param(name)
    assert canonicalize(f"https://a.kz/?{name}=7") == f"https://a.kz/?{name}=7"


def test_percent_encoding_is_normalised_both_ways() -> None:
    # Raw Cyrillic, lower-case escapes and escaped unreserved characters all land on one spelling.
    raw = canonicalize("https://inform.kz/ru/Китай")
    escaped_lower = canonicalize("https://inform.kz/ru/%d0%9a%d0%b8%d1%82%d0%b0%d0%b9")
    assert raw == escaped_lower == "https://inform.kz/ru/%D0%9A%D0%B8%D1%82%D0%B0%D0%B9"
    assert canonicalize("https://a.kz/%7Euser/%41bc") == "https://a.kz/~user/Abc"


def test_reserved_escapes_keep_their_meaning() -> None:
    # %2F inside a segment is not a path separator, and %2B is not a space: both must survive.
    assert canonicalize("https://a.kz/a%2fb?q=%2b1+2") == "https://a.kz/a%2Fb?q=%2B1+2"


def test_lone_percent_is_escaped() -> None:
    assert canonicalize("https://a.kz/100%_sure") == "https://a.kz/100%25_sure"


def test_idna_host() -> None:
    assert canonicalize("https://Президент.РФ/news") == "https://xn--d1abbgf6aiiy.xn--p1ai/news"


def test_relative_links_resolve_against_base() -> None:
    base = "https://www.gov.kz/memleket/entities/mfa/press/news?lang=ru"
    assert (
        canonicalize("details/123?lang=ru", base)
        == "https://www.gov.kz/memleket/entities/mfa/press/details/123?lang=ru"
    )
    assert canonicalize("/ru/x", base) == "https://www.gov.kz/ru/x"
    assert canonicalize("//cdn.gov.kz/x", base) == "https://cdn.gov.kz/x"


def test_unsafe_changes_are_not_made() -> None:
    # trailing slash, index.html and www. may name other resources on a server: left alone
    assert canonicalize("https://a.kz/news/") != canonicalize("https://a.kz/news")
    assert canonicalize("https://a.kz/index.html") == "https://a.kz/index.html"
    assert canonicalize("https://www.a.kz/x") != canonicalize("https://a.kz/x")


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "mailto:press@akorda.kz", "ftp://a.kz/x", "https://", "https://a.kz:99999/"]
)
def test_non_http_or_broken_urls_raise(bad: str) -> None:
    with pytest.raises(ValueError):
        canonicalize(bad)


def test_idempotent() -> None:
    for url in ["HTTPS://A.kz:443/a/../Ж?utm_x=1&z=%7e&a=1#f", "https://a.kz/a%2fb?q=%2b", "https://a.kz/?"]:
        once = canonicalize(url)
        assert canonicalize(once) == once


PAGE = """<html><head>
<link rel="stylesheet" href="/s.css">
<link href="{href}" rel="canonical">
</head><body>text</body></html>"""


def test_canonical_link_on_same_host_is_used() -> None:
    html = PAGE.format(href="/ru/news/visit-123?utm_source=x")
    assert canonical_from_html(html, "https://mfa.gov.kz/ru/news/visit-123?amp=1&page=2") == (
        "https://mfa.gov.kz/ru/news/visit-123"
    )


def test_canonical_link_to_another_host_is_ignored() -> None:
    html = PAGE.format(href="https://evil.example/claimed")
    assert canonical_from_html(html, "https://mfa.gov.kz/ru/news/1") is None


def test_no_canonical_link() -> None:
    assert canonical_from_html("<html><head></head><body>x</body></html>", "https://a.kz/1") is None
