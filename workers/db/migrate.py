"""Numbered plain-SQL migrations (`migrations/NNNN_name.sql`), each applied once in its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import psycopg.conninfo
import psycopg.sql

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Two `silkwire db migrate` at once (compose restarts, CI) must not both apply a file.
_LOCK_KEY = 0x5111C


class DatabaseEncodingError(RuntimeError):
    """The database is not UTF8: the schema and the stored text are Russian, and a SQL_ASCII or LATIN1
    database would fail deep inside a migration (or later, on the first Cyrillic page)."""


def check_encoding(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("SELECT current_database() AS name, pg_encoding_to_char(encoding) AS encoding"
                       " FROM pg_database WHERE datname = current_database()").fetchone()
    assert row is not None
    values = row if isinstance(row, tuple) else (row["name"], row["encoding"])
    # psycopg hands SQL_ASCII text back as bytes
    name, encoding = (v.decode("ascii", "replace") if isinstance(v, bytes) else str(v) for v in values)
    if encoding != "UTF8":
        raise DatabaseEncodingError(
            f'database "{name}" is encoded {encoding}, not UTF8; Silkwire stores Russian text: recreate it with'
            f" CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0 (and a UTF-8 locale, e.g. C.UTF-8)")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise ValueError(f"migration file name must be NNNN_name.sql: {path.name}")
        found.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a number")
    return found


def migrate(conn: psycopg.Connection[Any], directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply what is missing, in order; returns what was applied (empty on a second run).

    Raises DatabaseEncodingError, before touching anything, when the database is not UTF8.
    """
    check_encoding(conn)
    applied: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] if isinstance(row, tuple) else row["version"]
                for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        for mig in discover(directory):
            if mig.version in done:
                continue
            conn.execute(mig.path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (mig.version, mig.name))
            applied.append(mig)
    return applied


def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` when the server has none by that name; True if created."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    name = str(info.get("dbname") or "")
    try:
        psycopg.connect(dsn, connect_timeout=5).close()
        return False
    except psycopg.OperationalError as exc:
        if not name or f'database "{name}" does not exist' not in str(exc):
            raise
    admin = psycopg.conninfo.make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return True
