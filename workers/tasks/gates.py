"""Per-host politeness for tasks: one HostGate per process, keyed by host:port."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from workers.politeness import HostGate
from workers.settings import get_settings
from workers.tasks.common import redis_client


@cache
def _gate(pid_client_id: int) -> HostGate:
    s = get_settings()
    return HostGate(redis_client(), min_delay_s=s.host_min_delay_s, max_concurrency=s.host_max_concurrency,
                    lease_s=float(s.task_hard_limit_s))


def host_gate() -> HostGate:
    return _gate(id(redis_client()))


def host_key(url: str) -> str:
    return urlsplit(url).netloc.lower()
