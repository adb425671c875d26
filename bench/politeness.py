"""Bench: per-host politeness under load. 20 feeds on 3 local hosts, worker processes sharing HostGate.

Jobs sit in a Redis sorted set scored by "ready at" (like Celery countdowns): a worker claims a ready
job, asks the gate, and either fetches or puts the job back with the gate's wait. Prints the
smallest gap between request starts seen by each server and throughput against the ideal the
limits allow. Needs Redis on 127.0.0.1:6379.

    .venv/bin/python bench/politeness.py [--rounds 3] [--workers 4] [--delay 1.0] [--concurrency 2]
                                         [--response 0.05]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import sys
import time
import uuid
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.httpserver import Route, ScriptedServer  # noqa: E402
from workers.fetch.politeness import HostGate, host_key  # noqa: E402
from workers.settings import Settings  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"
FEEDS = 20
HOSTS = 3
# The tasks' cap on a politeness countdown, at its default.
REQUEUE_MAX_S = float(Settings.model_fields["politeness_requeue_max_s"].default)


def worker(prefix: str, delay_s: float, max_concurrency: int, stop_at: float) -> None:
    from workers.fetch.http import fetch_url

    client = redis.Redis.from_url(REDIS_URL)
    gate = HostGate(client, min_delay_s=delay_s, max_concurrency=max_concurrency, lease_s=30, key_prefix=prefix)
    settings = Settings(allow_private_hosts=["127.0.0.1"], total_deadline_s=10)
    queue = f"{prefix}jobs"
    while time.time() < stop_at:
        now = time.time()
        ready: list[bytes] = client.zrangebyscore(queue, "-inf", now, start=0, num=1)  # type: ignore[assignment]
        if not ready:
            if client.zcard(queue) == 0:
                return
            time.sleep(0.005)
            continue
        job = ready[0]
        if not client.zrem(queue, job):  # another worker claimed it first
            continue
        url = job.decode().split(" ", 1)[1]
        host = host_key(url)
        wait = gate.acquire(host)
        if wait > 0:
            client.zadd(queue, {job: time.time() + min(wait, REQUEUE_MAX_S)})  # re-queue with a capped countdown
            client.incr(f"{prefix}requeues")
            continue
        try:
            fetch_url(url, settings=settings)
        finally:
            gate.release(host)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="times each feed is fetched")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--delay", type=float, default=1.0, help="per-host minimum delay, seconds")
    parser.add_argument("--concurrency", type=int, default=2, help="per-host maximum in flight")
    parser.add_argument("--response", type=float, default=0.05, help="server think time per request, s")
    args = parser.parse_args()

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"bench-politeness-{uuid.uuid4().hex[:8]}:"
    servers = [ScriptedServer() for _ in range(HOSTS)]
    try:
        feeds = []
        for i in range(FEEDS):
            srv = servers[i % HOSTS]
            feeds.append(srv.route(f"/feed{i}.xml", Route(body=b"<rss/>" * 100, delay_s=args.response)))
        jobs = {f"{n} {url}": 0.0 for n, url in enumerate(u for _ in range(args.rounds) for u in feeds)}
        client.zadd(f"{prefix}jobs", jobs)

        ctx = multiprocessing.get_context("spawn")
        stop_at = time.time() + 600
        procs = [ctx.Process(target=worker, args=(prefix, args.delay, args.concurrency, stop_at))
                 for _ in range(args.workers)]
        started = time.monotonic()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        wall = time.monotonic() - started

        print(f"{len(jobs)} fetches of {FEEDS} feeds on {HOSTS} hosts, {args.workers} worker processes, "
              f"delay {args.delay}s, concurrency {args.concurrency}, response {args.response}s")
        first = min(r.started for s in servers for r in s.requests)
        last = max(r.started for s in servers for r in s.requests)
        ideal_span = 0.0
        # Starts can come no faster than the delay, nor faster than the slots free up.
        interval = max(args.delay, args.response / args.concurrency)
        for srv in servers:
            log = sorted(srv.requests, key=lambda r: r.started)
            gaps = [b.started - a.started for a, b in itertools.pairwise(log)]
            ideal_span = max(ideal_span, (len(log) - 1) * interval)
            events = sorted([(r.started, 1) for r in log] + [(r.finished, -1) for r in log])
            in_flight = max(itertools.accumulate(step for _, step in events))
            print(f"  host 127.0.0.1:{srv.port}: {len(log)} requests, min gap {min(gaps):.3f}s "
                  f"(gap #{gaps.index(min(gaps))}), mean gap {sum(gaps) / len(gaps):.3f}s, "
                  f"max in flight {in_flight}")
        span = last - first
        served = sum(len(s.requests) for s in servers)
        ideal_rate = (served - 1) / ideal_span
        rate = (served - 1) / span
        print(f"  first to last request start: {span:.2f}s (ideal {ideal_span:.2f}s); wall incl. process start "
              f"{wall:.2f}s")
        print(f"  throughput {rate:.3f} req/s vs ideal {ideal_rate:.3f} req/s: {100 * rate / ideal_rate:.1f}% "
              f"(target >= 90%)")
        requeues = int(client.get(f"{prefix}requeues") or 0)
        print(f"  re-queues (politeness waits): {requeues}, {requeues / served:.2f} per fetch (each one a task row"
              " in Flower)")
    finally:
        for srv in servers:
            srv.close()
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)


if __name__ == "__main__":
    main()
