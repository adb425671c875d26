"""robots.txt: RFC 9309 group selection, longest-match precedence, wildcards, Crawl-delay, fetching."""

from __future__ import annotations

import pytest

from tests.support.httpserver import Route, ScriptedServer
from workers.errors import TransientError
from workers.fetch.robots import Robots, fetch_robots_txt, parse_robots, product_token, robots_url
from workers.settings import Settings

UA = "SilkwireBot/0.1 (+https://github.com/silkwire/silkwire; news monitoring)"
SITE = "https://press.example.kz"

ROBOTS = b"""# comments and blank lines are ignored
User-agent: *
Disallow: /
Allow: /news/
Disallow: /news/*.pdf$
Disallow: /news/drafts
Crawl-delay: 2

User-agent: OtherBot
User-agent: ThirdBot
Disallow: /news/

User-agent: silkwirebot
Disallow: /private/
Allow: /private/press-releases/
Disallow: /*?print=
Crawl-delay: 4.5
"""


@pytest.fixture
def robots() -> Robots:
    return parse_robots(ROBOTS)


def test_product_token() -> None:
    assert product_token(UA) == "silkwirebot"
    assert product_token("Googlebot") == "googlebot"
    assert product_token("") == "*"


@pytest.mark.parametrize("path,allowed", [
    ("/", True),  # our own group has no rule for "/": the * group does not apply to us
    ("/private/x", False),
    ("/private/press-releases/2024", True),  # longer Allow beats shorter Disallow
    ("/news/a?print=1", False),  # wildcard
    ("/news/a?page=2", True),
    ("/robots.txt", True),
])
def test_our_group_is_used_exclusively(robots: Robots, path: str, allowed: bool) -> None:
    assert robots.allowed(SITE + path, UA) is allowed


@pytest.mark.parametrize("path,allowed", [
    ("/", False),
    ("/about", False),
    ("/news/", True),
    ("/news/2024/agreement.html", True),  # Allow /news/ (7 chars) beats Disallow / (1 char)
    ("/news/2024/agreement.pdf", False),  # $-anchored pattern
    ("/news/2024/agreement.pdf?x=1", True),  # ...which does not match with a query after it
    ("/news/drafts/1", False),
])
def test_star_group_for_other_agents(robots: Robots, path: str, allowed: bool) -> None:
    assert robots.allowed(SITE + path, "SomeCrawler/2.0") is allowed


def test_several_agents_share_one_group(robots: Robots) -> None:
    assert not robots.allowed(SITE + "/news/x", "ThirdBot")
    assert robots.allowed(SITE + "/other", "ThirdBot")


def test_crawl_delay_per_group(robots: Robots) -> None:
    assert robots.crawl_delay(UA) == 4.5
    assert robots.crawl_delay("Anyone") == 2.0
    assert robots.crawl_delay("OtherBot") is None


def test_equal_length_tie_goes_to_allow() -> None:
    r = parse_robots(b"User-agent: *\nDisallow: /page\nAllow: /page\n")
    assert r.allowed(SITE + "/page", UA)


def test_empty_disallow_and_empty_file_allow_everything() -> None:
    assert parse_robots(b"User-agent: *\nDisallow:\n").allowed(SITE + "/x", UA)
    assert parse_robots(b"").allowed(SITE + "/x", UA)
    assert parse_robots(b"\x89PNG garbage \xff\xfe").allowed(SITE + "/x", UA)


def test_rules_before_any_user_agent_are_ignored() -> None:
    assert parse_robots(b"Disallow: /\nUser-agent: *\nDisallow: /x\n").allowed(SITE + "/y", UA)


def test_percent_encoding_and_non_ascii_paths_compare_alike() -> None:
    r = parse_robots("User-agent: *\nDisallow: /новости/архив\nDisallow: /a%2fb\n".encode())
    assert not r.allowed(SITE + "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D0%B0%D1%80%D1%85%D0%B8%D0%B2/1", UA)
    assert not r.allowed(SITE + "/новости/архив/2", UA)
    assert not r.allowed(SITE + "/a%2Fb", UA)
    assert r.allowed(SITE + "/новости/сегодня", UA)


def test_bom_and_crlf_line_ends() -> None:
    r = parse_robots(b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /secret\r\n")
    assert not r.allowed(SITE + "/secret/1", UA)


def test_robots_url_keeps_scheme_host_and_port() -> None:
    assert robots_url("HTTP://Example.KZ:8080/a/b?c#d") == "http://example.kz:8080/robots.txt"


# --- fetching ---------------------------------------------------------------------------------

def settings() -> Settings:
    return Settings(allow_private_hosts=["127.0.0.1"], total_deadline_s=5.0)


def test_fetch_returns_the_body() -> None:
    with ScriptedServer({"/robots.txt": Route(body=b"User-agent: *\nDisallow: /x\n")}) as srv:
        body = fetch_robots_txt(srv.url("/some/page"), settings=settings())
    assert not parse_robots(body).allowed(srv.url("/x"), UA)


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_missing_or_forbidden_robots_means_no_rules(status: int) -> None:
    with ScriptedServer({"/robots.txt": Route(status=status)}) as srv:
        assert fetch_robots_txt(srv.url("/page"), settings=settings()) == b""


@pytest.mark.parametrize("status", [500, 503])
def test_unreachable_robots_is_transient(status: int) -> None:
    with ScriptedServer({"/robots.txt": Route(status=status)}) as srv, pytest.raises(TransientError):
        fetch_robots_txt(srv.url("/page"), settings=settings())


def test_robots_redirect_is_followed() -> None:
    with ScriptedServer() as srv:
        srv.route("/robots.txt", Route(status=301, headers={"Location": "/static/robots.txt"}))
        srv.route("/static/robots.txt", Route(body=b"User-agent: *\nDisallow: /\n"))
        assert not parse_robots(fetch_robots_txt(srv.url("/"), settings=settings())).allowed(srv.url("/a"), UA)
