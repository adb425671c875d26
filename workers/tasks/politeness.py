"""Politeness for tasks, one per process: the per-host gate and the robots.txt cache (workers.politeness),
on this process's Redis client (a forked child must not share its parent's sockets, see common.redis_client).

robots.txt is fetched once per origin (workers.fetch.robots) and cached in Redis; its Crawl-delay slows the
host's gate.
"""

from __future__ import annotations

from functools import cache

from workers.fetch.robots import fetch_robots_txt
from workers.politeness import DEFAULT_ROBOTS_TTL_S, HostGate, RobotsCache, host_key
from workers.settings import get_settings
from workers.tasks.common import redis_client

__all__ = ["host_gate", "host_key", "robots_allows"]


@cache
def _gate(client_id: int) -> HostGate:
    s = get_settings()
    return HostGate(redis_client(), min_delay_s=s.host_min_delay_s, max_concurrency=s.host_max_concurrency,
                    lease_s=float(s.task_hard_limit_s))


def host_gate() -> HostGate:
    return _gate(id(redis_client()))


@cache
def _robots(client_id: int) -> RobotsCache:
    s = get_settings()
    return RobotsCache(redis_client(), DEFAULT_ROBOTS_TTL_S, fetch=lambda url: fetch_robots_txt(url, settings=s),
                       user_agent=s.user_agent, gate=host_gate())


def robots_allows(url: str) -> bool:
    return _robots(id(redis_client())).allowed(url)
