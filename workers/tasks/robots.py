"""robots.txt for tasks: fetched once per origin and cached in Redis; Crawl-delay slows the host's gate."""

from __future__ import annotations

from functools import cache

from workers.fetch.robots import fetch_robots_txt
from workers.politeness import DEFAULT_ROBOTS_TTL_S, RobotsCache
from workers.settings import get_settings
from workers.tasks.common import redis_client
from workers.tasks.gates import host_gate


@cache
def _cache(client_id: int) -> RobotsCache:
    s = get_settings()
    return RobotsCache(redis_client(), DEFAULT_ROBOTS_TTL_S, fetch=lambda url: fetch_robots_txt(url, settings=s),
                       user_agent=s.user_agent, gate=host_gate())


def robots_allows(url: str) -> bool:
    return _cache(id(redis_client())).allowed(url)
