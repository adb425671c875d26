"""Replay server and corpus: feeds with {base} substituted, conditional GET, legacy charsets, 404, log."""

from __future__ import annotations

import io
import re
import shutil
import threading
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpx
import pytest

from workers.devtools.replay import ReplayServer, load_manifest

CORPUS = Path(__file__).resolve().parents[2] / "seeds" / "replay"


def _manifest() -> dict[str, Any]:
    with (CORPUS / "manifest.toml").open("rb") as fh:
        return tomllib.load(fh)


MANIFEST = _manifest()
PAGES = MANIFEST["page"]
FEEDS = MANIFEST["feed"]


def _file(path: str) -> bytes:
    return (CORPUS / "sites" / path.lstrip("/")).read_bytes()


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with ReplayServer(CORPUS) as srv:
        yield srv


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy variable in the environment must not divert loopback requests
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


# ---------------------------------------------------------------- serving


def test_binds_loopback_on_an_ephemeral_port(server: ReplayServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
    assert not server.base_url.endswith(":0")


def test_refuses_a_non_loopback_address() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ReplayServer(CORPUS, host="0.0.0.0")


@pytest.mark.parametrize("feed", FEEDS, ids=[f["format"] for f in FEEDS])
def test_feeds_are_served_with_base_substituted(
    server: ReplayServer, client: httpx.Client, feed: dict[str, Any]
) -> None:
    assert server.url(feed["path"]) in server.feed_urls()
    resp = client.get(server.url(feed["path"]))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == feed["content_type"]
    assert b"{base}" not in resp.content
    assert resp.content == _file(feed["path"]).replace(b"{base}", server.base_url.encode())

    parsed = feedparser.parse(io.BytesIO(resp.content), response_headers=dict(resp.headers))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == {"rss2": "rss20", "atom": "atom10", "rss1": "rss10"}[feed["format"]]
    assert len(parsed.entries) == feed["expected_entries"]
    for entry in parsed.entries:
        assert entry.link.startswith(server.base_url + "/"), entry.link


def test_every_feed_link_is_a_page_a_duplicate_or_a_known_404(
    server: ReplayServer, client: httpx.Client
) -> None:
    pages = {p["path"] for p in PAGES}
    missing = {m["path"] for m in MANIFEST["missing"]}
    duplicates = {d["link"].replace("{base}", server.base_url) for d in MANIFEST["duplicate"]}
    seen: set[str] = set()
    for url in server.feed_urls():
        parsed = feedparser.parse(io.BytesIO(client.get(url).content))
        for entry in parsed.entries:
            path = entry.link.removeprefix(server.base_url)
            if entry.link in duplicates:
                continue
            assert path in pages | missing, entry.link
            seen.add(path)
    assert seen == pages | missing, "every page is reachable from some feed"


def test_tracking_query_reaches_the_same_page(server: ReplayServer, client: httpx.Client) -> None:
    dup = MANIFEST["duplicate"][0]
    # the fragment never goes on the wire; the query does and must not change the answer
    link = dup["link"].replace("{base}", server.base_url).split("#", 1)[0]
    canonical = dup["canonical"].replace("{base}", server.base_url)
    assert link != canonical
    a, b = client.get(link), client.get(canonical)
    assert a.status_code == b.status_code == 200
    assert a.content == b.content
    assert a.headers["etag"] == b.headers["etag"]


def test_unknown_and_missing_paths_are_404(server: ReplayServer, client: httpx.Client) -> None:
    for path in ["/nowhere.html", "/akorda/ru/president", *(m["path"] for m in MANIFEST["missing"])]:
        resp = client.get(server.url(path))
        assert resp.status_code == 404, path
        assert "etag" not in resp.headers


def test_listing_pattern_selects_the_articles_and_nothing_else(
    server: ReplayServer, client: httpx.Client
) -> None:
    (listing,) = MANIFEST["listing"]
    ((url, pattern),) = server.listings()
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == listing["content_type"]
    hrefs = re.findall(r'href="([^"]+)"', resp.text)
    absolute = {urljoin(url, h) for h in hrefs}
    articles = {u for u in absolute if re.match(pattern, u)}
    assert len(articles) == listing["expected_links"]
    expected = {p["path"] for p in PAGES if p["site"] == listing["site"]}
    expected |= {m["path"] for m in MANIFEST["missing"]}
    assert {u.removeprefix(server.base_url) for u in articles} == expected
    # navigation, pager and the listing itself are on the page but are not articles
    assert len(absolute) > len(articles)
    assert url not in articles


def test_head_sends_headers_without_body(server: ReplayServer, client: httpx.Client) -> None:
    page = PAGES[0]
    full = client.get(server.url(page["path"]))
    head = client.head(server.url(page["path"]))
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["etag"] == full.headers["etag"]


# ---------------------------------------------------------------- conditional GET


def test_matching_etag_gives_304_without_body(server: ReplayServer, client: httpx.Client) -> None:
    url = server.feed_urls()[0]
    first = client.get(url)
    etag = first.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["last-modified"] == first.headers["last-modified"]
    # weak form and lists match too; a stale tag does not
    assert client.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_etags_differ_per_file(server: ReplayServer, client: httpx.Client) -> None:
    tags = {client.get(server.url(p["path"])).headers["etag"] for p in PAGES}
    assert len(tags) == len(PAGES)


def test_if_modified_since(server: ReplayServer, client: httpx.Client) -> None:
    feed = FEEDS[1]
    url = server.url(feed["path"])
    last_modified = client.get(url).headers["last-modified"]
    stamp = parsedate_to_datetime(last_modified)
    assert stamp == datetime.fromisoformat(feed["last_modified"]).astimezone(UTC)
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = format_datetime(stamp.replace(year=stamp.year - 1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match wins: a stale tag means 200 even when the date alone would give 304
    both = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert client.get(url, headers=both).status_code == 200


# ---------------------------------------------------------------- legacy charsets


LEGACY = [p for p in PAGES if p["encoding"] != "utf-8"]


def test_corpus_has_the_promised_charset_cases() -> None:
    encodings = {(p["encoding"], p["charset_source"]) for p in PAGES}
    assert ("windows-1251", "header+meta") in encodings
    assert ("windows-1251", "meta") in encodings
    assert ("koi8-r", "header+meta") in encodings


@pytest.mark.parametrize("page", LEGACY, ids=[f"{p['encoding']}-{p['charset_source']}" for p in LEGACY])
def test_legacy_pages_are_served_byte_exact(
    server: ReplayServer, client: httpx.Client, page: dict[str, Any]
) -> None:
    resp = client.get(server.url(page["path"]))
    raw = _file(page["path"])
    assert resp.headers["content-type"] == page["content_type"]
    assert ("charset=" in page["content_type"]) == (page["charset_source"] == "header+meta")
    # only the ASCII placeholder changed; the Cyrillic bytes were never decoded and re-encoded
    assert b"{base}" in raw
    assert resp.content == raw.replace(b"{base}", server.base_url.encode())
    with pytest.raises(UnicodeDecodeError):
        resp.content.decode("utf-8")
    assert page["title"] in resp.content.decode(page["encoding"])


# ---------------------------------------------------------------- corpus integrity


@pytest.mark.parametrize("page", PAGES, ids=[p["path"].rsplit("/", 1)[1] for p in PAGES])
def test_page_declares_its_encoding_and_decodes_strictly(page: dict[str, Any]) -> None:
    text = _file(page["path"]).decode(page["encoding"])  # strict: raises on a wrong byte
    head = text[: text.index("</head>")].lower()
    declared = re.findall(r"charset=[\"']?([a-z0-9_-]+)", head)
    assert declared == [page["encoding"]], declared
    assert page["title"] in text
    # links in the corpus stay on the replay server: absolute ones use the placeholder
    for target in re.findall(r"""(?:href|src)=["']([^"']+)""", text):
        assert target.startswith(("{base}/", "/", "#")), target


def test_corpus_mix_of_relevant_and_negative_items() -> None:
    relevant = [p for p in PAGES if p["relevant"]]
    negative = [p for p in PAGES if not p["relevant"]]
    assert 12 <= len(PAGES) <= 16
    assert len(relevant) >= len(PAGES) // 2
    topics = {p["topic"] for p in negative}
    assert {"hard_negative_kz_ru", "hard_negative_cn_third", "domestic"} <= topics
    assert len({p["site"] for p in PAGES}) == 3
    assert {f["format"] for f in FEEDS} == {"rss2", "atom", "rss1"}
    assert len(FEEDS) == 3


def test_published_dates_are_recent_and_not_in_the_future() -> None:
    for page in PAGES:
        day = datetime.fromisoformat(page["published"]).date()
        assert datetime(2026, 9, 1).date() <= day <= datetime(2026, 11, 25).date(), page["path"]


# ---------------------------------------------------------------- log, overrides, manifest errors


def test_request_log_records_method_path_and_headers(server: ReplayServer, client: httpx.Client) -> None:
    server.clear_log()
    path = PAGES[2]["path"] + "?utm_source=x"
    client.get(server.url(path), headers={"If-None-Match": '"abc"', "User-Agent": "silkwire-test"})
    client.head(server.url("/nowhere"))
    log = server.request_log
    assert [(method, p) for _, method, p, _ in log] == [("GET", path), ("HEAD", "/nowhere")]
    headers = {k.lower(): v for k, v in log[0][3].items()}
    assert headers["if-none-match"] == '"abc"'
    assert headers["user-agent"] == "silkwire-test"
    assert log[0][0] <= log[1][0]
    # request_log is a snapshot: mutating it leaves the server's log alone
    log.clear()
    assert len(server.request_log) == 2


def test_request_log_is_complete_under_concurrency(server: ReplayServer) -> None:
    server.clear_log()
    urls = [server.url(p["path"]) for p in PAGES]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with httpx.Client(trust_env=False, timeout=10) as c:
                for url in urls:
                    c.get(url).raise_for_status()
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(server.request_log) == 4 * len(urls)


def test_respond_overrides_a_path_on_demand(server: ReplayServer, client: httpx.Client) -> None:
    url = server.feed_urls()[2]
    path = FEEDS[2]["path"]
    server.respond(path, 503, b"busy", {"Retry-After": "7"})
    try:
        resp = client.get(url)
        assert resp.status_code == 503
        assert resp.headers["retry-after"] == "7"
        assert resp.content == b"busy"
    finally:
        server.clear_responses()
    assert client.get(url).status_code == 200


def test_manifest_naming_an_absent_file_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "replay"
    shutil.copytree(CORPUS, root)
    victim = root / "sites" / PAGES[0]["path"].lstrip("/")
    victim.unlink()
    with pytest.raises(ValueError, match="does not exist"):
        load_manifest(root)


def test_placeholder_in_a_non_ascii_compatible_encoding_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "replay"
    (root / "sites").mkdir(parents=True)
    (root / "sites" / "p.html").write_bytes("<p>{base}</p>".encode("utf-16"))
    (root / "manifest.toml").write_text(
        '[[page]]\npath = "/p.html"\nencoding = "utf-16"\ncontent_type = "text/html; charset=utf-16"\n'
    )
    with pytest.raises(ValueError, match="placeholder"):
        load_manifest(root)
