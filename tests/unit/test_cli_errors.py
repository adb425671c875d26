"""The CLI's error boundary: which exceptions become one line (and which keep their traceback)."""

from __future__ import annotations

import psycopg
import pytest
import redis
from kombu.exceptions import OperationalError as KombuOperationalError

from workers.cli.errors import database_place, explain


def test_database_place_never_shows_the_password() -> None:
    place = database_place("postgresql://app:s3cret@db.internal:6543/silkwire")
    assert place == "silkwire on db.internal:6543" and "s3cret" not in place


@pytest.mark.parametrize(("exc", "expected"), [
    (psycopg.OperationalError('connection failed: connection to server at "10.0.0.5", port 5432 failed: '
                              'FATAL:  database "silkwire" does not exist'),
     "does not exist: create it and its schema with `silkwire db migrate`"),
    (psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 1 failed: '
                              "Connection refused\n\tIs the server running on that host?"),
     "cannot reach PostgreSQL for"),
    (psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: '
                              'FATAL:  password authentication failed for user "app"'),
     "cannot use PostgreSQL"),
    (psycopg.errors.UndefinedTable('relation "articles" does not exist\nLINE 1: SELECT ...'),
     'has no Silkwire schema, or an older one (relation "articles" does not exist): run `silkwire db migrate`'),
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
     "dropped the connection (terminating connection due to administrator command)"),
    (redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused."),
     "cannot reach Redis at"),
    (KombuOperationalError("[Errno 111] Connection refused"), "cannot reach Redis at"),
])
def test_missing_services_become_one_line(exc: BaseException, expected: str) -> None:
    line = explain(exc)
    assert line is not None and "\n" not in line
    assert expected in line


@pytest.mark.parametrize("exc", [ValueError("a bug"), psycopg.errors.SyntaxError("syntax error at or near")])
def test_anything_else_keeps_its_traceback(exc: BaseException) -> None:
    assert explain(exc) is None
