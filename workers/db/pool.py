"""One psycopg connection pool per process, opened after fork (connections are not fork-safe)."""

from __future__ import annotations

import os
import select
import threading

import psycopg
from psycopg import Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from workers.settings import Settings, get_settings

_lock = threading.Lock()
_pool: ConnectionPool[Connection[DictRow]] | None = None
_pool_pid: int | None = None


def check_idle_connection(conn: Connection[DictRow]) -> None:
    """The pool's check on every checkout, without a round trip while the connection looks healthy.

    An idle connection's socket has nothing to read; a server that closed it (restart, idle timeout,
    pg_terminate_backend) leaves it readable (EOF or an error message). Only then is the server asked,
    and a dead connection is replaced. A connection cut silently by the network fails on its first
    query instead, and the task retries (INFRA_RETRY), as it would after the full check.
    """
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def get_pool(settings: Settings | None = None) -> ConnectionPool[Connection[DictRow]]:
    """The pool of this process; a forked child gets a fresh one instead of its parent's sockets."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            s = settings or get_settings()
            _pool = ConnectionPool(
                s.database_url,
                connection_class=Connection[DictRow],
                min_size=1,
                max_size=s.db_pool_max,
                # Autocommit: a one-statement block costs one round trip, not BEGIN + statement + COMMIT;
                # every block of several writes opens its own transaction (conn.transaction()).
                kwargs={"row_factory": dict_row, "autocommit": True},
                open=True,
                name=f"silkwire-{os.getpid()}",
                # A dead server must not hang a task forever: fail fast, the task retries.
                timeout=10.0,
                check=check_idle_connection,
            )
            _pool_pid = os.getpid()
        return _pool


def close_pool() -> None:
    global _pool, _pool_pid
    with _lock:
        if _pool is not None and _pool_pid == os.getpid():
            _pool.close()
        _pool, _pool_pid = None, None


def connect(dsn: str | None = None) -> Connection[DictRow]:
    """A plain connection for the CLI and migrations (no pool needed for one command)."""
    return Connection.connect(dsn or get_settings().database_url, row_factory=dict_row)
