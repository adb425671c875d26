"""`silkwire db roles`: a DML-only app role and a read-only role (issue 17, finding 13).

Against the local PostgreSQL, in a throwaway database with roles named for this run (roles are
cluster-wide), both removed at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import dict_row

from tests.integration.test_cli_support import add_article, add_feed
from tests.support.services import require_service
from workers.db.migrate import ensure_database, migrate
from workers.db.roles import Role, RoleError, ensure_roles, role_from_url

pytestmark = pytest.mark.integration

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def roles_db() -> Iterator[dict[str, str]]:
    require_service("PostgreSQL", 5432)
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = {"db": f"silkwire_roles_{tag}", "app": f"silkwire_app_{tag}", "reader": f"silkwire_reader_{tag}"}
    owner = f"postgresql://postgres@127.0.0.1:5432/{names['db']}"
    ensure_database(owner)
    with psycopg.connect(owner) as conn:
        migrate(conn)
    yield {**names, "owner": owner}
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{names["db"]}" WITH (FORCE)')
        for role in (names["app"], names["reader"]):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def as_role(names: dict[str, str], role: str) -> psycopg.Connection[Any]:
    # dict rows, as the pool gives the tasks (the helpers below read rows by name)
    return psycopg.connect(f"postgresql://{names[role]}:pw-{role}@127.0.0.1:5432/{names['db']}", autocommit=True,
                           row_factory=dict_row)


def make_roles(names: dict[str, str]) -> list[str]:
    with psycopg.connect(names["owner"]) as conn:
        return ensure_roles(conn, [Role(names["app"], "pw-app", writes=True),
                                   Role(names["reader"], "pw-reader", writes=False)])


def refused(conn: psycopg.Connection[Any], statement: str) -> bool:
    try:
        conn.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    return False


def test_app_role_does_the_pipeline_work_but_no_ddl(roles_db: dict[str, str]) -> None:
    # Given the roles made twice (idempotent: the second run updates, nothing fails)
    assert make_roles(roles_db)[0].startswith("created role")
    assert make_roles(roles_db)[0].startswith("updated role")
    with as_role(roles_db, "app") as app:
        # Expect the app role to write what the pipeline writes: feeds, articles, sequences, locks
        feed = add_feed(app, "f1", "https://example.kz/rss")
        article = add_article(app, "https://example.kz/a1", feeds=(feed,))
        app.execute("UPDATE articles SET state = 'done' WHERE id = %s", (article,))
        app.execute("SELECT nextval('registry_events_id_seq'), pg_advisory_xact_lock(1)")
        app.execute("DELETE FROM article_feeds WHERE article_id = %s", (article,))
        # ... and no DDL at all
        assert refused(app, "CREATE TABLE sneaky (id int)")
        assert refused(app, "DROP TABLE feeds")
        assert refused(app, "ALTER TABLE feeds ADD COLUMN sneaky int")
        assert refused(app, "TRUNCATE articles")
        assert refused(app, "CREATE INDEX sneaky ON feeds (url)")


def test_reader_role_reads_and_cannot_write(roles_db: dict[str, str]) -> None:
    make_roles(roles_db)
    with as_role(roles_db, "app") as app:
        add_feed(app, "f1", "https://example.kz/rss")
    with as_role(roles_db, "reader") as reader:
        assert reader.execute("SELECT count(*) AS n FROM feeds").fetchone() == {"n": 1}
        # read-only by grant (and, should a grant slip in, by default_transaction_read_only)
        with pytest.raises((errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)):
            reader.execute("INSERT INTO sources (name) VALUES ('x')")
        with pytest.raises((errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)):
            reader.execute("UPDATE feeds SET name = 'x'")
        # and with read-only switched off in the session, the grants still refuse
        reader.execute("SET default_transaction_read_only = off")
        assert refused(reader, "INSERT INTO sources (name) VALUES ('x')")


def test_tables_added_later_are_granted_by_default(roles_db: dict[str, str]) -> None:
    make_roles(roles_db)
    # Given a table a later migration adds (as the owner)
    with psycopg.connect(roles_db["owner"], autocommit=True) as owner:
        owner.execute("CREATE TABLE later_table (id bigserial PRIMARY KEY, v text)")
    # Expect the app to write it and the reader to read it, with no second `db roles`
    with as_role(roles_db, "app") as app:
        app.execute("INSERT INTO later_table (v) VALUES ('x')")
    with as_role(roles_db, "reader") as reader:
        assert reader.execute("SELECT count(*) AS n FROM later_table").fetchone() == {"n": 1}


def test_role_urls_need_a_user_and_password_and_not_the_owner(roles_db: dict[str, str]) -> None:
    assert role_from_url("", writes=True) is None
    role = role_from_url("postgresql://silkwire_app:s3cret@postgres:5432/silkwire", writes=True)
    assert role == Role("silkwire_app", "s3cret", True)
    with pytest.raises(RoleError):
        role_from_url("postgresql://silkwire_app@postgres:5432/silkwire", writes=True)
    with psycopg.connect(roles_db["owner"]) as conn, pytest.raises(RoleError, match="owner"):
        ensure_roles(conn, [Role("postgres", "x", writes=True)])
