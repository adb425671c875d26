"""Politeness, in one place: per-host gates and a robots.txt cache in Redis, shared by every worker, and the
per-process pair a worker builds from its settings (`for_process`). Rules are parsed in workers.fetch.robots.
The Redis client is handed in, so this module imports no service library (the layer table's shared state).

`HostGate.acquire(host)` → 0.0 (go now: a concurrency slot is leased and the next start time is
reserved, in one Lua script so two processes can never both pass) or seconds to wait (re-queue).
Leases expire, so a killed worker frees its slot after `lease_s`. Times come from the Redis server
clock (`TIME`), so workers on machines with skewed clocks still agree.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from workers.fetch.robots import Robots, fetch_robots_txt, parse_robots, robots_url
from workers.settings import Settings

# Crawl-delay is honoured up to this many seconds: beyond it a site would hold a worker's task in
# re-queue loops for hours; we would rather fetch slowly than not at all. Caller may lower it.
MAX_CRAWL_DELAY_S = 120.0
# RFC 9309 asks not to use a cached robots.txt for more than 24 hours; callers pass this as ttl_s.
DEFAULT_ROBOTS_TTL_S = 6 * 3600
PARSED_ROBOTS_KEPT = 512  # origins whose parsed robots.txt one process keeps
# How long a process trusts its parsed copy before reading the shared body again: one Redis round
# trip per origin and minute instead of one per page; a changed robots.txt is seen within a minute.
ROBOTS_LOCAL_S = 60.0

_ACQUIRE = """
-- KEYS: 1 leases (zset token -> lease expiry), 2 next (earliest next start), 3 delay override,
--       4 starts (hash token -> start time), 5 dur (running mean of request durations)
-- ARGV: token, min_delay_s, max_concurrency, lease_s
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('HDEL', KEYS[4], unpack(expired))
end
local delay = tonumber(ARGV[2])
local override = tonumber(redis.call('GET', KEYS[3]) or '')
if override and override > delay then delay = override end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '')
if nxt and nxt > now then return tostring(nxt - now) end
local lease = tonumber(ARGV[4])
local held = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
if #held / 2 >= tonumber(ARGV[3]) then
  -- Every slot is busy. Come back when the first one should be free (its start + the usual
  -- duration); without a duration yet, after one delay; never after the first lease expires.
  local wait = math.max(delay, 0.1)
  local dur = tonumber(redis.call('GET', KEYS[5]) or '')
  if dur then
    local soonest = nil
    for i = 1, #held, 2 do
      local started = tonumber(redis.call('HGET', KEYS[4], held[i]) or '')
      if started and (soonest == nil or started + dur < soonest) then soonest = started + dur end
    end
    if soonest and soonest - now >= 0.1 then
      wait = soonest - now
    elseif soonest then
      wait = math.max(0.1, 0.25 * dur)  -- overdue: look again soon, but not in a tight loop
    end
  end
  local expiry = tonumber(held[2]) - now
  if expiry < wait then wait = expiry end
  return tostring(math.max(wait, 0.01))
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], string.format('%.6f', now))
local ttl = math.ceil(lease * 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
if delay > 0 then
  redis.call('SET', KEYS[2], string.format('%.6f', now + delay), 'PX', math.ceil(delay * 1000) + 1000)
end
return '0'
"""

_RELEASE = """
-- KEYS as for acquire; ARGV: token. Frees the slot and folds this request's duration into the mean.
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local started = tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '')
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and started then
  local took = now - started
  local dur = tonumber(redis.call('GET', KEYS[5]) or '')
  if dur then took = 0.7 * dur + 0.3 * took end
  redis.call('SET', KEYS[5], string.format('%.6f', took), 'EX', 86400)
end
return 1
"""


def host_key(url: str) -> str:
    """The politeness key of a URL: host:port as written (two ports on one host are two sites)."""
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


class HostGate:
    """At most `max_concurrency` requests in flight per host, starts at least `min_delay_s` apart."""

    def __init__(self, redis_client: Any, *, min_delay_s: float, max_concurrency: int, lease_s: float,
                 key_prefix: str):
        if max_concurrency < 1 or lease_s <= 0 or min_delay_s < 0:
            raise ValueError("need max_concurrency >= 1, lease_s > 0, min_delay_s >= 0")
        self._redis = redis_client
        self._min_delay_s = min_delay_s
        self._max_concurrency = max_concurrency
        self._lease_s = lease_s
        self._prefix = key_prefix + "polite:"
        self._acquire = redis_client.register_script(_ACQUIRE)
        self._release = redis_client.register_script(_RELEASE)
        # Tokens of the leases this process holds, so release() frees ours and never another worker's.
        self._held: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _keys(self, host: str) -> list[str]:
        base = f"{self._prefix}{host.lower()}"
        return [f"{base}:leases", f"{base}:next", f"{base}:delay", f"{base}:starts", f"{base}:dur"]

    def acquire(self, host: str) -> float:
        """0.0 when the caller may fetch from `host` now (then it must call release), else seconds to wait."""
        token = uuid.uuid4().hex
        raw = self._acquire(keys=self._keys(host),
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
        self._release(keys=self._keys(host), args=[token])

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
                 key_prefix: str, gate: HostGate | None = None, local_s: float = ROBOTS_LOCAL_S):
        self._redis = redis_client
        self._ttl_s = ttl_s
        self._fetch = fetch
        self._user_agent = user_agent
        self._gate = gate
        self._prefix = key_prefix + "robots:"
        # Parsed rules per origin, reused while Redis still holds the same body (a big robots.txt
        # would otherwise be parsed again for every page of its site): (body, rules, read at).
        self._parsed: dict[str, tuple[bytes, Robots, float]] = {}
        self._local_s = min(ttl_s, local_s)

    def rules(self, url: str) -> Robots:
        where = robots_url(url)
        cached = self._parsed.get(where)
        if cached is not None and time.monotonic() - cached[2] < self._local_s:
            return cached[1]
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
        cached = self._parsed.pop(where, None)
        robots = cached[1] if cached is not None and cached[0] == body else parse_robots(body)
        if len(self._parsed) >= PARSED_ROBOTS_KEPT:
            self._parsed.pop(next(iter(self._parsed)))  # oldest read first: dicts keep insertion order
        self._parsed[where] = (body, robots, time.monotonic())
        return robots

    def allowed(self, url: str) -> bool:
        return self.rules(url).allowed(url, self._user_agent)


@dataclass(frozen=True)
class Politeness:
    """What one worker process consults before a request: the host's gate and the site's robots.txt."""

    gate: HostGate
    robots: RobotsCache


def for_process(redis_client: Any, settings: Settings) -> Politeness:
    """The gate and robots cache of one process, on its own Redis client (a forked child must not share its
    parent's sockets). A lease outlives the hard time limit, so a killed worker frees its slot by then."""
    s = settings
    gate = HostGate(redis_client, min_delay_s=s.host_min_delay_s, max_concurrency=s.host_max_concurrency,
                    lease_s=float(s.task_hard_limit_s), key_prefix=s.key_prefix)
    robots = RobotsCache(redis_client, DEFAULT_ROBOTS_TTL_S, fetch=lambda url: fetch_robots_txt(url, settings=s),
                         user_agent=s.user_agent, gate=gate, key_prefix=s.key_prefix)
    return Politeness(gate, robots)
