"""What the CLI says when a service it needs is missing: one line naming the service, where it was looked
for and what to do, instead of a psycopg, redis or kombu traceback. `main` calls `explain` on whatever a
command raised; None means an unexpected error, which keeps its traceback.

Exit statuses (also in `silkwire --help`): 0 done, 1 the work failed or was declined, 2 bad usage,
3 a service is missing or not ready (database absent, unmigrated or unreachable; Redis unreachable).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import psycopg
import psycopg.conninfo
import redis
from kombu.exceptions import OperationalError as KombuOperationalError
from psycopg_pool import PoolTimeout

from workers.settings import get_settings

SERVICE_MISSING = 3

# Postgres says a schema object is missing: the database was created but never migrated (or is behind).
_UNMIGRATED = (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.UndefinedFunction,
               psycopg.errors.UndefinedObject, psycopg.errors.InvalidSchemaName)
_REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, KombuOperationalError)
_NO_DATABASE = re.compile(r'database "([^"]+)" does not exist')


def database_place(dsn: str | None = None) -> str:
    """'silkwire on 127.0.0.1:5432' from the configured DSN, never its password."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn or get_settings().database_url)
    except psycopg.Error:
        return "the configured database"
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return f"{params.get('dbname') or params.get('user') or '?'} on {host}:{port}"


def postgres_reason(exc: BaseException) -> str:
    """The server's or libpq's own reason, without psycopg's 'connection failed: connection to server...'."""
    lines = str(exc).strip().splitlines()
    text = " ".join(lines[0].split()) if lines else ""
    text = re.sub(r"^connection failed: ", "", text)
    text = re.sub(r'^connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: ', "", text)
    text = re.sub(r"^FATAL: +", "", text)
    return text.split(" Is the server running")[0].rstrip(". ") or type(exc).__name__


def _redis_place() -> str:
    """host:port of the configured broker, never its password."""
    url = urlsplit(get_settings().broker_url)
    return f"{url.hostname or 'localhost'}:{url.port or 6379}"


def _redis_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()).rstrip(". ")
    return text or type(exc).__name__


def explain(exc: BaseException) -> str | None:
    """One line for a missing or unready service; None for anything else."""
    if isinstance(exc, _UNMIGRATED):
        return (f"database {database_place()} has no Silkwire schema, or an older one "
                f"({postgres_reason(exc)}): run `silkwire db migrate`")
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        # sqlstate None: the connection itself failed (a refused port, a missing database, a bad password)
        reason = postgres_reason(exc)
        missing = _NO_DATABASE.search(reason)
        if missing:
            return (f"database {database_place()} does not exist: create it and its schema with "
                    "`silkwire db migrate` (or point SILKWIRE_DATABASE_URL at the right one)")
        if "Connection refused" in reason or "resolve host" in reason or "timeout expired" in reason:
            return (f"cannot reach PostgreSQL for {database_place()} ({reason}): is it running? "
                    "SILKWIRE_DATABASE_URL says where to look")
        return f"cannot use PostgreSQL {database_place()}: {reason} (SILKWIRE_DATABASE_URL)"
    if isinstance(exc, psycopg.OperationalError) and (exc.sqlstate or "").startswith(("08", "57")):
        # connection exceptions (08) and operator intervention (57: shutdown, restart, terminated backend)
        return (f"PostgreSQL {database_place()} dropped the connection ({postgres_reason(exc)}): "
                "is it restarting? try again")
    if isinstance(exc, PoolTimeout):
        return f"no connection to PostgreSQL {database_place()} within the pool's timeout: is it running?"
    if isinstance(exc, _REDIS_DOWN):
        return (f"cannot reach Redis at {_redis_place()} ({_redis_reason(exc)}): is it running? "
                "SILKWIRE_BROKER_URL and SILKWIRE_REDIS_URL say where to look")
    return None
