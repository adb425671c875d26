"""Prometheus metrics computed on scrape: queue depths from Redis, article and feed state and the last
hour of fetches from PostgreSQL. No background threads and no counters kept in memory, so any number
of exporters (or none) give the same figures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
import redis
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg.rows import dict_row

from workers.db import QUERIES
from workers.settings import Settings, get_settings

log = logging.getLogger(__name__)

# kombu's Redis transport keeps priorities 3, 6 and 9 in sibling lists named `queue\x06\x16N`.
PRIORITY_SEP = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


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


def _summary(name: str, doc: str, labels: Sequence[str], rows: Iterable[tuple[Sequence[str], int, float,
                                                                                  float, float]]) -> Metric:
    # prometheus_client's SummaryMetricFamily takes no quantiles: build the samples by hand.
    m = Metric(name, doc, "summary")
    for values, count, total, p50, p95 in rows:
        lab = dict(zip(labels, values, strict=True))
        m.add_sample(name, {**lab, "quantile": "0.5"}, p50)
        m.add_sample(name, {**lab, "quantile": "0.95"}, p95)
        m.add_sample(f"{name}_count", lab, count)
        m.add_sample(f"{name}_sum", lab, total)
    return m


class SilkwireCollector(Collector):
    """Reads the current state on every scrape; a source that is down is reported, not fatal."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._redis: redis.Redis | None = None

    def describe(self) -> list[Metric]:
        # Registration must not touch the database: an empty description skips the probing collect().
        return []

    def _redis_client(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(self.settings.broker_url, socket_timeout=3, socket_connect_timeout=3)
        return self._redis

    def collect(self) -> Iterator[Metric]:
        from workers.tasks.app import QUEUES

        up = GaugeMetricFamily("silkwire_source_up", "Whether the exporter could read a source on this scrape.",
                               labels=["source"])
        try:
            depths = queue_depths(self._redis_client(), QUEUES, self.settings.key_prefix)
        except redis.exceptions.RedisError as exc:
            log.warning("metrics: redis unavailable", extra={"error": str(exc)})
            up.add_metric(["redis"], 0)
        else:
            up.add_metric(["redis"], 1)
            g = GaugeMetricFamily("silkwire_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
            for q, n in depths.items():
                g.add_metric([q], n)
            yield g
        try:
            yield from self._from_postgres()
        except psycopg.Error as exc:
            log.warning("metrics: postgres unavailable", extra={"error": str(exc)})
            up.add_metric(["postgres"], 0)
        else:
            up.add_metric(["postgres"], 1)
        yield up

    def _from_postgres(self) -> Iterator[Metric]:
        # One short connection per scrape: scrapes are rare (15–60 s) and a pool would outlive a dead server.
        with psycopg.connect(self.settings.database_url, row_factory=dict_row, connect_timeout=3,
                             autocommit=True) as conn:
            rows: dict[str, list[dict[str, Any]]] = {
                name: conn.execute(QUERIES[name]).fetchall()
                for name in ("articles_by_stage_state", "feed_errors", "feed_counts", "fetch_durations",
                             "fetch_statuses")
            }
        articles = GaugeMetricFamily("silkwire_articles", "Articles per pipeline stage and state.",
                                     labels=["stage", "state"])
        for r in rows["articles_by_stage_state"]:
            articles.add_metric([r["stage"], r["state"]], r["n"])
        feed_errors = GaugeMetricFamily("silkwire_feed_errors", "Consecutive failed polls of an enabled feed.",
                                        labels=["feed"])
        for r in rows["feed_errors"]:
            feed_errors.add_metric([r["name"]], r["consecutive_errors"])
        counts = rows["feed_counts"][0]
        due = GaugeMetricFamily("silkwire_feeds_due", "Enabled, unmuted feeds whose next poll time has passed.",
                                value=counts["due"])
        muted = GaugeMetricFamily("silkwire_feeds_muted", "Feeds muted with a reason.", value=counts["muted"])
        durations = _summary(
            "silkwire_fetch_duration_seconds",
            "Duration of feed polls (kind=feed) and page fetches (kind=page) in the last hour, per host.",
            ["kind", "host"],
            (((r["kind"], r["host"]), r["n"], float(r["sum_s"]), float(r["p50_s"]), float(r["p95_s"]))
             for r in rows["fetch_durations"]))
        # A count over a sliding hour goes up and down: exposed as a gauge despite its _total name.
        statuses = GaugeMetricFamily("silkwire_fetch_status_total",
                                     "Feed polls in the last hour per host and HTTP status ('error': no response).",
                                     labels=["host", "status"])
        for r in rows["fetch_statuses"]:
            statuses.add_metric([r["host"], r["status"]], r["n"])
        yield from (articles, feed_errors, due, muted, durations, statuses)


def make_registry(settings: Settings | None = None) -> CollectorRegistry:
    """A registry holding only Silkwire's collector (no process metrics of the exporter itself)."""
    registry = CollectorRegistry()
    registry.register(SilkwireCollector(settings))
    return registry
