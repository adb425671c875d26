"""The demo's database: created afresh and migrated, then read for progress and the summary
`silkwire demo` prints (the compose test compares a stack's database against the same summary)."""

from __future__ import annotations

from typing import Any

import psycopg
import psycopg.conninfo
from psycopg import Connection, sql

from workers.db import QUERIES
from workers.db.migrate import migrate

Row = dict[str, Any]
# The summary's SQL as text, for the compose test to run through psql in the stack.
SUMMARY_SQL = QUERIES["demo_summary"]


def recreate_database(dsn: str) -> None:
    """Drop the DSN's database if it exists, create it empty and migrate it."""
    name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    admin = psycopg.conninfo.make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name))))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
    with psycopg.connect(dsn) as conn:
        migrate(conn)


def _one(conn: Connection[Any], name: str) -> Row:
    return dict(conn.execute(QUERIES[name]).fetchone() or {})


def summary(conn: Connection[Any]) -> Row:
    return _one(conn, "demo_summary")


def progress(conn: Connection[Any]) -> Row:
    return _one(conn, "demo_progress")


def registry_counts(conn: Connection[Any]) -> Row:
    return _one(conn, "registry_counts")


def unlinked(conn: Connection[Any]) -> int:
    """Mentions not yet linked into the registry (linking runs after analysis)."""
    return int(_one(conn, "registry_unlinked").get("unlinked") or 0)


def feed_ids(conn: Connection[Any]) -> list[int]:
    return [r["id"] for r in conn.execute(QUERIES["demo_feed_ids"]).fetchall()]


def polls(conn: Connection[Any]) -> int:
    return int(_one(conn, "demo_polls").get("n") or 0)


def failures(conn: Connection[Any]) -> list[Row]:
    return [dict(r) for r in conn.execute(QUERIES["demo_failures"]).fetchall()]
