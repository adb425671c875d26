"""fetch_url against a scripted server on 127.0.0.1: statuses, validators, redirects, limits, deadline."""

from __future__ import annotations

import gzip
import random
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import brotli
import pytest

from tests.support.httpserver import Route, ScriptedServer
from workers.errors import PermanentError, TransientError
from workers.fetch.http import fetch_url, parse_retry_after
from workers.settings import Settings


def make_settings(**overrides: object) -> Settings:
    base: dict[str, object] = {
        "allow_private_hosts": ["127.0.0.1"],
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "total_deadline_s": 5.0,
    }
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def srv() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


def zeros_compressed(coding: str, total: int, chunk: int = 1_000_000) -> bytes:
    """`total` zero bytes compressed without ever holding them all (a bomb built in the test)."""
    zero = b"\0" * chunk
    if coding == "br":
        comp = brotli.Compressor(quality=1)
        parts = [comp.process(zero) for _ in range(total // chunk)]
        return b"".join([*parts, comp.finish()])
    wbits = {"gzip": 31, "deflate": 15}[coding]
    zobj = zlib.compressobj(6, zlib.DEFLATED, wbits)
    parts = [zobj.compress(zero) for _ in range(total // chunk)]
    return b"".join([*parts, zobj.flush()])


# --- plain answers ---------------------------------------------------------------------------

def test_200_returns_body_headers_and_sends_our_user_agent(srv: ScriptedServer) -> None:
    headers = {"Content-Type": "text/html", "X-A": "1"}
    url = srv.route("/page", Route(body=b"<html>ok</html>", headers=headers))
    s = make_settings(user_agent="TestBot/9")
    resp = fetch_url(url, settings=s, accept="text/html")
    assert (resp.status, resp.body, resp.url, resp.redirects) == (200, b"<html>ok</html>", url, ())
    assert resp.headers["content-type"] == "text/html" and resp.headers["x-a"] == "1"
    sent = srv.requests[0].headers
    assert sent["user-agent"] == "TestBot/9"
    assert sent["accept"] == "text/html"
    assert sent["host"] == f"127.0.0.1:{srv.port}"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_304_when_validators_match(srv: ScriptedServer) -> None:
    def conditional(req: object) -> Route:
        headers = req.headers  # type: ignore[attr-defined]
        if headers.get("if-none-match") == '"v1"' or headers.get("if-modified-since") == "Mon, 01 Jan 2024":
            return Route(status=304, content_length=None)
        return Route(body=b"fresh", headers={"ETag": '"v1"'})

    url = srv.route("/feed", conditional)
    s = make_settings()
    first = fetch_url(url, settings=s)
    assert (first.status, first.body, first.headers["etag"]) == (200, b"fresh", '"v1"')
    again = fetch_url(url, settings=s, etag=first.headers["etag"])
    assert (again.status, again.body, again.not_modified) == (304, b"", True)
    by_date = fetch_url(url, settings=s, last_modified="Mon, 01 Jan 2024")
    assert by_date.status == 304
    assert srv.requests[1].headers["if-none-match"] == '"v1"'
    assert srv.requests[2].headers["if-modified-since"] == "Mon, 01 Jan 2024"


# --- redirects -------------------------------------------------------------------------------

def test_redirect_chain_with_relative_locations_is_recorded(srv: ScriptedServer) -> None:
    srv.route("/a", Route(status=301, headers={"Location": "/b/"}))
    srv.route("/b/", Route(status=302, headers={"Location": "c?x=1"}))  # relative to /b/
    srv.route("/b/c?x=1", Route(status=307, headers={"Location": srv.url("/final")}))
    srv.route("/final", Route(body=b"done"))
    resp = fetch_url(srv.url("/a"), settings=make_settings())
    assert resp.body == b"done"
    assert resp.url == srv.url("/final")
    assert resp.redirects == ((301, srv.url("/b/")), (302, srv.url("/b/c?x=1")), (307, srv.url("/final")))
    assert [r.path for r in srv.requests] == ["/a", "/b/", "/b/c?x=1", "/final"]


def _chain(srv: ScriptedServer, hops: int) -> str:
    for i in range(hops):
        srv.route(f"/hop{i}", Route(status=302, headers={"Location": f"/hop{i + 1}"}))
    srv.route(f"/hop{hops}", Route(body=b"end"))
    return srv.url("/hop0")


def test_five_redirects_are_followed(srv: ScriptedServer) -> None:
    resp = fetch_url(_chain(srv, 5), settings=make_settings(max_redirects=5))
    assert resp.body == b"end" and len(resp.redirects) == 5


def test_six_redirects_are_refused(srv: ScriptedServer) -> None:
    with pytest.raises(PermanentError, match="redirects"):
        fetch_url(_chain(srv, 6), settings=make_settings(max_redirects=5))
    assert f"/hop{6}" not in [r.path for r in srv.requests]


def test_redirect_loop_is_refused(srv: ScriptedServer) -> None:
    srv.route("/loop", Route(status=302, headers={"Location": "/loop"}))
    with pytest.raises(PermanentError, match="redirects"):
        fetch_url(srv.url("/loop"), settings=make_settings())


@pytest.mark.parametrize("location", ["http://10.0.0.7/admin", "http://169.254.169.254/latest/meta-data/",
                                      "http://[::1]:8080/", "http://0x0a.0.0.7/", "http://100.64.1.1/"])
def test_redirect_to_a_refused_address_is_refused(srv: ScriptedServer, location: str) -> None:
    url = srv.route("/bounce", Route(status=302, headers={"Location": location}))
    with pytest.raises(PermanentError, match="refused"):
        fetch_url(url, settings=make_settings())


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1:70/"])
def test_redirect_to_another_scheme_is_refused(srv: ScriptedServer, location: str) -> None:
    url = srv.route("/bounce", Route(status=301, headers={"Location": location}))
    with pytest.raises(PermanentError, match="scheme"):
        fetch_url(url, settings=make_settings())


def test_redirect_without_location_is_permanent(srv: ScriptedServer) -> None:
    url = srv.route("/nowhere", Route(status=302))
    with pytest.raises(PermanentError) as info:
        fetch_url(url, settings=make_settings())
    assert info.value.status == 302


# --- error statuses --------------------------------------------------------------------------

@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_client_errors_are_permanent_with_status(srv: ScriptedServer, status: int) -> None:
    url = srv.route("/x", Route(status=status, body=b"no"))
    with pytest.raises(PermanentError) as info:
        fetch_url(url, settings=make_settings())
    assert info.value.status == status
    assert not isinstance(info.value, TransientError)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(srv: ScriptedServer, status: int) -> None:
    url = srv.route("/x", Route(status=status))
    with pytest.raises(TransientError) as info:
        fetch_url(url, settings=make_settings())
    assert info.value.status == status
    assert info.value.retry_after_s is None


def test_429_carries_retry_after_seconds(srv: ScriptedServer) -> None:
    url = srv.route("/busy", Route(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(TransientError) as info:
        fetch_url(url, settings=make_settings())
    assert (info.value.status, info.value.retry_after_s) == (429, 120.0)


def test_503_carries_retry_after_http_date(srv: ScriptedServer) -> None:
    when = datetime.now(UTC) + timedelta(minutes=10)
    url = srv.route("/maint", Route(status=503, headers={"Retry-After": format_datetime(when, usegmt=True)}))
    with pytest.raises(TransientError) as info:
        fetch_url(url, settings=make_settings())
    assert info.value.retry_after_s is not None
    assert 500 < info.value.retry_after_s <= 600


def test_parse_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0  # in the past: go now
    assert parse_retry_after("-5", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_connection_dropped_without_answer_is_transient(srv: ScriptedServer) -> None:
    url = srv.route("/drop", Route(abort=True))
    with pytest.raises(TransientError):
        fetch_url(url, settings=make_settings())


def test_body_cut_short_is_transient(srv: ScriptedServer) -> None:
    url = srv.route("/short", Route(body=b"x" * 10, content_length=1000))
    with pytest.raises(TransientError):
        fetch_url(url, settings=make_settings())


def test_nothing_listening_is_transient() -> None:
    with ScriptedServer() as gone:
        url = gone.url("/")
    with pytest.raises(TransientError, match="connection"):
        fetch_url(url, settings=make_settings())


# --- time limits -----------------------------------------------------------------------------

def test_slow_headers_hit_the_read_timeout(srv: ScriptedServer) -> None:
    url = srv.route("/slow", Route(body=b"late", delay_s=1.5))
    with pytest.raises(TransientError, match="timeout"):
        fetch_url(url, settings=make_settings(read_timeout_s=0.3, total_deadline_s=5.0))


def test_trickling_body_fails_at_the_total_deadline(srv: ScriptedServer) -> None:
    # Each byte arrives well within the read timeout, so only a total deadline can stop this.
    url = srv.route("/trickle", Route(body=b"x" * 200, trickle_s=0.1))
    with pytest.raises(TransientError, match="deadline"):
        fetch_url(url, settings=make_settings(read_timeout_s=2.0, total_deadline_s=1.0))


def test_trickle_that_finishes_within_the_deadline_is_fine(srv: ScriptedServer) -> None:
    url = srv.route("/trickle", Route(body=b"abcdef", trickle_s=0.02))
    assert fetch_url(url, settings=make_settings(total_deadline_s=5.0)).body == b"abcdef"


# --- size limits -----------------------------------------------------------------------------

def test_declared_oversized_body_is_refused(srv: ScriptedServer) -> None:
    url = srv.route("/big", Route(body=b"y" * 5000))
    with pytest.raises(PermanentError, match="exceeds") as info:
        fetch_url(url, settings=make_settings(), max_bytes=1000)
    assert info.value.status == 200


def test_undeclared_oversized_body_is_refused_while_streaming(srv: ScriptedServer) -> None:
    url = srv.route("/big", Route(body=b"y" * 50_000, content_length=None))
    with pytest.raises(PermanentError, match="exceeds"):
        fetch_url(url, settings=make_settings(max_page_bytes=10_000))


def test_max_bytes_default_is_the_page_limit(srv: ScriptedServer) -> None:
    url = srv.route("/mid", Route(body=b"y" * 3000))
    assert len(fetch_url(url, settings=make_settings(max_page_bytes=5000)).body) == 3000
    with pytest.raises(PermanentError):
        fetch_url(url, settings=make_settings(max_page_bytes=2000))


def test_compressed_body_over_the_wire_limit_is_refused(srv: ScriptedServer) -> None:
    noise = random.Random(7).randbytes(40_000)  # incompressible: the wire size stays ~40 KB
    url = srv.route("/noise", Route(body=gzip.compress(noise), headers={"Content-Encoding": "gzip"},
                                    content_length=None))
    with pytest.raises(PermanentError, match="on the wire"):
        fetch_url(url, settings=make_settings(max_compressed_bytes=10_000, max_page_bytes=1_000_000))


# --- content codings and bombs ---------------------------------------------------------------

TEXT = "Делегации обсудили логистику и транзит грузов через Хоргос. ".encode() * 200


@pytest.mark.parametrize("coding,packed", [
    ("gzip", gzip.compress(TEXT)),
    ("x-gzip", gzip.compress(TEXT)),
    ("deflate", zlib.compress(TEXT)),
    ("deflate", zlib.compress(TEXT, wbits=-15)),  # raw deflate, as some servers send it
    ("br", brotli.compress(TEXT)),
    ("identity", TEXT),
])
def test_content_codings_are_decoded(srv: ScriptedServer, coding: str, packed: bytes) -> None:
    url = srv.route("/c", Route(body=packed, headers={"Content-Encoding": coding}))
    assert fetch_url(url, settings=make_settings()).body == TEXT


def test_multi_member_gzip_is_decoded_whole(srv: ScriptedServer) -> None:
    url = srv.route("/mm", Route(body=gzip.compress(b"first ") + gzip.compress(b"second"),
                                 headers={"Content-Encoding": "gzip"}))
    assert fetch_url(url, settings=make_settings()).body == b"first second"


def test_stacked_codings_are_undone_in_reverse(srv: ScriptedServer) -> None:
    url = srv.route("/two", Route(body=brotli.compress(gzip.compress(TEXT)),
                                  headers={"Content-Encoding": "gzip, br"}))
    assert fetch_url(url, settings=make_settings()).body == TEXT


def test_corrupt_gzip_is_permanent(srv: ScriptedServer) -> None:
    url = srv.route("/bad", Route(body=b"\x1f\x8b\x08\x00garbage-not-gzip",
                                  headers={"Content-Encoding": "gzip"}))
    with pytest.raises(PermanentError, match="gzip"):
        fetch_url(url, settings=make_settings())


def test_unknown_coding_is_permanent(srv: ScriptedServer) -> None:
    url = srv.route("/zstd", Route(body=b"\x28\xb5\x2f\xfd", headers={"Content-Encoding": "zstd"}))
    with pytest.raises(PermanentError, match="zstd"):
        fetch_url(url, settings=make_settings())


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_decompression_bomb_is_stopped_early(srv: ScriptedServer, coding: str) -> None:
    bomb = zeros_compressed(coding, 100_000_000)  # 100 MB of zeros, ~100 KB (gzip) or ~20 KB (br) on the wire
    assert len(bomb) < 200_000
    url = srv.route("/bomb", Route(body=bomb, headers={"Content-Encoding": coding}))
    tracemalloc.start()
    try:
        with pytest.raises(PermanentError, match="exceeds 1000000 bytes"):
            fetch_url(url, settings=make_settings(), max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Stopped after about the limit: inflating the bomb whole would have needed 100 MB.
    assert peak < 12_000_000


# --- schemes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed.xml", "file:///etc/passwd", "gopher://127.0.0.1/",
                                 "javascript:alert(1)", "data:text/html,hi", "//127.0.0.1/x", "127.0.0.1/x",
                                 "dict://127.0.0.1:11211/"])
def test_non_http_schemes_are_refused(url: str) -> None:
    with pytest.raises(PermanentError, match="scheme"):
        fetch_url(url, settings=make_settings())


def test_fragment_is_not_sent_and_non_ascii_path_is_encoded(srv: ScriptedServer) -> None:
    encoded = "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8?q=%D0%9A%D0%B8%D1%82%D0%B0%D0%B9"
    srv.route(encoded, Route(body=b"ok"))
    resp = fetch_url(srv.url("/новости?q=Китай#part"), settings=make_settings())
    assert resp.body == b"ok"
    assert [r.path for r in srv.requests] == [encoded]


@pytest.mark.parametrize("coding,packed", [("gzip", gzip.compress(TEXT)), ("br", brotli.compress(TEXT))])
def test_compressed_body_cut_before_its_end_is_transient(srv: ScriptedServer, coding: str, packed: bytes) -> None:
    # No Content-Length: only the compressed stream's own end marker shows the body is incomplete.
    url = srv.route("/cut", Route(body=packed[: len(packed) // 2], headers={"Content-Encoding": coding},
                                  content_length=None))
    with pytest.raises(TransientError, match="cut short"):
        fetch_url(url, settings=make_settings())


def test_scripted_sequence_503_then_200(srv: ScriptedServer) -> None:
    url = srv.route("/flaky", [Route(status=503, headers={"Retry-After": "1"}), Route(body=b"back")])
    with pytest.raises(TransientError) as info:
        fetch_url(url, settings=make_settings())
    assert info.value.retry_after_s == 1.0
    assert fetch_url(url, settings=make_settings()).body == b"back"
    assert fetch_url(url, settings=make_settings()).body == b"back"  # the last step repeats
    assert [r.path for r in srv.requests] == ["/flaky"] * 3
    assert all(r.started <= r.finished for r in srv.requests)
