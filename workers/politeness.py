"""Shared state: per-host politeness gates and a robots.txt cache, in Redis, shared by every worker.

`HostGate.acquire(host)` → 0.0 (go now: a concurrency slot is leased and the next start time is
reserved, in one Lua script so two processes can never both pass) or seconds to wait (re-queue).
Leases expire, so a killed worker frees its slot after `lease_s`. Times come from the Redis server
clock (`TIME`), so workers on machines with skewed clocks still agree.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from workers.fetch.robots import Robots, parse_robots, robots_url

# Crawl-delay is honoured up to this many seconds: beyond it a site would hold a worker's task in
# re-queue loops for hours; we would rather fetch slowly than not at all. Caller may lower it.
MAX_CRAWL_DELAY_S = 120.0
# RFC 9309 asks not to use a cached robots.txt for more than 24 hours; callers pass this as ttl_s.
DEFAULT_ROBOTS_TTL_S = 6 * 3600
PARSED_ROBOTS_KEPT = 512  # origins whose parsed robots.txt one process keeps

_ACQUIRE = """
-- KEYS[1] leases: zset token -> lease expiry; KEYS[2] next: earliest next start; KEYS[3] delay override
-- ARGV: token, min_delay_s, max_concurrency, lease_s
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local delay = tonumber(ARGV[2])
local override = tonumber(redis.call('GET', KEYS[3]) or '')
if override and override > delay then delay = override end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '')
if nxt and nxt > now then return tostring(nxt - now) end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  -- every slot is busy: look again after one delay, and never later than the first lease expires
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = math.max(delay, 0.1)
  local expiry = tonumber(first[2]) - now
  if expiry < wait then wait = expiry end
  return tostring(math.max(wait, 0.01))
end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(lease * 1000) + 1000)
if delay > 0 then
  redis.call('SET', KEYS[2], string.format('%.6f', now + delay), 'PX', math.ceil(delay * 1000) + 1000)
end
return '0'
"""


def _default_prefix() -> str:
    from workers.settings import get_settings

    return get_settings().key_prefix


def host_key(url: str) -> str:
    """The politeness key of a URL: host:port as written (two ports on one host are two sites)."""
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


class HostGate:
    """At most `max_concurrency` requests in flight per host, starts at least `min_delay_s` apart."""

    def __init__(self, redis_client: Any, *, min_delay_s: float, max_concurrency: int, lease_s: float,
                 key_prefix: str | None = None):
        if max_concurrency < 1 or lease_s <= 0 or min_delay_s < 0:
            raise ValueError("need max_concurrency >= 1, lease_s > 0, min_delay_s >= 0")
        self._redis = redis_client
        self._min_delay_s = min_delay_s
        self._max_concurrency = max_concurrency
        self._lease_s = lease_s
        self._prefix = (_default_prefix() if key_prefix is None else key_prefix) + "polite:"
        self._script = redis_client.register_script(_ACQUIRE)
        # Tokens of the leases this process holds, so release() frees ours and never another worker's.
        self._held: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _keys(self, host: str) -> list[str]:
        base = f"{self._prefix}{host.lower()}"
        return [f"{base}:leases", f"{base}:next", f"{base}:delay"]

    def acquire(self, host: str) -> float:
        """0.0 when the caller may fetch from `host` now (then it must call release), else seconds to wait."""
        token = uuid.uuid4().hex
        raw = self._script(keys=self._keys(host),
                           args=[token, self._min_delay_s, self._max_concurrency, self._lease_s])
        wait = float(raw)
        if wait <= 0:
            with self._lock:
                self._held.setdefault(host.lower(), []).append(token)
            return 0.0
        return wait

    def release(self, host: str) -> None:
        """Give back one slot this process acquired for `host`; a no-op when it holds none."""
        with self._lock:
            tokens = self._held.get(host.lower())
            if not tokens:
                return
            token = tokens.pop(0)
        self._redis.zrem(self._keys(host)[0], token)

    def set_delay(self, host: str, delay_s: float, ttl_s: float) -> None:
        """Raise `host`'s delay (robots Crawl-delay) for `ttl_s`; at or below min_delay_s it is cleared."""
        delay = min(delay_s, MAX_CRAWL_DELAY_S)
        key = self._keys(host)[2]
        if delay <= self._min_delay_s:
            self._redis.delete(key)
            return
        self._redis.set(key, f"{delay:.6f}", px=max(1, int(ttl_s * 1000)))

    def delay_s(self, host: str) -> float:
        """The delay currently applied to `host`."""
        raw = self._redis.get(self._keys(host)[2])
        return max(self._min_delay_s, float(raw)) if raw is not None else self._min_delay_s


class RobotsCache:
    """robots.txt bodies per origin in Redis for `ttl_s`; `fetch(robots_url) -> bytes` is injected.

    `fetch` returns b"" for "no robots.txt" and raises TransientError when the site cannot be asked
    now (nothing is cached then, so the next call asks again). A Crawl-delay for `user_agent` raises
    the host's delay in `gate`, for as long as the body is cached.
    """

    def __init__(self, redis_client: Any, ttl_s: float, *, fetch: Callable[[str], bytes], user_agent: str,
                 gate: HostGate | None = None, key_prefix: str | None = None):
        self._redis = redis_client
        self._ttl_s = ttl_s
        self._fetch = fetch
        self._user_agent = user_agent
        self._gate = gate
        self._prefix = (_default_prefix() if key_prefix is None else key_prefix) + "robots:"
        # Parsed rules per origin, reused while Redis still holds the same body (a big robots.txt
        # would otherwise be parsed again for every page of its site).
        self._parsed: dict[str, tuple[bytes, Robots]] = {}

    def rules(self, url: str) -> Robots:
        where = robots_url(url)
        key = self._prefix + where
        body = self._redis.get(key)
        if body is None:
            body = self._fetch(where)
            self._redis.set(key, body, px=max(1, int(self._ttl_s * 1000)))
            robots = self._parse(where, body)
            delay = robots.crawl_delay(self._user_agent)
            if self._gate is not None and delay is not None:
                self._gate.set_delay(host_key(url), delay, self._ttl_s)
            return robots
        return self._parse(where, body)

    def _parse(self, where: str, body: bytes) -> Robots:
        cached = self._parsed.get(where)
        if cached is not None and cached[0] == body:
            return cached[1]
        robots = parse_robots(body)
        if len(self._parsed) >= PARSED_ROBOTS_KEPT:
            self._parsed.pop(next(iter(self._parsed)))  # oldest first: dicts keep insertion order
        self._parsed[where] = (body, robots)
        return robots

    def allowed(self, url: str) -> bool:
        return self.rules(url).allowed(url, self._user_agent)
