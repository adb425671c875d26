"""One psycopg connection pool per process, opened after fork (connections are not fork-safe)."""

from __future__ import annotations

import os
import threading

from psycopg import Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from workers.settings import Settings, get_settings

_lock = threading.Lock()
_pool: ConnectionPool[Connection[DictRow]] | None = None
_pool_pid: int | None = None


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
                kwargs={"row_factory": dict_row, "autocommit": False},
                open=True,
                name=f"silkwire-{os.getpid()}",
                # A dead server must not hang a task forever: fail fast, the task retries.
                timeout=10.0,
                check=ConnectionPool.check_connection,
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
