"""`silkwire db migrate` on a database that is not UTF8 says so in one line and changes nothing
(issue 13: it used to die with UnicodeEncodeError deep inside a migration)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.services import require_service
from workers.db.migrate import DatabaseEncodingError, migrate

pytestmark = pytest.mark.integration
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(params=["SQL_ASCII", "LATIN1"])
def foreign_db(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    require_service("PostgreSQL", 5432)
    encoding = request.param
    name = f"silkwire_enc_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING '{encoding}' TEMPLATE template0"
                      " LC_COLLATE 'C' LC_CTYPE 'C'")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}", encoding
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_cli_says_in_one_line_that_the_database_is_not_utf8(foreign_db: tuple[str, str]) -> None:
    dsn, encoding = foreign_db
    env = {**os.environ, "SILKWIRE_DATABASE_URL": dsn, "COLUMNS": "60"}
    done = subprocess.run([str(Path(sys.executable).parent / "silkwire"), "db", "migrate"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"encoded {encoding}, not UTF8" in lines[0] and "ENCODING 'UTF8'" in lines[0]
    assert "Traceback" not in done.stderr and "UnicodeEncodeError" not in done.stderr
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,)


def test_migrate_refuses_before_touching_anything(foreign_db: tuple[str, str]) -> None:
    dsn, _ = foreign_db
    with psycopg.connect(dsn) as conn:
        with pytest.raises(DatabaseEncodingError, match="not UTF8"):
            migrate(conn)
        assert conn.execute("SELECT to_regclass('feeds')").fetchone() == (None,)
