"""Prometheus counters and histograms kept in Redis: written by every worker process, read by the exporter.

Why Redis and not the exporter's memory or PostgreSQL rows:
- Work happens in many processes (prefork children of several containers), the exporter is another one;
  HINCRBY is atomic, so every process adds to the same figure and none is lost or counted twice.
- A restarted exporter reads the same totals (nothing lives in its memory), and any number of exporters
  agree. Redis keeps them across its own restarts (compose runs it with appendonly); if they are ever lost,
  Prometheus sees an ordinary counter reset, which rate() and increase() handle.
- Row counts in PostgreSQL are state, not history: re-processing turns a failed article into a done one,
  so "failed articles" goes down and would read as a counter reset. Counting events as they happen does not.

Layout: one hash per family, `{prefix}silkwire:metrics:{family}`; a field is the label values joined by
\\x1f. A histogram's fields end with the upper bound of the one bucket an observation fell in ("+Inf" past
the last) or "_sum"; the reader makes the buckets cumulative.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from functools import cache

import redis

from workers.settings import get_settings

SEP = "\x1f"
SUM = "_sum"
INF = "+Inf"


def family_key(family: str, prefix: str = "") -> str:
    return f"{prefix}silkwire:metrics:{family}"


def _bound(b: float) -> str:
    return INF if math.isinf(b) else repr(float(b))


def bucket_of(value: float, buckets: Sequence[float]) -> str:
    """The upper bound (as the `le` label) of the first bucket holding value."""
    for b in buckets:
        if value <= b:
            return _bound(b)
    return INF


class Recorder:
    """Adds to counters and histograms in one pipeline round trip (`flush`)."""

    def __init__(self, client: redis.Redis, prefix: str = "") -> None:
        self.pipe = client.pipeline(transaction=False)
        self.prefix = prefix
        self.pending = 0

    def inc(self, family: str, labels: Sequence[str], amount: float = 1) -> None:
        if amount <= 0:  # a counter only goes up
            return
        field = SEP.join(labels)
        key = family_key(family, self.prefix)
        if float(amount).is_integer():
            self.pipe.hincrby(key, field, int(amount))
        else:
            self.pipe.hincrbyfloat(key, field, float(amount))
        self.pending += 1

    def observe(self, family: str, labels: Sequence[str], value: float, buckets: Sequence[float]) -> None:
        value = max(0.0, float(value))
        key = family_key(family, self.prefix)
        self.pipe.hincrby(key, SEP.join([*labels, bucket_of(value, buckets)]), 1)
        self.pipe.hincrbyfloat(key, SEP.join([*labels, SUM]), value)
        self.pending += 1

    def flush(self) -> None:
        if self.pending:
            self.pipe.execute()
            self.pending = 0


@cache
def _client(pid: int, url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)


def recorder() -> Recorder:
    """A recorder on this process's Redis client (keyed by pid: forked children open their own socket)."""
    s = get_settings()
    return Recorder(_client(os.getpid(), s.redis_url), s.key_prefix)


def _text(k: bytes | str) -> str:
    return k.decode() if isinstance(k, bytes) else k


def read_counter(client: redis.Redis, family: str, prefix: str = "") -> dict[tuple[str, ...], float]:
    return {tuple(_text(k).split(SEP)): float(v) for k, v in client.hgetall(family_key(family, prefix)).items()}


def zero_histogram(buckets: Sequence[float]) -> tuple[list[tuple[str, float]], float]:
    """Every bucket at 0, +Inf last: a histogram nothing has been observed in yet."""
    return [(_bound(b), 0.0) for b in buckets if not math.isinf(b)] + [(INF, 0.0)], 0.0


def read_histogram(client: redis.Redis, family: str, buckets: Sequence[float],
                   prefix: str = "") -> dict[tuple[str, ...], tuple[list[tuple[str, float]], float]]:
    """Label values → (cumulative [(le, count)] ending with +Inf, sum)."""
    raw: dict[tuple[str, ...], dict[str, float]] = {}
    for k, v in client.hgetall(family_key(family, prefix)).items():
        *labels, last = _text(k).split(SEP)
        raw.setdefault(tuple(labels), {})[last] = float(v)
    out: dict[tuple[str, ...], tuple[list[tuple[str, float]], float]] = {}
    bounds = [_bound(b) for b in buckets if not math.isinf(b)] + [INF]
    for key, fields in raw.items():
        running, cumulative = 0.0, []
        for le in bounds:
            running += fields.get(le, 0.0)
            cumulative.append((le, running))
        out[key] = (cumulative, fields.get(SUM, 0.0))
    return out
