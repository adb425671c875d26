"""Shared fixtures: real PostgreSQL (one database per test session, built from the migrations),
real Redis (a key prefix per session, so parallel runs and a live deployment never meet), the replay
corpus on 127.0.0.1 and an in-process Celery worker consuming the real broker.

The session's settings are built explicitly (tests/support/settings.py) and installed here with
`workers.settings.use_settings`; no import order matters for them. Child processes get the same settings as
SILKWIRE_* variables written from that object. The helpers live in tests/support; these fixtures wrap them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support import database as session_db
from tests.support.services import ROOT, require_service
from tests.support.settings import SETTINGS, as_env
from workers.settings import use_settings

use_settings(SETTINGS)
# Child processes (workers, beat, Flower, the CLI run as a program) build their settings from the environment:
# they get the session's, written from the object above. Nothing in this process reads them.
os.environ.update(as_env(SETTINGS))
# Celery reads these itself and they beat what code sets (shared/docs/traps.md: tests talk to the wrong
# broker): the in-process worker and the apps built in this process must not see them.
for _name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    """A fresh database for this session with every migration applied."""
    require_service("PostgreSQL", 5432)
    session_db.create(SETTINGS.database_url)
    yield SETTINGS.database_url
    session_db.drop()


@pytest.fixture
def db(database: str) -> Iterator[Any]:
    """An autocommit connection to an emptied session database."""
    with psycopg.connect(database, autocommit=True, row_factory=dict_row) as conn:
        session_db.truncate(conn)
        yield conn


@pytest.fixture(scope="session")
def redis_client() -> Iterator[Any]:
    require_service("Redis", 6379)
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    session_db.delete_prefixed(client, SETTINGS.key_prefix)
    client.close()


@pytest.fixture
def clean_redis(redis_client: Any) -> Any:
    session_db.delete_prefixed(redis_client, SETTINGS.key_prefix)
    return redis_client


@pytest.fixture
def replay() -> Iterator[Any]:
    from workers.devtools.replay import ReplayServer

    with ReplayServer(ROOT / "seeds" / "replay") as server:
        yield server


@pytest.fixture
def celery_worker(database: str, clean_redis: Any) -> Iterator[Any]:
    """A real Celery worker (thread pool, in this process) consuming every queue from the real Redis."""
    from celery.contrib.testing.worker import start_worker

    from workers.tasks.app import app
    from workers.taskspec import QUEUES

    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, queues=list(QUEUES),
                      shutdown_timeout=30, loglevel="WARNING") as worker:
        yield worker
