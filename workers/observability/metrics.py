"""Prometheus metrics of Silkwire, computed on each scrape (docs/deploy.md, monitoring).

Two kinds, each from where it is true:
- Counters and histograms (`*_total`, `*_seconds_bucket`): work done, failures by reason, task durations,
  publication→extraction latency. Worker processes add to them in Redis as tasks finish
  (workers.observability.task_metrics, counters.py says why Redis); the exporter only reads them, so they
  only go up, whatever the number of workers and exporters, and survive an exporter restart.
- Gauges: the current state in PostgreSQL (articles per stage and state, backlogs and their oldest age,
  feed health, last extraction) and Redis (queue depths, memory used and its limit).

No sliding windows: rates and quantiles over time are Prometheus's job (rate(), histogram_quantile()).
A source that is down is reported as silkwire_source_up 0, never fatal to the scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
import redis
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from psycopg.rows import dict_row

from workers.db import metrics as db_metrics
from workers.observability.counters import read_counter, read_histogram, zero_histogram
from workers.observability.task_metrics import LATENCY_BUCKETS, STAGES, TASK_DURATION_BUCKETS
from workers.settings import Settings, get_settings
from workers.taskspec import QUEUES

log = logging.getLogger(__name__)

# kombu's Redis transport keeps priorities 3, 6 and 9 in sibling lists named `queue\x06\x16N`.
PRIORITY_SEP = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
# Every metric family the exporter can emit: the dashboard and alert tests check they only name these.
FAMILIES = (
    "silkwire_source_up", "silkwire_queue_depth", "silkwire_redis_memory_used_bytes",
    "silkwire_redis_memory_max_bytes", "silkwire_stage_items_total", "silkwire_stage_failures_total",
    "silkwire_task_runs_total", "silkwire_task_duration_seconds", "silkwire_publication_to_extraction_seconds",
    "silkwire_articles", "silkwire_stage_backlog", "silkwire_stage_backlog_oldest_seconds", "silkwire_feeds",
    "silkwire_feed_consecutive_errors", "silkwire_feed_last_poll_timestamp_seconds",
    "silkwire_last_extraction_timestamp_seconds", "silkwire_last_poll_timestamp_seconds",
)


def queue_keys(queue: str, prefix: str = "") -> list[str]:
    """Every Redis list holding messages of one queue (priority sub-queues included)."""
    return [f"{prefix}{queue}" if pri == 0 else f"{prefix}{queue}{PRIORITY_SEP}{pri}" for pri in PRIORITY_STEPS]


def queue_depths(client: redis.Redis, queues: Iterable[str], prefix: str = "") -> dict[str, int]:
    """Messages waiting per queue (not counting those a worker has taken and not yet acked)."""
    names = list(queues)
    pipe = client.pipeline(transaction=False)
    for q in names:
        for key in queue_keys(q, prefix):
            pipe.llen(key)
    lengths = pipe.execute()
    per = len(PRIORITY_STEPS)
    return {q: int(sum(lengths[i * per:(i + 1) * per])) for i, q in enumerate(names)}


def _counter(name: str, doc: str, labels: Sequence[str], values: dict[tuple[str, ...], float],
             always: Iterable[tuple[str, ...]] = ()) -> CounterMetricFamily:
    # `name` without _total: the family adds it to the sample.
    c = CounterMetricFamily(name, doc, labels=list(labels))
    for key in sorted({*values, *always}):
        if len(key) == len(labels):
            c.add_metric(list(key), values.get(key, 0.0))
    return c


def _histogram(name: str, doc: str, labels: Sequence[str],
               values: dict[tuple[str, ...], tuple[list[tuple[str, float]], float]]) -> HistogramMetricFamily:
    h = HistogramMetricFamily(name, doc, labels=list(labels))
    for key, (buckets, total) in sorted(values.items()):
        if len(key) == len(labels):
            h.add_metric(list(key), buckets, total)
    return h


class SilkwireCollector(Collector):
    """Reads the current state on every scrape; a source that is down is reported, not fatal."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._clients: dict[str, redis.Redis] = {}

    def describe(self) -> list[Metric]:
        # Registration must not touch the database: an empty description skips the probing collect().
        return []

    def _redis(self, url: str) -> redis.Redis:
        if url not in self._clients:
            self._clients[url] = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        return self._clients[url]

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("silkwire_source_up", "Whether the exporter could read a source on this scrape.",
                               labels=["source"])
        for source, read in (("redis", self._from_broker), ("counters", self._from_counters),
                             ("postgres", self._from_postgres)):
            try:
                metrics = list(read())
            except (redis.exceptions.RedisError, psycopg.Error) as exc:
                log.warning("metrics: source unavailable", extra={"source": source, "error": str(exc)})
                up.add_metric([source], 0)
            else:
                up.add_metric([source], 1)
                yield from metrics
        yield up

    def _from_broker(self) -> Iterator[Metric]:
        client = self._redis(self.settings.broker_url)
        g = GaugeMetricFamily("silkwire_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        for q, n in queue_depths(client, QUEUES, self.settings.key_prefix).items():
            g.add_metric([q], n)
        yield g
        memory: dict[str, Any] = client.info("memory")
        yield GaugeMetricFamily("silkwire_redis_memory_used_bytes", "Memory the broker's Redis uses (used_memory).",
                                value=float(memory.get("used_memory", 0)))
        yield GaugeMetricFamily("silkwire_redis_memory_max_bytes",
                                "The broker's Redis maxmemory (0: no limit set).",
                                value=float(memory.get("maxmemory", 0)))

    def _from_counters(self) -> Iterator[Metric]:
        client, prefix = self._redis(self.settings.redis_url), self.settings.key_prefix
        yield _counter("silkwire_stage_items", "Items a stage finished, by outcome (done, failed, retry, …).",
                       ["stage", "outcome"], read_counter(client, "stage_items", prefix),
                       always=[(s, "done") for s in STAGES])
        yield _counter("silkwire_stage_failures", "Items that failed for good, by stage and reason.",
                       ["stage", "reason"], read_counter(client, "stage_failures", prefix))
        yield _counter("silkwire_task_runs", "Celery task runs by task and final state.",
                       ["stage", "task", "state"], read_counter(client, "task_runs", prefix))
        yield _histogram("silkwire_task_duration_seconds", "Wall time of one task run (a batch counts once).",
                         ["stage", "task"],
                         read_histogram(client, "task_duration_seconds", TASK_DURATION_BUCKETS, prefix))
        latency = read_histogram(client, "publication_to_extraction_seconds", LATENCY_BUCKETS, prefix)
        if not latency:  # a histogram with no observation yet still exists, so dashboards draw a zero
            latency = {(): zero_histogram(LATENCY_BUCKETS)}
        yield _histogram("silkwire_publication_to_extraction_seconds",
                         "From the feed's publication time to the stored extraction (live articles).", [], latency)

    def _from_postgres(self) -> Iterator[Metric]:
        # One short connection per scrape: scrapes are rare (15–60 s) and a pool would outlive a dead server.
        with psycopg.connect(self.settings.database_url, row_factory=dict_row, connect_timeout=3,
                             autocommit=True) as conn:
            rows = db_metrics.snapshot(conn)
        articles = GaugeMetricFamily("silkwire_articles", "Articles per pipeline stage and state.",
                                     labels=["stage", "state"])
        for r in rows["articles_by_stage_state"]:
            articles.add_metric([r["stage"], r["state"]], r["n"])
        yield articles
        backlog = GaugeMetricFamily("silkwire_stage_backlog", "Articles waiting for a stage (pending or queued).",
                                    labels=["stage"])
        oldest = GaugeMetricFamily("silkwire_stage_backlog_oldest_seconds",
                                   "How long the oldest article waiting for a stage has waited (0: none).",
                                   labels=["stage"])
        for r in rows["metrics_backlog"]:
            backlog.add_metric([r["stage"]], r["n"])
            oldest.add_metric([r["stage"]], r["oldest_s"])
        yield from (backlog, oldest)
        yield from self._feeds(rows["metrics_feeds"])
        progress = rows["metrics_progress"][0]
        for name, key, doc in (
                ("silkwire_last_extraction_timestamp_seconds", "last_extraction_s", "When the last extraction "
                 "was stored (Unix time; absent before the first)."),
                ("silkwire_last_poll_timestamp_seconds", "last_poll_s", "When a feed was last polled (Unix time).")):
            g = GaugeMetricFamily(name, doc)
            if progress[key] is not None:
                g.add_metric([], progress[key])
            yield g

    @staticmethod
    def _feeds(rows: list[dict[str, Any]]) -> Iterator[Metric]:
        states = {"enabled": 0, "failing": 0, "muted": 0, "disabled": 0}
        errors = GaugeMetricFamily("silkwire_feed_consecutive_errors",
                                   "Failed polls in a row of an enabled, unmuted feed (0 included so alerts clear).",
                                   labels=["feed"])
        polled = GaugeMetricFamily("silkwire_feed_last_poll_timestamp_seconds",
                                   "When an enabled feed was last polled (Unix time).", labels=["feed"])
        for r in rows:
            if not r["enabled"]:
                states["disabled"] += 1
                continue
            states["enabled"] += 1
            if r["muted"]:
                states["muted"] += 1
                continue
            states["failing"] += r["consecutive_errors"] > 0
            errors.add_metric([r["name"]], r["consecutive_errors"])
            if r["last_polled_s"] is not None:
                polled.add_metric([r["name"]], r["last_polled_s"])
        feeds = GaugeMetricFamily("silkwire_feeds", "Feeds by health: enabled, failing (enabled, unmuted, last "
                                  "poll failed), muted (enabled but muted), disabled.", labels=["state"])
        for state, n in states.items():
            feeds.add_metric([state], n)
        yield from (feeds, errors, polled)


def make_registry(settings: Settings | None = None) -> CollectorRegistry:
    """A registry holding only Silkwire's collector (no process metrics of the exporter itself)."""
    registry = CollectorRegistry()
    registry.register(SilkwireCollector(settings))
    return registry
