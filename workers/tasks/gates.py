"""Per-host politeness for tasks: one HostGate per process (its Redis client is per process too)."""

from __future__ import annotations

from functools import cache

from workers.politeness import HostGate, host_key
from workers.settings import get_settings
from workers.tasks.common import redis_client

__all__ = ["host_gate", "host_key"]


@cache
def _gate(client_id: int) -> HostGate:
    s = get_settings()
    return HostGate(redis_client(), min_delay_s=s.host_min_delay_s, max_concurrency=s.host_max_concurrency,
                    lease_s=float(s.task_hard_limit_s))


def host_gate() -> HostGate:
    return _gate(id(redis_client()))
