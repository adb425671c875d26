"""bound_html: cheap, linear bounds on a page before lxml sees it."""

from __future__ import annotations

import pytest

from workers.errors import QuarantineError
from workers.htmlguard import ATTRIBUTE_BUDGET, MAX_ATTRIBUTES, MAX_DEPTH, bound_html

BIG = 10**8


def test_scripts_styles_svg_comments_removed_json_ld_kept() -> None:
    html = (
        "<html><head><script>if (a<b) { s = '<div><div>'; }</script>"
        '<script type="application/ld+json">{"datePublished": "2025-01-02"}</script>'
        "<style>p{}</style><!-- <div> comment --></head>"
        "<body><svg><path d='M0'/></svg><p>Текст</p><SCRIPT>x()</SCRIPT></body></html>"
    )
    out = bound_html(html, max_bytes=BIG).html
    assert "if (a<b)" not in out and "p{}" not in out and "comment" not in out and "<svg" not in out
    assert "x()" not in out
    assert '"datePublished": "2025-01-02"' in out
    assert "<p>Текст</p>" in out


def test_control_characters_and_data_uris() -> None:
    b = bound_html("<p>a\x00b\x07c</p><img src='data:image/png;base64," + "Q" * 10_000 + "'>", max_bytes=BIG)
    assert "<p>abc</p>" in b.html and b.control_chars == 2
    assert "Q" * 300 not in b.html


def test_size_cap_counts_what_remains() -> None:
    scripts = "<script>" + "x" * 50_000 + "</script>"
    assert bound_html("<p>ok</p>" + scripts, max_bytes=1000).html == "<p>ok</p>"
    with pytest.raises(QuarantineError, match="too large"):
        bound_html("<p>" + "слово " * 1000 + "</p>", max_bytes=1000)


def test_attribute_limit() -> None:
    ok = "<div " + " ".join(f"a{i}='x y'" for i in range(MAX_ATTRIBUTES)) + ">t</div>"
    assert bound_html(ok, max_bytes=BIG).max_attributes == MAX_ATTRIBUTES
    bad = "<div " + " ".join(f"a{i}" for i in range(MAX_ATTRIBUTES + 1)) + ">t</div>"
    with pytest.raises(QuarantineError, match=f"{MAX_ATTRIBUTES + 1} attributes"):
        bound_html(bad, max_bytes=BIG)


def test_many_tags_with_hundreds_of_attributes() -> None:
    tag = "<i " + " ".join(f"a{i}" for i in range(900)) + ">x</i>"
    fits = ATTRIBUTE_BUDGET // (900 * 900)
    assert bound_html(tag * fits, max_bytes=BIG).max_attributes == 900
    with pytest.raises(QuarantineError, match="hundreds of attributes"):
        bound_html(tag * (fits + 1), max_bytes=BIG)


def test_long_attribute_values_are_not_attributes() -> None:
    tag = '<meta name="keywords" content="' + "Казахстан Китай " * 2000 + '">'
    assert bound_html(tag, max_bytes=BIG).max_attributes == 2


def test_depth_limit_counts_elements_that_need_end_tags() -> None:
    fine = "<div>" * MAX_DEPTH + "</div>" * MAX_DEPTH
    assert bound_html(fine, max_bytes=BIG).max_depth == MAX_DEPTH
    # thousands of unclosed <p>, <li> and void elements are normal HTML, not depth
    assert bound_html("<p>x<li>y<br><img src=a>" * 5000, max_bytes=BIG).max_depth == 0
    with pytest.raises(QuarantineError, match="nested"):
        bound_html("<span>" * (MAX_DEPTH + 1), max_bytes=BIG)


def test_unclosed_markup_does_not_break_the_scan() -> None:
    assert bound_html("<p>a < b and <div class='x'", max_bytes=BIG).html == "<p>a < b and <div class='x'"
    assert bound_html("<p>x<!-- never closed", max_bytes=BIG).html == "<p>x"
    assert bound_html("<p>x<script>never closed", max_bytes=BIG).html == "<p>x"


def test_many_open_brackets_without_close_stay_linear() -> None:
    # would be quadratic if every "<" searched to the end again; the test only checks it finishes right
    html = "<a " * 200_000
    assert bound_html(html, max_bytes=BIG).html == html
