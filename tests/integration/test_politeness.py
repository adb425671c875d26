"""HostGate and RobotsCache against the real Redis; two OS processes hammering one local server."""

from __future__ import annotations

import itertools
import multiprocessing
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.httpserver import LoggedRequest, Route, ScriptedServer
from tests.support.services import require_service
from tests.support.settings import SETTINGS
from workers.errors import TransientError
from workers.fetch.politeness import MAX_CRAWL_DELAY_S, HostGate, RobotsCache, host_key

pytestmark = pytest.mark.integration

UA = "SilkwireBot/0.1 (+https://github.com/silkwire/silkwire)"


@pytest.fixture
def redis_conn() -> Iterator[Any]:
    require_service("Redis", 6379)
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_conn: Any) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"{SETTINGS.key_prefix}{uuid.uuid4().hex[:8]}:"
    yield value
    for key in redis_conn.scan_iter(match=f"{value}*", count=1000):
        redis_conn.delete(key)


def gate(redis_conn: Any, prefix: str, **kw: Any) -> HostGate:
    args: dict[str, Any] = {"min_delay_s": 0.0, "max_concurrency": 1, "lease_s": 30.0}
    args.update(kw)
    return HostGate(redis_conn, key_prefix=prefix, **args)


def test_second_caller_waits_for_the_delay(redis_conn: Any, prefix: str) -> None:
    g = gate(redis_conn, prefix, min_delay_s=5.0, max_concurrency=4)
    assert g.acquire("a.example") == 0.0
    wait = g.acquire("a.example")
    assert 4.0 < wait <= 5.0
    assert g.acquire("b.example") == 0.0  # another host is not held up


def test_concurrency_cap_and_release(redis_conn: Any, prefix: str) -> None:
    g = gate(redis_conn, prefix, max_concurrency=2)
    assert g.acquire("h") == 0.0
    assert g.acquire("h") == 0.0
    assert g.acquire("h") > 0
    g.release("h")
    assert g.acquire("h") == 0.0


def test_release_frees_only_this_processs_lease(redis_conn: Any, prefix: str) -> None:
    mine, other = gate(redis_conn, prefix), gate(redis_conn, prefix)
    assert mine.acquire("h") == 0.0
    other.release("h")  # holds nothing: must not free the slot held by `mine`
    assert other.acquire("h") > 0
    mine.release("h")
    assert other.acquire("h") == 0.0


def test_lease_of_a_killed_worker_expires(redis_conn: Any, prefix: str) -> None:
    dead = gate(redis_conn, prefix, lease_s=0.3)
    assert dead.acquire("h") == 0.0  # ...and never releases
    survivor = gate(redis_conn, prefix, lease_s=0.3)
    waits = [survivor.acquire("h")]
    assert 0 < waits[0] <= 0.3  # never told to wait past the lease's end
    while waits[-1] > 0 and len(waits) < 50:
        time.sleep(waits[-1])
        waits.append(survivor.acquire("h"))
    assert waits[-1] == 0.0  # the slot came back without anyone releasing it


def test_busy_host_wait_follows_the_usual_request_duration(redis_conn: Any, prefix: str) -> None:
    g = gate(redis_conn, prefix, max_concurrency=1)
    assert g.acquire("h") == 0.0
    assert g.acquire("h") == pytest.approx(0.1)  # no history yet: look again shortly
    time.sleep(0.5)  # a request that takes half a second
    g.release("h")
    assert g.acquire("h") == 0.0
    # Now the slot is expected back about half a second after it was taken, not in 0.1 s.
    assert 0.3 < g.acquire("h") <= 30


def test_crawl_delay_raises_the_hosts_delay(redis_conn: Any, prefix: str) -> None:
    g = gate(redis_conn, prefix, min_delay_s=1.0, max_concurrency=4)
    g.set_delay("slow.example", 8.0, ttl_s=60)
    assert g.delay_s("slow.example") == 8.0
    assert g.acquire("slow.example") == 0.0
    assert 7.0 < g.acquire("slow.example") <= 8.0
    g.set_delay("huge.example", 10_000, ttl_s=60)
    assert g.delay_s("huge.example") == MAX_CRAWL_DELAY_S
    g.set_delay("fast.example", 0.1, ttl_s=60)  # below our own minimum: ours stays
    assert g.delay_s("fast.example") == 1.0


def test_host_key_is_host_and_port() -> None:
    assert host_key("http://user@Example.KZ:8080/a") == "example.kz:8080"
    assert host_key("https://example.kz/a") != host_key("https://example.kz:8443/a")


def test_robots_cache_fetches_once_and_applies_crawl_delay(redis_conn: Any, prefix: str) -> None:
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return b"User-agent: *\nDisallow: /private/\nCrawl-delay: 6\n"

    g = gate(redis_conn, prefix, min_delay_s=1.0)
    cache = RobotsCache(redis_conn, 60, fetch=fetch, user_agent=UA, gate=g, key_prefix=prefix)
    assert cache.allowed("https://site.example/news/1")
    assert not cache.allowed("https://site.example/private/1")
    assert calls == ["https://site.example/robots.txt"]
    assert g.delay_s("site.example") == 6.0
    # A second cache object (another worker process) reads the same stored body.
    other = RobotsCache(redis_conn, 60, fetch=fetch, user_agent=UA, key_prefix=prefix)
    assert not other.allowed("https://site.example/private/2")
    assert len(calls) == 1
    assert other.allowed("https://other.example/news/2")  # another origin: fetched on its own
    assert calls[1:] == ["https://other.example/robots.txt"]


def test_robots_cache_does_not_store_a_transient_failure(redis_conn: Any, prefix: str) -> None:
    answers: list[bytes | Exception] = [TransientError("HTTP 503"), b"User-agent: *\nDisallow: /\n"]

    def fetch(url: str) -> bytes:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cache = RobotsCache(redis_conn, 60, fetch=fetch, user_agent=UA, key_prefix=prefix)
    with pytest.raises(TransientError):
        cache.allowed("https://site.example/a")
    assert not cache.allowed("https://site.example/a")


def test_robots_cache_entry_expires(redis_conn: Any, prefix: str) -> None:
    bodies = [b"User-agent: *\nDisallow: /\n", b""]
    cache = RobotsCache(redis_conn, 0.2, fetch=lambda url: bodies.pop(0), user_agent=UA, key_prefix=prefix)
    assert not cache.allowed("https://site.example/a")
    time.sleep(0.3)
    assert cache.allowed("https://site.example/a")


def test_robots_cache_reads_the_shared_body_again_only_after_its_local_window(redis_conn: Any, prefix: str) -> None:
    bodies = [b"User-agent: *\nDisallow: /\n"]
    cache = RobotsCache(redis_conn, 60, fetch=lambda url: bodies.pop(0), user_agent=UA, key_prefix=prefix,
                        local_s=0.3)
    assert not cache.allowed("https://site.example/a")
    # another process stored a newer robots.txt for the origin
    redis_conn.set(f"{prefix}robots:https://site.example/robots.txt", b"User-agent: *\nAllow: /\n")
    assert not cache.allowed("https://site.example/a")  # this process's copy, no Redis read
    time.sleep(0.4)
    assert cache.allowed("https://site.example/a")


# --- two processes, one host -----------------------------------------------------------------

MIN_DELAY_S = 0.4
MAX_CONCURRENCY = 2
RESPONSE_S = 1.0  # longer than two delays: without the cap three requests would overlap
PER_WORKER = 6
# The gate orders request *starts* on the Redis clock; the server logs them a few ms later, and that
# latency differs between requests. This is the allowance for that difference, not for the gate.
LATENCY_ALLOWANCE_S = 0.04


def _hammer(url: str, warm_url: str, prefix: str, count: int, ready: Any) -> None:
    import redis

    from workers.fetch.http import fetch_url
    from workers.settings import Settings

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    g = HostGate(client, min_delay_s=MIN_DELAY_S, max_concurrency=MAX_CONCURRENCY, lease_s=30, key_prefix=prefix)
    settings = Settings(allow_private_hosts=["127.0.0.1"], total_deadline_s=10)
    host = host_key(url)
    # First-call costs (TLS context, lazy imports) would otherwise land between one process's
    # acquire and its request, and a freshly spawned process competes for the CPU while it imports.
    fetch_url(warm_url, settings=settings)
    ready.wait(timeout=60)
    done = 0
    while done < count:
        wait = g.acquire(host)
        if wait > 0:
            time.sleep(wait)  # what a re-queued task with this countdown does
            continue
        try:
            fetch_url(url, settings=settings)
        finally:
            g.release(host)
        done += 1


def max_overlap(requests: list[LoggedRequest]) -> int:
    events = sorted([(r.started, 1) for r in requests] + [(r.finished, -1) for r in requests])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def test_two_processes_respect_delay_and_concurrency(redis_conn: Any, prefix: str) -> None:
    # Given one slow host and two worker processes sharing a gate through Redis
    with ScriptedServer({"/page": Route(body=b"ok", delay_s=RESPONSE_S)}) as srv, \
            ScriptedServer({"/warm": Route(body=b"ok")}) as warm:
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Barrier(2)
        workers = [ctx.Process(target=_hammer, args=(srv.url("/page"), warm.url("/warm"), prefix, PER_WORKER, ready))
                   for _ in range(2)]
        # When both fetch as fast as the gate lets them
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        assert [w.exitcode for w in workers] == [0, 0]
        log = sorted(srv.requests, key=lambda r: r.started)

    # Expect every request served, starts spaced by the delay, never more than the cap in flight
    assert len(log) == 2 * PER_WORKER
    gaps = [b.started - a.started for a, b in itertools.pairwise(log)]
    assert min(gaps) >= MIN_DELAY_S - LATENCY_ALLOWANCE_S, gaps
    assert max_overlap(log) <= MAX_CONCURRENCY
    assert max_overlap(log) == MAX_CONCURRENCY  # the cap was reached, so it was what held the third back
