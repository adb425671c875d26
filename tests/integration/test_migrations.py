"""Migrations apply to an empty database, and a second run is a no-op."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest

from tests.support.services import require_service
from workers.db.migrate import discover, ensure_database, migrate

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_db():
    require_service("PostgreSQL", 5432)
    name = f"silkwire_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    assert ensure_database(dsn) is True
    assert ensure_database(dsn) is False
    yield dsn
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_all_migrations_apply_then_rerun_is_noop(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:
        first = migrate(conn)
        assert [m.version for m in first] == [m.version for m in discover()]
        assert migrate(conn) == []
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    assert {"feeds", "articles", "raw_pages", "documents", "extractions", "events", "agreements"} <= tables


def test_russian_full_text_search_finds_inflected_forms(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:
        migrate(conn)
        conn.execute("INSERT INTO articles (url) VALUES ('https://example.kz/a')")
        conn.execute(
            "INSERT INTO documents (article_id, text, content_hash, simhash, clean_version)"
            " VALUES (1, 'Стороны подписали соглашения о транспортных коридорах', 'h', 0, 'clean/1')")
        hits = conn.execute(
            "SELECT count(*) FROM documents WHERE tsv @@ plainto_tsquery('russian', 'соглашение коридор')"
        ).fetchone()
    assert hits == (1,)
