"""The broker crashes (SIGKILL) and restarts in the middle of a batch, on a private redis-server.

With an append-only file (fsync always) the queues and the unacked messages survive, and abandoned
deliveries come back through the visibility timeout. Without persistence every message is gone and
the sweeper rebuilds the work from PostgreSQL (articles still 'queued' there). Either way: exactly N
analysed articles and no duplicate rows.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.corpus import CorpusServer
from tests.reliability.redis_server import RedisServer
from tests.support.reliability import (
    WorkerPool,
    duplicate_report,
    import_feeds,
    progress,
    report,
    table_counts,
    wait_for,
    worker_env,
)
from tests.support.settings import SETTINGS
from workers.taskspec import POLL_DUE_FEEDS, SWEEP_STUCK

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.timeout(300)]

VISIBILITY_S = 30
STUCK_AFTER_S = 10
DOWN_S = 2.0


def _app(redis_url: str) -> Any:
    from workers.settings import get_settings
    from workers.tasks.app import make_app

    return make_app(get_settings().model_copy(update={"broker_url": redis_url, "redis_url": redis_url}))


def _wait_quiet(db: Any, n: int, quiet_s: float, timeout_s: float) -> dict[str, int]:
    """Until every article is through, or nothing moved for quiet_s."""
    deadline = time.monotonic() + timeout_s
    last, since = progress(db), time.monotonic()
    while time.monotonic() < deadline:
        p = progress(db)
        if p["done"] + p["failed"] >= n and p["waiting"] == 0:
            return p
        if p != last:
            last, since = p, time.monotonic()
        elif time.monotonic() - since > quiet_s:
            return p
        time.sleep(0.25)
    return progress(db)


@pytest.mark.parametrize("persistent", [True, False], ids=["aof", "no-persistence"])
def test_redis_crash_mid_batch(persistent: bool, db: Any, workers: WorkerPool, outage_corpus: CorpusServer,
                               tmp_path: Path) -> None:
    n = len(outage_corpus.pages)
    with RedisServer(tmp_path / "redis", persistent=persistent) as redis_server:
        env = worker_env(
            SILKWIRE_BROKER_URL=redis_server.url, SILKWIRE_REDIS_URL=redis_server.url,
            SILKWIRE_VISIBILITY_TIMEOUT_S=str(VISIBILITY_S), SILKWIRE_TASK_SOFT_LIMIT_S="10",
            SILKWIRE_TASK_HARD_LIMIT_S="12", SILKWIRE_POLITENESS_REQUEUE_MAX_S="5",
            SILKWIRE_SWEEPER_STUCK_AFTER_S=str(STUCK_AFTER_S),
        )
        app = _app(redis_server.url)
        io = workers.start("io", "feeds,fetch", env, concurrency=4)
        nlp = workers.start("nlp", "nlp", env, concurrency=2)
        io.wait_children(4)
        nlp.wait_children(2)
        import_feeds(db, outage_corpus)
        started = time.monotonic()
        app.send_task(POLL_DUE_FEEDS, queue="feeds")

        # When Redis is killed and restarted once every feed is read and ~40 % is analysed
        before = wait_for(db, lambda p: p["articles"] >= n and p["done"] >= n * 2 // 5, 180)
        queued_before = sum(redis_server_llen(redis_server.url, q) for q in ("fetch", "nlp"))
        t_crash = time.monotonic()
        redis_server.restart(DOWN_S)
        queued_after = sum(redis_server_llen(redis_server.url, q) for q in ("fetch", "nlp"))

        # Expect the broker alone to finish the batch with AOF; then the sweeper (beat's job) for the rest
        # (with AOF, give abandoned deliveries a visibility timeout to come back; without, nothing can)
        quiet_s = VISIBILITY_S + 20 if persistent else STUCK_AFTER_S
        by_broker = _wait_quiet(db, n, quiet_s=quiet_s, timeout_s=150)
        # a worker that died on the reconnect (kombu's cleanup once raised AttributeError: "Unrecoverable
        # error") cannot finish anything: say so now, with its log, rather than after the sweeper's wait
        for worker in (io, nlp):
            assert worker.proc.poll() is None, f"{worker.name} exited in the outage:\n{worker.log_tail(60)}"
        broker_s = time.monotonic() - t_crash
        sweeps = 0
        if by_broker["waiting"]:
            while True:
                app.send_task(SWEEP_STUCK, queue="feeds")
                sweeps += 1
                try:
                    p = wait_for(db, lambda p: p["done"] + p["failed"] >= n and p["waiting"] == 0, 5)
                    break
                except TimeoutError:
                    assert time.monotonic() - t_crash < 240, (progress(db), io.log_tail(), nlp.log_tail())
        else:
            p = by_broker
        recover_s = time.monotonic() - t_crash
    dups = duplicate_report(db)
    counts = table_counts(db)
    report(f"redis_restart_{'aof' if persistent else 'none'}", {
        "persistence": "appendonly, fsync always" if persistent else "none", "n_in": n,
        "n_out_done": p["done"], "failed": p["failed"], "done_at_crash": before["done"],
        "messages_queued_before_crash": queued_before, "messages_queued_after_restart": queued_after,
        "redis_down_s": DOWN_S, "done_by_broker_alone": by_broker["done"],
        "waiting_after_broker_alone": by_broker["waiting"], "broker_phase_s": round(broker_s, 1),
        "sweeper_runs": sweeps, "seconds_to_recover_after_crash": round(recover_s, 1),
        "total_s": round(time.monotonic() - started, 1), "duplicates": dups, "rows": counts,
    })
    assert p["done"] == n and p["failed"] == 0
    assert set(dups.values()) == {0}, dups
    assert counts["raw_pages"] == counts["documents"] == counts["extractions"] == n
    if persistent:
        assert queued_after > 0, "the append-only file kept no queue: the restart lost the broker state"
    else:
        assert queued_after == 0 and sweeps > 0


def redis_server_llen(url: str, queue: str) -> int:

    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return int(client.llen(f"{SETTINGS.key_prefix}{queue}"))
    finally:
        client.close()
