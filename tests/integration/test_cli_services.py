"""Every verb of `silkwire`, run as an operator runs it (its own process), when a service it needs is
missing: one line on stderr naming the service and what to do, exit status 3, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.test_cli_support import add_article, add_feed
from tests.support.services import ROOT, require_service

pytestmark = pytest.mark.integration

SERVER = "postgresql://postgres@127.0.0.1:5432"
DOWN_REDIS = "redis://127.0.0.1:1/0"
# Each verb that reads or writes the database, with arguments that would work on a healthy stack.
DB_VERBS = [
    ["events"], ["events", "--mentions"], ["event", "1"], ["agreements"], ["agreements", "--mentions"],
    ["export", "events"], ["registry", "rebuild"], ["search", "транзит"], ["status"], ["article", "1"],
    ["reprocess", "--stage", "fetch", "--dry-run"], ["reprocess", "--stage", "fetch", "--yes"],
    ["feeds", "list"], ["feeds", "health"], ["feeds", "import"], ["feeds", "import", "--prune"],
    ["feeds", "enable", "1"], ["feeds", "disable", "1"], ["feeds", "poll-now", "1"], ["web", "--port", "1"],
]


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli.main", *argv], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "COLUMNS": "200", **env}, timeout=120, check=False)


def run_all(verbs: list[list[str]], **env: str) -> list[tuple[list[str], subprocess.CompletedProcess[str]]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(zip(verbs, pool.map(lambda argv: run(argv, **env), verbs), strict=True))


def assert_one_line(argv: list[str], proc: subprocess.CompletedProcess[str], *expected: str) -> None:
    shown = " ".join(argv)
    assert "Traceback" not in proc.stderr, (shown, proc.stderr)
    assert proc.returncode == 3, (shown, proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == "", (shown, proc.stdout)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("silkwire: error: "), (shown, proc.stderr)
    for text in expected:
        assert text in lines[0], (shown, lines[0])


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A database that exists but was never migrated."""
    require_service("PostgreSQL", 5432)
    import psycopg

    name = f"silkwire_unmigrated_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_missing_database_is_named_with_the_command_that_creates_it() -> None:
    require_service("PostgreSQL", 5432)
    name = f"silkwire_absent_{uuid.uuid4().hex[:8]}"
    for argv, proc in run_all(DB_VERBS, SILKWIRE_DATABASE_URL=f"{SERVER}/{name}"):
        assert_one_line(argv, proc, f"database {name} on 127.0.0.1:5432 does not exist", "silkwire db migrate")


def test_an_unmigrated_database_says_run_db_migrate(empty_database: str) -> None:
    for argv, proc in run_all(DB_VERBS, SILKWIRE_DATABASE_URL=empty_database):
        assert_one_line(argv, proc, "has no Silkwire schema", "run `silkwire db migrate`")
    import psycopg

    with psycopg.connect(empty_database) as conn:  # nothing was created on the way
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


def test_an_unreachable_postgres_is_named_with_where_it_was_looked_for() -> None:
    verbs = [*DB_VERBS, ["db", "migrate"]]
    for argv, proc in run_all(verbs, SILKWIRE_DATABASE_URL="postgresql://postgres:secret@127.0.0.1:1/silkwire"):
        assert_one_line(argv, proc, "cannot reach PostgreSQL for silkwire on 127.0.0.1:1", "Connection refused")
        assert "secret" not in proc.stderr


def test_redis_down_stops_reprocess_before_anything_changes(database: str, db: Any) -> None:
    article = add_article(db, "https://www.akorda.kz/ru/redis-down")
    before = db.execute("SELECT stage, state, updated_at FROM articles WHERE id = %s", (article,)).fetchone()

    proc = run(["reprocess", "--stage", "fetch", "--article", str(article), "--yes"], SILKWIRE_DATABASE_URL=database,
               SILKWIRE_BROKER_URL=DOWN_REDIS, SILKWIRE_REDIS_URL=DOWN_REDIS)

    assert "1 article selected for re-fetch" in proc.stdout
    assert "Traceback" not in proc.stderr and proc.returncode == 3, proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "cannot reach Redis" in proc.stderr and "127.0.0.1:1" in proc.stderr
    assert db.execute("SELECT stage, state, updated_at FROM articles WHERE id = %s", (article,)).fetchone() == before


def test_redis_down_poll_now_is_one_line_and_status_still_reports(database: str, db: Any) -> None:
    feed = add_feed(db, "akorda-ru", "https://www.akorda.kz/ru/rss")
    env = {"SILKWIRE_DATABASE_URL": database, "SILKWIRE_BROKER_URL": DOWN_REDIS, "SILKWIRE_REDIS_URL": DOWN_REDIS}

    assert_one_line(["feeds", "poll-now"], run(["feeds", "poll-now", str(feed)], **env), "cannot reach Redis")
    status = run(["status"], **env)
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    assert "Redis broker unreachable" in status.stdout
