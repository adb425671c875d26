"""Fault-test fixtures: a pool of worker subprocesses stopped at teardown, and the synthetic corpus served on
127.0.0.1. The helpers (workers, row checks, reports) live in tests/support/reliability.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.corpus import CorpusServer
from tests.support.reliability import N_ARTICLES, N_OUTAGE, WorkerPool


@pytest.fixture
def workers(tmp_path: Path, database: str, clean_redis: object) -> Iterator[WorkerPool]:
    pool = WorkerPool(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def corpus() -> Iterator[CorpusServer]:
    with CorpusServer(N_ARTICLES) as server:
        yield server


@pytest.fixture
def outage_corpus() -> Iterator[CorpusServer]:
    with CorpusServer(N_OUTAGE) as server:
        yield server
