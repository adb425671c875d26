"""What every task shares: retry policy for infrastructure errors, backoff, the per-process Redis client and
the politeness (workers.fetch.politeness) built on it."""

from __future__ import annotations

import os
import random
from functools import cache

import psycopg
import redis
from psycopg_pool import PoolTimeout

from workers.fetch.politeness import HostGate, Politeness, for_process
from workers.settings import get_settings
from workers.tasks.app import MAX_COUNTDOWN_S

# Postgres or Redis briefly unavailable: the task itself is fine, retry it with backoff.
INFRA_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, PoolTimeout, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
)
# psycopg files class 54 (program limit exceeded: an index row over the btree limit, a tsvector too long,
# a statement too complex) under OperationalError, but it is the data's fault: retrying cannot help.
DATA_LIMIT_ERRORS: tuple[type[Exception], ...] = (psycopg.errors.ProgramLimitExceeded,)
INFRA_RETRY = {
    "autoretry_for": INFRA_ERRORS,
    "dont_autoretry_for": DATA_LIMIT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": min(60, MAX_COUNTDOWN_S),
    "retry_jitter": True,
    "max_retries": 40,
}


# A beat tick is never retried: the next tick (30 s or 5 min later) repeats it, since what is due lives in
# Postgres. A retried tick kept the tick's `expires` and, once that passed, sat in Flower as RETRY for good
# (#16); now an outage shows as one FAILURE per tick with its reason, logged as one line without traceback.
TICK = {"throws": INFRA_ERRORS, "max_retries": 0}


def backoff_s(attempt: int, retry_after_s: float | None = None, *, base_s: float = 10.0) -> float:
    """Exponential backoff with full jitter, honouring Retry-After, capped below the visibility timeout."""
    wait = base_s * (2 ** max(attempt - 1, 0))
    wait = random.uniform(wait / 2, wait)
    if retry_after_s is not None:
        wait = max(wait, retry_after_s)
    return float(min(wait, MAX_COUNTDOWN_S))


@cache
def _redis(pid: int) -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, socket_timeout=5, socket_connect_timeout=5)


def redis_client() -> redis.Redis:
    """This process's Redis client (keyed by pid: a forked child must not share its parent's sockets)."""
    return _redis(os.getpid())


@cache
def _politeness(pid: int) -> Politeness:
    return for_process(redis_client(), get_settings())


def host_gate() -> HostGate:
    """This process's per-host gate (shared with every worker through Redis)."""
    return _politeness(os.getpid()).gate


def robots_allows(url: str) -> bool:
    """Whether robots.txt lets us fetch `url`, fetched once per origin and cached in Redis."""
    return _politeness(os.getpid()).robots.allowed(url)
