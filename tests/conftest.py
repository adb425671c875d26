"""Shared fixtures: real PostgreSQL (one database per test session, built from the migrations),
real Redis (a key prefix per session, so parallel runs and a live deployment never meet), the replay
corpus on 127.0.0.1 and an in-process Celery worker consuming the real broker.

The environment is set here, before anything imports `workers`, because the settings object is the
only reader of it and is built once. Tests that need the defaults construct `Settings(...)` themselves.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEST_DB = f"silkwire_test_{RUN_ID}"

# Celery reads these itself and they beat what code sets (docs/traps: tests talk to the wrong broker).
for _name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
    os.environ.pop(_name, None)
os.environ["SILKWIRE_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{TEST_DB}"
os.environ["SILKWIRE_KEY_PREFIX"] = f"silkwire-test-{RUN_ID}:"
os.environ["SILKWIRE_ALLOW_PRIVATE_HOSTS"] = '["127.0.0.1"]'
os.environ["SILKWIRE_HOST_MIN_DELAY_S"] = "0.05"
os.environ["SILKWIRE_HOST_MAX_CONCURRENCY"] = "4"
os.environ["SILKWIRE_LOG_JSON"] = "false"
os.environ["SILKWIRE_RESPECT_ROBOTS"] = "true"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def require_service(name: str, port: int) -> None:
    """Skip locally when a service is down; in CI a missing service is a failure, never a skip."""
    if _reachable(port):
        return
    message = f"{name} is not reachable on 127.0.0.1:{port}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message + " (start it, see README)")


def require_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is absent (shared/ sits beside the project only in the team's checkouts)")
    return path


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    """A fresh database for this session with every migration applied."""
    require_service("PostgreSQL", 5432)
    import psycopg

    from workers.db.migrate import ensure_database, migrate

    dsn = os.environ["SILKWIRE_DATABASE_URL"]
    ensure_database(dsn)
    with psycopg.connect(dsn) as conn:
        migrate(conn)
    yield dsn
    from workers.db import close_pool

    close_pool()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')


TABLES = ("article_sectors", "figures", "agreements", "events", "entities", "extractions", "documents",
          "raw_pages", "article_feeds", "articles", "feed_fetches", "feeds", "sources")


@pytest.fixture
def db(database: str) -> Iterator[object]:
    """An autocommit connection to an emptied session database."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(database, autocommit=True, row_factory=dict_row) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        yield conn


@pytest.fixture(scope="session")
def redis_client() -> Iterator[object]:
    require_service("Redis", 6379)
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    prefix = os.environ["SILKWIRE_KEY_PREFIX"]
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def clean_redis(redis_client: object) -> object:
    prefix = os.environ["SILKWIRE_KEY_PREFIX"]
    for key in redis_client.scan_iter(match=f"{prefix}*", count=1000):  # type: ignore[attr-defined]
        redis_client.delete(key)  # type: ignore[attr-defined]
    return redis_client


@pytest.fixture
def replay() -> Iterator[object]:
    from workers.devtools.replay import ReplayServer

    with ReplayServer(ROOT / "seeds" / "replay") as server:
        yield server


@pytest.fixture
def celery_worker(database: str, clean_redis: object) -> Iterator[object]:
    """A real Celery worker (thread pool, in this process) consuming every queue from the real Redis."""
    from celery.contrib.testing.worker import start_worker

    from workers.tasks.app import QUEUES, app

    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, queues=list(QUEUES),
                      shutdown_timeout=30, loglevel="WARNING") as worker:
        yield worker


def wait_until(predicate: Callable[[], object], timeout_s: float = 60.0, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())
