"""The worker pool's connection check: no round trip on a healthy connection, a dead one is replaced."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from workers.db import pool as pool_module


def _backend_pid(conn: Any) -> int:
    return int(conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"])


def test_terminated_connection_is_replaced_on_checkout(database: str, db: Any) -> None:
    pool_module.close_pool()
    try:
        with pool_module.get_pool().connection() as conn:
            first = _backend_pid(conn)
        db.execute("SELECT pg_terminate_backend(%s)", (first,))
        # Termination is asynchronous: wait until the backend has exited (its socket is then closed).
        deadline = time.monotonic() + 10
        while db.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (first,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not exit"
            time.sleep(0.01)
        # The server closed it: the next checkout notices (readable socket) and hands out a live one.
        with pool_module.get_pool().connection() as conn:
            assert _backend_pid(conn) != first
    finally:
        pool_module.close_pool()


def _last_query(db: Any, pid: int) -> str:
    return str(db.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()["query"])


def test_healthy_connection_is_checked_without_a_query(database: str, db: Any) -> None:
    with psycopg.connect(database, autocommit=True, row_factory=dict_row) as conn:
        pid = _backend_pid(conn)
        pool_module.check_idle_connection(conn)
        assert _last_query(db, pid) == "SELECT pg_backend_pid() AS pid"
        # The full check does ask the server (what every checkout used to cost).
        ConnectionPool.check_connection(conn)
        assert _last_query(db, pid) != "SELECT pg_backend_pid() AS pid"


def test_pool_connections_autocommit_and_blocks_are_transactions(database: str) -> None:
    pool_module.close_pool()
    try:
        with pool_module.get_pool().connection() as conn:
            assert conn.autocommit
            with conn.transaction():
                status = conn.info.transaction_status
            assert status == psycopg.pq.TransactionStatus.INTRANS
    finally:
        pool_module.close_pool()
